"""Access control in one place: every endpoint declares who may use it; undeclared means denied.

Views are marked with :func:`public` or :func:`require_roles`; :func:`init_app` installs one
``before_request`` check that applies the mark to every route of the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, g, request

View = TypeVar("View", bound=Callable[..., object])
ACCESS_ATTR = "_geo_app_access"
PUBLIC = "public"


def public(view: View) -> View:
    """Anyone may use this view (it must expose no personal data)."""
    setattr(view, ACCESS_ATTR, (PUBLIC,))
    return view


def require_roles(*roles: str) -> Callable[[View], View]:
    """Only a logged-in account with one of ``roles`` may use this view."""

    def mark(view: View) -> View:
        setattr(view, ACCESS_ATTR, tuple(roles))
        return view

    return mark


def policy_of(endpoint: str) -> tuple[str, ...] | None:
    """The roles (or ``("public",)``) declared for ``endpoint``; ``None`` when undeclared."""
    if endpoint == "static":
        return (PUBLIC,)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def _check_access() -> None:
    if request.endpoint is None:  # no route matched: let Flask answer 404
        return
    policy = policy_of(request.endpoint)
    if policy is None:
        abort(403)
    if PUBLIC in policy:
        return
    user = g.get("user")
    if user is None:
        abort(401)
    if user.role not in policy:
        abort(403)


def init_app(app: Flask) -> None:
    app.before_request(_check_access)
