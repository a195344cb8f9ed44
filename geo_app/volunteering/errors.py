"""Errors of the volunteering service: a Chinese message, the parameter, the HTTP status."""

from __future__ import annotations

from geo_app.store.errors import Conflict, NotFound, StoreError


class VolunteeringError(StoreError):
    """Bad input or an impossible action (answered 400 naming the parameter)."""


class NotFoundError(VolunteeringError, NotFound):
    """No such volunteer card, activity, goods or station (answered 404)."""


class ConflictError(VolunteeringError, Conflict):
    """Not enough points or goods, a second return, a full ledger rule (answered 409)."""
