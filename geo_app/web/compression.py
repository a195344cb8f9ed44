"""Compressed answers for public pages, JSON, GeoJSON, CSV and the served scripts.

A resident on a phone loads the home page, Leaflet and the stations in about a quarter of the
bytes, and the district-scale ``/planner`` (15 MB of HTML at 24,576 buildings) arrives as
2 MB. Flask-Compress negotiates ``Accept-Encoding`` (``COMPRESS_ALGORITHM``: zstd, brotli,
gzip, in that order of preference), keeps strong ETags distinct per encoding and compresses
streamed downloads.

Answers that may hold personal data or a session's CSRF token (a logged-in caller or a route
that is not public, see :func:`geo_app.web.security.is_private_answer`) go uncompressed: a
compressed secret beside text an attacker can reflect leaks through the length (BREACH).
"""

from __future__ import annotations

from flask import Flask, Response
from flask_compress import Compress

from geo_app.web.security import is_private_answer


def init_app(app: Flask) -> None:
    """Compress public answers; call before the other extensions' ``after_request`` hooks are
    installed, so that it runs last, on the finished answer."""
    app.config["COMPRESS_REGISTER"] = False  # the hook below decides which answers qualify
    compress = Compress(app)

    @app.after_request
    def compress_public(response: Response) -> Response:
        if is_private_answer():
            return response
        return compress.after_request(response)
