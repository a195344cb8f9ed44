"""Accounts in the web app: login and logout, sessions, CSRF protection, login rate limits.

Passwords are hashed with werkzeug's salted scrypt; session cookies are HttpOnly and
SameSite=Lax (Secure when ``SESSION_COOKIE_SECURE`` is set, e.g. behind HTTPS); every POST,
form or JSON, needs a CSRF token (forms: a hidden field; fetch: an ``X-CSRFToken`` header
read from the page's ``<meta name="csrf-token">``).
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from geo_app.auth import limits
from geo_app.auth.identity import CurrentUser, load_logged_in_user
from geo_app.store.roles import ROLE_LABELS

__all__ = ["CurrentUser", "init_app", "init_csrf"]

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Install login limits and the session's user loader (``g.user``)."""
    limits.init_app(app)
    app.before_request(load_logged_in_user)
    app.context_processor(lambda: {"role_labels": ROLE_LABELS})


def init_csrf(app: Flask) -> None:
    """CSRF protection of every POST; installed after access control, so that an anonymous
    POST is told to log in (401) rather than that its token is missing."""
    csrf.init_app(app)


