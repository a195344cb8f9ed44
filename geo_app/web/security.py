"""Security headers of every answer: a nonce-based Content-Security-Policy and its friends.

Every answer carries

- ``Content-Security-Policy``: scripts only from this site or an inline ``<script>`` carrying
  the request's nonce (no ``'unsafe-inline'``, no ``eval``), so markup slipped in through layer
  text cannot run script even if an escape is ever forgotten; ``frame-ancestors 'none'``,
  ``object-src 'none'``, ``base-uri 'self'``, ``form-action 'self'``, images from this site
  (plus the tile hosts of a configured base map). Styles allow ``'unsafe-inline'``: Leaflet
  positions every tile, marker and popup with inline ``style`` attributes;
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin``;
- ``Cache-Control: no-store`` on every answer to a logged-in account and on every route that
  is not public (personal data never lands in a shared cache or the browser's disk cache).

Templates put :func:`csp_nonce` on their inline scripts (``<script nonce="{{ csp_nonce() }}">``)
and pass Folium's rendered ``<head>`` markup through the ``nonce_scripts`` filter.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from geo_app.maps.base import basemap_layers
from geo_app.web.access import PUBLIC, policy_of

#: Headers set on every answer, whatever it is.
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
#: An inline ``<script>`` opening tag without a nonce (Folium's head has one such block).
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bnonce=)(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)


def csp_nonce() -> str:
    """This request's script nonce (made on first use, one per request)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(18)
    return nonce


def nonce_scripts(markup: str) -> Markup:
    """Trusted markup (Folium's rendered head) with the nonce on each inline ``<script>``."""
    nonce = csp_nonce()
    return Markup(_INLINE_SCRIPT.sub(lambda m: f'<script nonce="{nonce}"{m.group(1)}>', markup))


@cache
def tile_sources(basemap: str, tianditu_key: str) -> tuple[str, ...]:
    """CSP sources of the configured base map's tiles (``https://*.tianditu.gov.cn``)."""
    sources = set()
    for layer in basemap_layers(basemap, tianditu_key=tianditu_key):
        parts = urlsplit(layer.tiles)
        host = re.sub(r"^[^.]*\{s\}[^.]*", "*", parts.netloc)
        sources.add(f"{parts.scheme}://{host}")
    return tuple(sorted(sources))


def content_security_policy(nonce: str, *, tiles: tuple[str, ...] = ()) -> str:
    """The policy text for one answer."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *tiles],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def is_private_answer() -> bool:
    """Whether this answer may hold personal data: a logged-in caller or a non-public route."""
    if g.get("user") is not None:
        return True
    endpoint = request.endpoint
    if endpoint is None:
        return False
    policy = policy_of(endpoint)
    return policy is None or PUBLIC not in policy


def _set_headers(response: Response) -> Response:
    config = current_app.config
    tiles = tile_sources(config["BASEMAP"], config["TIANDITU_KEY"])
    response.headers["Content-Security-Policy"] = content_security_policy(
        csp_nonce(), tiles=tiles
    )
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if is_private_answer():
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Install the headers and the templates' ``csp_nonce()`` / ``nonce_scripts``."""
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.add_template_filter(nonce_scripts, "nonce_scripts")
