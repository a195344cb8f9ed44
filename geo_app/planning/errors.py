"""Errors of the planners' analyses."""

from __future__ import annotations


class PlanningError(Exception):
    """An analysis cannot be carried out as asked."""


class BadParameterError(PlanningError, ValueError):
    """A parameter given by the planner is invalid; ``parameter`` names it."""

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class CandidateFileError(PlanningError):
    """A planner's GeoJSON of candidate sites cannot be used."""
