"""Third-party scripts and stylesheets, served by the app from installed packages.

Leaflet, Leaflet.markercluster, jQuery and Font Awesome come from their ``xstatic-*`` packages
on PyPI (installed at set-up time), so no page needs a CDN.
"""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.font_awesome
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, abort, send_from_directory

from geo_app.web.access import public

#: URL prefix name → directory of the package's files.
PACKAGES: dict[str, Path] = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "jquery": Path(xstatic.pkg.jquery.BASE_DIR),
    "fontawesome": Path(xstatic.pkg.font_awesome.BASE_DIR),
}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<package>/<path:filename>")
@public
def asset(package: str, filename: str):
    """One file of a vendored package, cached by the browser for a day."""
    directory = PACKAGES.get(package)
    if directory is None:
        abort(404)
    return send_from_directory(directory, filename, max_age=86400)
