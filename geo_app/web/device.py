"""A device's identity for budgets without accounts or CAPTCHAs: a random id in a signed cookie.

The first request that needs it gets a fresh random id, signed with the app's secret
(itsdangerous, as Flask's own session) and kept in an HttpOnly cookie for a year. What a device
has done (views sent, +1s given) is counted in the store against a hash of this id — never in
the cookie itself — so replaying an old cookie gains nothing. A script that throws its cookies
away gets a new device each time and meets the per-address rate limit instead.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "jn_device"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
_SALT = "geo_app.device"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def device_id() -> str:
    """This request's device id: from its signed cookie, else a new one (set on the answer)."""
    cached = g.get("_device_id")
    if cached:
        return cached
    raw = request.cookies.get(COOKIE_NAME)
    found = None
    if raw:
        try:
            found = _serializer().loads(raw)
        except BadSignature:
            found = None
    if not isinstance(found, str) or len(found) != 32:
        found = secrets.token_hex(16)
        g._device_new = True
    g._device_id = found
    return found


def device_hash() -> str:
    """What the store keeps of the device: a hash of its id (with the app's secret)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(secret + b"|" + device_id().encode()).hexdigest()


def set_device_cookie(response: Response) -> Response:
    """``after_request``: hand a new device its signed cookie."""
    if g.get("_device_new"):
        response.set_cookie(
            COOKIE_NAME, _serializer().dumps(g._device_id), max_age=COOKIE_MAX_AGE_S,
            httponly=True, samesite="Lax", secure=bool(current_app.config.get(
                "SESSION_COOKIE_SECURE", False)),
        )
    return response
