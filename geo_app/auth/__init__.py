"""Accounts in the web app: login and logout, sessions, CSRF protection, login rate limits.

Passwords are hashed with werkzeug's salted scrypt; session cookies are HttpOnly and
SameSite=Lax (Secure when ``SESSION_COOKIE_SECURE`` is set, e.g. behind HTTPS); every POST,
form or JSON, needs a CSRF token (forms: a hidden field; fetch: an ``X-CSRFToken`` header
read from the page's ``<meta name="csrf-token">``).
"""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from geo_app.auth import limits
from geo_app.auth.identity import CurrentUser, load_logged_in_user
from geo_app.store.roles import ROLE_LABELS

__all__ = ["CurrentUser", "init_app"]

csrf = CSRFProtect()

#: Defaults a deployment may override (instance config or ``GEO_APP_*`` variables).
AUTH_DEFAULTS: dict[str, object] = {
    "LOGIN_RATE_LIMIT": "5 per minute",  # per client address and username
    "LOGIN_RATE_LIMIT_PER_IP": "30 per minute",  # per client address, whatever the username
    "LOGIN_RATE_LIMIT_STORAGE": "memory://",
    "SESSION_COOKIE_HTTPONLY": True,
}


def init_app(app: Flask) -> None:
    """Install CSRF protection, login limits, the session's user loader and the login pages."""
    for key, value in AUTH_DEFAULTS.items():
        app.config.setdefault(key, value)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    csrf.init_app(app)
    limits.init_app(app)
    app.before_request(load_logged_in_user)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.context_processor(lambda: {"role_labels": ROLE_LABELS})

    from geo_app.auth.views import bp

    app.register_blueprint(bp)


def _csrf_refused(error: CSRFError) -> tuple[object, int]:
    if request.path.startswith("/api/") or request.is_json:
        return {"error": f"CSRF 校验失败：{error.description}", "parameter": "csrf_token"}, 400
    return render_template("auth_csrf.html", reason=error.description, user=g.get("user")), 400
