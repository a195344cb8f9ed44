"""Errors of 微协商, each with the HTTP status it is answered with (mapped in web/errors.py)."""

from __future__ import annotations

from geo_app.store.errors import Conflict, NotFound, StoreError


class GovernanceError(StoreError):
    """Bad input to a view, meeting or item (400), naming the parameter."""


class NotFoundError(GovernanceError, NotFound):
    """No such view, meeting or item in the caller's scope (404: existence is not revealed)."""


class RoleRefusedError(GovernanceError):
    """The caller's role may not do this (403)."""

    status = 403


class TransitionError(GovernanceError, Conflict):
    """The view's state does not allow this step (409); nothing was changed."""


class BudgetExceededError(GovernanceError):
    """Too many views or +1s from one device (429)."""

    status = 429
