"""Default configuration; override in ``instance/config.py``, by ``GEO_APP_*`` environment
variables (``GEO_APP_DATA_DIR=...``) or with the test's mapping."""

from __future__ import annotations

from pathlib import Path

#: The bundled sample of 金宁社区.
BUNDLED_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geojson"

DEFAULTS: dict[str, object] = {
    # Where the GeoJSON layers live.
    "DATA_DIR": str(BUNDLED_DATA_DIR),
    # Walking: 4 km/h by default (about 67 m a minute); 3 km/h is offered for elderly residents.
    "WALK_SPEED_KMH": 4.0,
    "ELDERLY_WALK_SPEED_KMH": 3.0,
    # A point farther than this from every path gets an error, not a far-away answer.
    "MAX_ATTACH_M": 300.0,
    # GB 50180-2018 life-circle walking distances, in metres.
    "COVERAGE_THRESHOLDS_M": [300, 500, 1000],
    # Base map under the project's own layers: "none", "osm" or "tianditu" (needs TIANDITU_KEY).
    "BASEMAP": "none",
    "TIANDITU_KEY": "",
    # Local time of the community, for "open now".
    "TIMEZONE": "Asia/Shanghai",
}
