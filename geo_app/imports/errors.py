"""Errors of the importers: a message naming the file or option and the reason."""

from __future__ import annotations


class ImportInputError(Exception):
    """The input cannot be imported as asked (unreadable file, bad option, unknown CRS).

    ``parameter`` names the command-line argument or option at fault, if one is.
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
