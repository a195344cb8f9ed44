"""Errors of the store: small classes a view can turn into a 400 naming the parameter."""

from __future__ import annotations

from collections.abc import Collection

from layers.quoting import quoted


class StoreError(Exception):
    """Base class of the store's errors; ``parameter`` names the offending input, if any.

    ``status`` is the HTTP status the web layer answers it with (400: bad input).
    """

    status = 400

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class NotFound(StoreError):
    """Base of a module's "no such thing" error (404; also what lies outside the caller's scope)."""

    status = 404


class Conflict(StoreError):
    """Base of a module's "the store's state refuses this" error (409; nothing was changed)."""

    status = 409


class AccountError(StoreError):
    """An account cannot be created or changed as asked (bad name, password, role)."""


class AssignmentError(StoreError):
    """An assignment breaks the four-level grid hierarchy."""


class StockError(StoreError):
    """A stock movement is impossible (unknown station or item, count would go negative)."""


def require_known(
    value: str | None, known: Collection[str | None], *, what: str, parameter: str,
    error: type[StoreError],
) -> None:
    """``error`` "{what} 'value' 不存在" naming ``parameter``, unless ``value`` is in ``known``."""
    if value not in known:
        msg = f"{what} {quoted(value)} 不存在"
        raise error(msg, parameter=parameter)
