"""Every default of the service, each written once.

Override in ``instance/config.py``, by ``GEO_APP_*`` environment variables
(``GEO_APP_DATA_DIR=...``) or with the test's mapping. Modules read ``app.config``; the walking
engine's own defaults (attach limit, pace) are the engine's constants, named here once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geo_app.store.engine import SQLITE_BUSY_TIMEOUT_S
from geo_app.walking.attachment import MAX_ATTACH_M
from geo_app.walking.routing import WALK_SPEED_KMH
from layers.validate import BOUNDARY_MARGIN_M

#: The bundled sample of 金宁社区.
BUNDLED_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geojson"

#: Walking pace offered to elderly residents (km/h).
ELDERLY_WALK_SPEED_KMH = 3.0
#: How far ``/api/nearest`` searches on foot: about 30 minutes at 4 km/h, twice the 15-minute
#: life circle.
NEAREST_MAX_DISTANCE_M = 2000.0
#: GB 50180-2018 life-circle walking distances (5/10/15 minutes), in metres.
COVERAGE_THRESHOLDS_M = (300, 500, 1000)
#: The planner page's threshold when none is asked for (the 10-minute circle).
DEFAULT_THRESHOLD_M = 500.0

#: The 15-minute circle's grades (see :mod:`geo_app.planning.settings`), lowest first.
CIRCLE_GRADES: list[dict[str, Any]] = [
    {
        "grade": "基础型",
        "groups": [["便利店"], ["早餐店"], ["菜市场", "生鲜超市/菜店"], ["维修点"]],
        "min_basic": 8,
        "min_quality": 0,
    },
    {
        "grade": "提升型",
        "groups": [["养老服务"], ["托育服务"]],
        "min_basic": 10,
        "min_quality": 0,
    },
    {"grade": "品质型", "groups": [], "min_basic": 12, "min_quality": 4},
]

DEFAULTS: dict[str, Any] = {
    # ---- data and maps
    # Where the GeoJSON layers live.
    "DATA_DIR": str(BUNDLED_DATA_DIR),
    # A feature farther than this outside the community boundary (metres) is refused: a typo.
    "LAYER_BOUNDARY_MARGIN_M": BOUNDARY_MARGIN_M,
    # Base map under the project's own layers: "none", "osm" or "tianditu" (needs TIANDITU_KEY).
    "BASEMAP": "none",
    "TIANDITU_KEY": "",
    # Local time of the community, for "open now".
    "TIMEZONE": "Asia/Shanghai",
    # ---- walking
    # 4 km/h by default (about 67 m a minute); 3 km/h is offered for elderly residents.
    "WALK_SPEED_KMH": WALK_SPEED_KMH,
    "ELDERLY_WALK_SPEED_KMH": ELDERLY_WALK_SPEED_KMH,
    # A point farther than this from every path gets an error, not a far-away answer.
    "MAX_ATTACH_M": MAX_ATTACH_M,
    "NEAREST_MAX_DISTANCE_M": NEAREST_MAX_DISTANCE_M,
    # ---- planners
    "COVERAGE_THRESHOLDS_M": list(COVERAGE_THRESHOLDS_M),
    "DEFAULT_THRESHOLD_M": DEFAULT_THRESHOLD_M,
    "CIRCLE_MINUTES": 15.0,
    "MINIMUM_KIT": ["umbrella", "first_aid_kit", "power_bank", "sewing_kit"],
    "ISOCHRONE_BUFFER_M": 40.0,
    # Which kinds of station count as a grid's station for the 应设尽设 rule.
    "GRID_STATION_KINDS": ["party_service_station", "rest_post"],
    # An area (grid or community) has a category when this share of its households reach it.
    "CIRCLE_AREA_SHARE": 0.9,
    "CIRCLE_GRADES": CIRCLE_GRADES,
    # Siting: how many new sites to propose, and the solver's time limit in seconds.
    "SITING_K": 2,
    "SITING_TIME_LIMIT_S": 10.0,
    # /planner recomputes for a new threshold or k (~1 s of CPU): each visitor may ask for this
    # many new reports; thresholds are rounded to THRESHOLD_STEP_M first, cached ones are free.
    "REPORT_BUILD_RATE_LIMIT": "10 per minute",
    "THRESHOLD_STEP_M": 10.0,
    # ---- the store
    # How long a write waits for another one before answering 503 (SQLite busy timeout,
    # PostgreSQL lock_timeout), in seconds.
    "DATABASE_BUSY_TIMEOUT_S": SQLITE_BUSY_TIMEOUT_S,
    # ---- accounts
    "LOGIN_RATE_LIMIT": "5 per minute",  # per client address and username
    "LOGIN_RATE_LIMIT_PER_IP": "30 per minute",  # per client address, whatever the username
    # Where the limits count: the service's own database by default (shared by every worker
    # process); "memory://" counts per process; "redis://host:6379" uses a Redis.
    "LOGIN_RATE_LIMIT_STORAGE": "geo-app-store://",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Set True when the service is reached over HTTPS (behind a TLS proxy): the cookie is then
    # never sent over plain HTTP.
    "SESSION_COOKIE_SECURE": False,
    # Sessions live in the store; a shared office PC calls for short ones.
    "SESSION_IDLE_MINUTES": 30.0,  # ended after this long without a request
    "SESSION_ABSOLUTE_HOURS": 12.0,  # ended this long after login, however busy
}
