"""A tiny gated 小区 for the resident and public-API tests, drawn in plan metres.

Plan in metres (x east, y north) around 117.26°E 31.96°N (see :mod:`support.geo`)::

    y=240  +----------- 北街 (street) -------------+      PS-B (100,250): 14:00-18:00 daily
           |     +------ fence (no path) ------+    |
           |     |  3栋 ·       |              |    |
           |     |              |  (internal)  |    |
    y=100  |     |  1栋 --------+------- PS-A  |    |      PS-A (270,110): weekdays 08:00-18:00
           |     |              |              |    |
           |     |  2栋         |              |    |
    y=20   |     +------------ gate -----------+    |
    y=0    +----------- 金宁路 (street) ------------+      RP-A (380,-10): 24h
          x=0   x=100        x=200          x=300  x=400

风格城市 (x 100–300, y 20–220) is fenced: its internal roads meet the streets only through the
gate at (200, 0)–(200, 20). Expected walks come from :func:`support.oracle.reference_walk_m`
over :func:`layout_lines_xy`.
"""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import Polygon

from support.geo import lonlat, ring
from support.geojson import feature, linestring, point, polygon, write_layers

GATE_XY = (200.0, 10.0)
FENCE = Polygon([(100, 20), (300, 20), (300, 220), (100, 220)])
GRID_ID = "340121400001-01"

#: id, kind, name, plan vertices (lines meet only at shared vertices).
PATHS = [
    ("P-S1", "street", "金宁路", [(0, 0), (200, 0), (400, 0)]),
    ("P-S2", "street", "西街", [(0, 0), (0, 240)]),
    ("P-S3", "street", "北街", [(0, 240), (400, 240)]),
    ("P-S4", "street", "东街", [(400, 0), (400, 240)]),
    ("P-G1", "gate", "风格城市南门", [(200, 0), (200, 20)]),
    ("P-I1", "internal", None, [(200, 20), (200, 100), (200, 200)]),
    ("P-I2", "internal", None, [(120, 100), (200, 100), (280, 100)]),
]
#: id, name, compound, plan rectangle (x1, y1, x2, y2), entrance or None.
BUILDINGS = [
    ("B-1", "风格城市 1栋", "风格城市", (140, 120, 180, 160), (180, 140)),
    ("B-2", "风格城市 2栋", "风格城市", (220, 30, 260, 70), None),
    ("B-3", "风格城市 3栋", "风格城市", (220, 150, 260, 190), (220, 170)),
    ("B-4", "金宁家园 2栋", "金宁家园", (20, 260, 60, 300), (40, 260)),
]
WEEKDAYS_8_18 = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
DAILY_14_18 = {d: "14:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
#: id, name, kind, plan point, hours, items.
STATIONS = [
    (
        "PS-A",
        "风格城市党群服务站",
        "party_service_station",
        (270, 110),
        WEEKDAYS_8_18,
        {"umbrella": 5, "first_aid_kit": 2, "drinking_water": 0},
    ),
    (
        "PS-B",
        "北街党群服务站",
        "party_service_station",
        (100, 250),
        DAILY_14_18,
        {"umbrella": 2, "sewing_kit": 1},
    ),
    (
        "RP-A",
        "金宁路歇歇角",
        "rest_post",
        (380, -10),
        "24h",
        {"drinking_water": 10, "power_bank": 3, "umbrella": 0},
    ),
]


def layout_lines_xy() -> list[list[tuple[float, float]]]:
    """The paths as plan polylines (metres)."""
    return [[(float(x), float(y)) for x, y in vertices] for _, _, _, vertices in PATHS]


def write_gated_layout(directory: Path) -> Path:
    """Write the layers of the tiny layout into ``directory``; return it."""
    outline = polygon(ring(-50, -50, 450, 320))
    return write_layers(directory, {
        "boundary": [feature(outline, id="340121400001", name="测试社区")],
        "grids": [feature(outline, id=GRID_ID, name="第一网格", parent="340121400001",
                          leader="张三")],
        "buildings": [
            feature(
                polygon(ring(*rect)), id=bid, name=name, compound=compound, floors=6, units=2,
                households=24, residents=60, grid_id=GRID_ID,
                **({"entrances": [list(lonlat(*entrance))]} if entrance else {}),
            )
            for bid, name, compound, rect, entrance in BUILDINGS
        ],
        "stations": [
            feature(point(lonlat(*xy)), id=sid, name=name, kind=kind, grid_id=GRID_ID,
                    hours=hours, contact="0551-6500000" + sid[-1], items=items)
            for sid, name, kind, xy, hours, items in STATIONS
        ],
        "paths": [
            feature(linestring([lonlat(*v) for v in vertices]), id=pid, kind=kind,
                    **({"name": name} if name else {}))
            for pid, kind, name, vertices in PATHS
        ],
        "pois": [feature(point(lonlat(60, -20)), id="POI-1", name="金宁便利店",
                         category="便利店")],
    })
