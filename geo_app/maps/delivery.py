"""Maps delivered without inline scripts: the map's script as a file.

A Content-Security-Policy without ``'unsafe-inline'`` refuses inline ``<script>`` blocks, and a
Folium page has two: the map's own script and a tiny block in the header (``L_NO_TOUCH`` /
``L_DISABLE_3D``, Leaflet's defaults when absent). :func:`external_script_parts` drops the
latter and :func:`map_script_response` serves the former from a URL of the page's blueprint.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from functools import lru_cache

from flask import Response, request

from geo_app.maps.base import MapParts

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>.*?</script>", re.S | re.I)

def external_script_parts(parts: MapParts) -> MapParts:
    """``parts`` with the header's inline scripts removed (the map script is served apart)."""
    return replace(parts, header=_INLINE_SCRIPT.sub("", parts.header))


@lru_cache(maxsize=16)
def body_etag(body: bytes | str) -> str:
    """The SHA-1 of ``body`` (UTF-8 for text), as Werkzeug tags a body, worked out once.

    The bodies are cached per community or report, and a str or bytes object keeps its own
    hash: looking the same object up again costs nothing, where hashing 2 MB took ~3 ms.
    """
    data = body.encode() if isinstance(body, str) else body
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def revalidated(body: bytes | str, mimetype: str) -> Response:
    """``body`` to be revalidated on every visit (it changes when the community or report
    does): an ETag, and a 304 with no body when the browser's copy is current."""
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(body_etag(body))
    response.make_conditional(request)  # in place: 304 and no body when the ETag matches
    return response


def map_script_response(parts: MapParts) -> Response:
    """The map's script as JavaScript, revalidated (:func:`revalidated`)."""
    return revalidated(parts.script, "text/javascript")
