"""Every default of the service, each written once, and where their overrides come from.

Override in ``instance/config.py``, by ``GEO_APP_*`` environment variables
(``GEO_APP_DATA_DIR=...``) or with the test's mapping. Modules read ``app.config``; the walking
engine's own defaults (attach limit, pace) are the engine's constants, named here once.
:func:`configured` reads the overrides without Flask, so that the web app and a command such as
``geo-app coverage`` (which never loads Flask) see the same settings.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

#: werkzeug's password hash method for accounts (salted scrypt). Only the tests lower it, to a
#: cheap ``pbkdf2:sha256:1000``, so that creating and logging in accounts costs no seconds.
PASSWORD_HASH_METHOD = "scrypt"

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

#: Coverage targets a planner judges a share against (lowest first): below the first is red, up
#: to the last orange, at or above the last green. 85 % was the 14th Five-Year Plan's aim for
#: 2025, 99 % is Shanghai 2035's 15-minute walking coverage.
COVERAGE_TARGETS = (0.85, 0.99)

#: Days an item may be borrowed before it is overdue, per item (others: ``LOAN_DEFAULT_DAYS``).
LOAN_DAYS: dict[str, int] = {
    "umbrella": 3,
    "power_bank": 1,
    "reading_glasses": 7,
    "bicycle_pump": 1,
    "wheelchair": 14,
    "cane": 14,
    "first_aid_kit": 1,
    "sewing_kit": 3,
}

#: A care household is overdue for a visit after this many days without one ("有事没事转一转").
VISIT_CARE_DAYS: dict[str, int] = {"独居老人": 7, "困难家庭": 14, "残疾人": 14}

#: Residents' views (社情民意): category code → label and the hours within which it must be
#: answered (反馈). Safety hazards are 急事 (48 h); disputes and noise within a few days.
VIEW_CATEGORIES: dict[str, dict[str, Any]] = {
    "environment": {"label": "环境卫生", "due_hours": 72},
    "greening": {"label": "绿化", "due_hours": 120},
    "roads": {"label": "道路设施", "due_hours": 120},
    "parking_charging": {"label": "停车充电", "due_hours": 168},
    "noise": {"label": "噪音扰民", "due_hours": 72},
    "neighbours": {"label": "邻里纠纷", "due_hours": 72},
    "property": {"label": "物业服务", "due_hours": 120},
    "safety": {"label": "安全隐患", "due_hours": 48},
    "other": {"label": "其他", "due_hours": 168},
}
#: Where the money of a governance item (治理项目) comes from.
ITEM_BUDGET_SOURCES = ("社区党建项目", "居民自筹", "共建单位")

DEFAULTS: dict[str, Any] = {
    # ---- data and maps
    # Where the GeoJSON layers live.
    "DATA_DIR": str(BUNDLED_DATA_DIR),
    # A feature farther than this outside the community boundary (metres) is refused: a typo.
    "LAYER_BOUNDARY_MARGIN_M": BOUNDARY_MARGIN_M,
    # Base map under the project's own layers: "none", "osm" or "tianditu" (needs TIANDITU_KEY).
    "BASEMAP": "none",
    "TIANDITU_KEY": "",
    # Public answers are compressed (Flask-Compress) for these types, with the first encoding
    # of this list the browser accepts; images, fonts and photos are compressed already.
    "COMPRESS_MIMETYPES": [
        "text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "application/geo+json", "text/csv", "image/svg+xml",
    ],
    "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
    # Files are sent as streams (zstd, brotli or deflate: Flask-Compress streams no gzip); these
    # endpoints still answer 304 to the compressed file's own ETag.
    "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": ["static", "vendor.asset"],
    # Live edits: each worker checks the layer files' stamp at most this often (seconds) and
    # reloads when they changed; the stamp ``geo-app reload`` replaces and the folder keeping
    # every replaced layer version (empty: ``layers.reload`` and ``layer_history/`` in the
    # instance folder).
    "LAYER_CHECK_INTERVAL_S": 1.0,
    "LAYER_RELOAD_STAMP": "",
    "LAYER_HISTORY_DIR": "",
    # The layer editor draws buildings, paths and POIs only for the map's view (with a margin):
    # a view holding more of them than this shows none, and asks to zoom in (24,576 buildings
    # were an 11.8 MB download). Each map layer is cut to the view by /admin/api/layers?bbox=.
    "EDITOR_VIEW_MAX_FEATURES": 6000,
    # Grids a page of the QR poster index (/posters/) lists, each with all its buildings.
    "POSTER_INDEX_GRIDS": 16,
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
    # Siting: how many new sites to propose, and the time both exact models share, in seconds
    # (a solve stopped by it shows the better of its answer and the greedy one, with the gap).
    # 2.5 s: the sample and 1,536 buildings are proven optimal in well under 0.1 s; at 6,144 and
    # more the proof takes HiGHS 7 s and longer, while the rounded relaxation, within 1–2 %, is
    # there in 0.2–1.5 s — a planner waits for the page, not for the last percent.
    "SITING_K": 2,
    "SITING_TIME_LIMIT_S": 2.5,
    # /planner recomputes for a new threshold or k (~1 s of CPU): each visitor may ask for this
    # many new reports; thresholds are rounded to THRESHOLD_STEP_M first, cached ones are free.
    "REPORT_BUILD_RATE_LIMIT": "10 per minute",
    # The planner page lists this many of the buildings beyond the threshold, farthest first;
    # all of them are in the CSV download (a district has tens of thousands).
    "PLANNER_UNCOVERED_ROWS": 200,
    "THRESHOLD_STEP_M": 10.0,
    # ---- the store
    # How long a write waits for another one before answering 503 (SQLite busy timeout,
    # PostgreSQL lock_timeout), in seconds.
    "DATABASE_BUSY_TIMEOUT_S": 30.0,
    # A staff form's one-time token or an API call's Idempotency-Key is remembered this many
    # days (a repeat within them changes nothing); older ones are deleted as new ones come.
    "SUBMISSION_KEEP_DAYS": 2,
    # Coverage shares are coloured red below the first target, orange below the last, green at
    # or above it.
    "COVERAGE_TARGETS": list(COVERAGE_TARGETS),
    # A planner's "what if" point is rounded to this many decimals of a degree (5: about 1 m)
    # before it is computed and cached.
    "WHATIF_DECIMALS": 5,
    # ---- station staff
    "LOAN_DAYS": LOAN_DAYS,
    "LOAN_DEFAULT_DAYS": 7,
    # ---- grid members' visits (走访)
    "VISIT_KINDS": ["入户走访", "电话回访", "楼道巡查", "座谈"],
    "VISIT_CARE_DAYS": VISIT_CARE_DAYS,
    # A building with no visit for this many days is marked on the grid map.
    "VISIT_BUILDING_DAYS": 30,
    # Households a page of the grid's roster lists (a grid of 3,800 households was a 2 MB page
    # on a steward's phone); filters and search narrow it, pages go through the rest.
    "ROSTER_PAGE_ROWS": 100,
    # ---- volunteering (微积分): points credited at most per activity and per day, and the walk
    # (minutes) within which an activity counts as reaching a building
    "POINTS_CAP_PER_ACTIVITY": 50,
    "POINTS_CAP_PER_DAY": 100,
    "ACTIVITY_REACH_MINUTES": 10.0,
    # ---- accounts
    "PASSWORD_HASH_METHOD": PASSWORD_HASH_METHOD,
    "LOGIN_RATE_LIMIT": "5 per minute",  # wrong passwords per username typed, PINs per card
    "LOGIN_RATE_LIMIT_PER_IP": "30 per minute",  # wrong passwords and PINs per client address
    # Where the limits count: the service's own database by default (shared by every worker
    # process); "memory://" counts per process; "redis://host:6379" uses a Redis.
    "LOGIN_RATE_LIMIT_STORAGE": "geo-app-store://",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # ---- residents' views (微协商), meetings and governance items
    "VIEW_CATEGORIES": VIEW_CATEGORIES,
    "VIEW_TEXT_MIN_CHARS": 5,
    "VIEW_TEXT_MAX_CHARS": 500,
    "VIEW_NAME_MAX_CHARS": 20,
    # Open views of the same category this close (metres, walked in a straight line in the local
    # projection) are offered as "是不是这个？" before a new one is sent.
    "VIEW_DUPLICATE_RADIUS_M": 50.0,
    # A pin this close to a building (metres) counts as coming from it.
    "VIEW_BUILDING_SNAP_M": 30.0,
    # Public posts (views, photos and +1s together), in the notation of ``limits``: per client
    # address, generous (a mobile carrier puts many residents behind one address: this one only
    # stops floods), and per device (its signed cookie: the resident's own budget); and views per
    # device per 24 hours.
    "VIEW_RATE_LIMIT": "120 per hour;600 per day",
    "VIEW_DEVICE_RATE_LIMIT": "10 per hour;30 per day",
    "VIEW_DEVICE_DAILY_BUDGET": 5,
    # Photos: accepted types, upload size, decoded pixels, longest side kept, and how long after
    # sending a view its device may still add the photo (minutes).
    "VIEW_PHOTO_TYPES": ["JPEG", "PNG", "WEBP"],
    "VIEW_PHOTO_MAX_BYTES": 5 * 1024 * 1024,
    "VIEW_PHOTO_MAX_PIXELS": 40_000_000,
    "VIEW_PHOTO_MAX_SIDE": 1600,
    "VIEW_PHOTO_WINDOW_MIN": 60,
    # Where photos are kept (empty: the folder view_photos in the instance folder).
    "VIEW_PHOTO_DIR": "",
    "ITEM_BUDGET_SOURCES": list(ITEM_BUDGET_SOURCES),
    # Buildings within this walk of a governance item's place (the 5-minute circle).
    "ITEM_WALK_RADIUS_M": 300.0,
    # Heat map of views: cell size and Gaussian kernel bandwidth, in metres.
    "VIEW_HEAT_CELL_M": 20.0,
    "VIEW_HEAT_BANDWIDTH_M": 35.0,
    # Set True when the service is reached over HTTPS (behind a TLS proxy): the cookie is then
    # never sent over plain HTTP.
    "SESSION_COOKIE_SECURE": False,
    # Sessions live in the store; a shared office PC calls for short ones.
    "SESSION_IDLE_MINUTES": 30.0,  # ended after this long without a request
    "SESSION_ABSOLUTE_HOURS": 12.0,  # ended this long after login, however busy
}

#: The environment's prefix for settings: ``GEO_APP_DATA_DIR`` sets ``DATA_DIR``.
ENV_PREFIX = "GEO_APP_"


def instance_dir() -> Path:
    """The instance folder (``config.py``, the secret key, the SQLite store), where Flask would
    put it: beside the package when run from a checkout (``instance/``), under the environment's
    ``var/`` when installed into one."""
    package_parent = Path(__file__).resolve().parent.parent
    prefix = Path(sys.prefix).resolve()
    if package_parent.is_relative_to(prefix):
        return prefix / "var" / "geo_app-instance"
    return package_parent / "instance"


def configured(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """:data:`DEFAULTS`, then ``instance/config.py``'s upper-case names, then ``GEO_APP_*``
    (each value read as JSON when it is JSON, else as text), as Flask's ``from_pyfile`` and
    ``from_prefixed_env`` would apply them."""
    settings = dict(DEFAULTS)
    settings.update(_instance_file(instance_dir() / "config.py"))
    environ = os.environ if environ is None else environ
    for key in sorted(environ):
        if key.startswith(ENV_PREFIX):
            settings[key.removeprefix(ENV_PREFIX)] = _env_value(environ[key])
    return settings


def _instance_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)  # the operator's own file
    return {key: value for key, value in namespace.items() if key.isupper()}


def _env_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
