"""A tiny gated 小区 for the resident tests, and an independent walking reference (networkx).

Plan in metres (x east, y north) around 117.26°E 31.96°N, placed in EPSG:4548::

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
gate at (200, 0)–(200, 20). Expected walks come from :func:`reference_walk_m`, a networkx
Dijkstra over the same paths with its own point-to-segment attachment.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import networkx as nx
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

CENTRE_LONLAT = (117.26, 31.96)
_TO_LOCAL = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
_TO_LONLAT = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)
_X0, _Y0 = _TO_LOCAL.transform(*CENTRE_LONLAT)

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


def lonlat(x: float, y: float) -> tuple[float, float]:
    """The WGS84 lon/lat of a plan point (metres)."""
    lon, lat = _TO_LONLAT.transform(_X0 + x, _Y0 + y)
    return (lon, lat)


def plan_xy(lon: float, lat: float) -> tuple[float, float]:
    """The plan point (metres) of a lon/lat."""
    x, y = _TO_LOCAL.transform(lon, lat)
    return (x - _X0, y - _Y0)


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict, **properties: object) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _ring(x1: float, y1: float, x2: float, y2: float) -> list[list[float]]:
    return [list(lonlat(x, y)) for x, y in ((x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1))]


def write_gated_layout(directory: Path) -> Path:
    """Write the six layers of the tiny layout into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    outline = {"type": "Polygon", "coordinates": [_ring(-50, -50, 450, 320)]}
    layers = {
        "boundary": [_feature(outline, id="340121400001", name="测试社区")],
        "grids": [
            _feature(outline, id=GRID_ID, name="第一网格", parent="340121400001", leader="张三")
        ],
        "buildings": [
            _feature(
                {"type": "Polygon", "coordinates": [_ring(*rect)]},
                id=bid,
                name=name,
                compound=compound,
                floors=6,
                units=2,
                households=24,
                residents=60,
                grid_id=GRID_ID,
                **({"entrances": [list(lonlat(*entrance))]} if entrance else {}),
            )
            for bid, name, compound, rect, entrance in BUILDINGS
        ],
        "stations": [
            _feature(
                {"type": "Point", "coordinates": list(lonlat(*xy))},
                id=sid,
                name=name,
                kind=kind,
                grid_id=GRID_ID,
                hours=hours,
                contact="0551-6500000" + sid[-1],
                items=items,
            )
            for sid, name, kind, xy, hours, items in STATIONS
        ],
        "paths": [
            _feature(
                {"type": "LineString", "coordinates": [list(lonlat(*v)) for v in vertices]},
                id=pid,
                kind=kind,
                **({"name": name} if name else {}),
            )
            for pid, kind, name, vertices in PATHS
        ],
        "pois": [
            _feature(
                {"type": "Point", "coordinates": list(lonlat(60, -20))},
                id="POI-1",
                name="金宁便利店",
                category="便利店",
            )
        ],
    }
    for name, features in layers.items():
        text = json.dumps(_collection(features), ensure_ascii=False)
        (directory / f"{name}.geojson").write_text(text, encoding="utf-8")
    return directory


# ------------------------------------------------------------------ independent reference


def reference_graph(lines_xy: list[list[tuple[float, float]]]) -> nx.Graph:
    """networkx graph of plan polylines (metres): nodes are vertices, weights are lengths."""
    graph = nx.Graph()
    for vertices in lines_xy:
        for a, b in itertools.pairwise(vertices):
            a, b = (round(a[0], 3), round(a[1], 3)), (round(b[0], 3), round(b[1], 3))
            graph.add_edge(a, b, weight=LineString([a, b]).length)
    return graph


def _attach(graph: nx.Graph, point: tuple[float, float], name: str) -> float:
    """Split the nearest edge at the foot of ``point`` and join ``point`` to it; return the leg."""
    edges = [e for e in graph.edges if len(e[0]) == 2 and len(e[1]) == 2]
    best = min(edges, key=lambda e: LineString(e).distance(Point(point)))
    segment = LineString(best)
    foot = segment.interpolate(segment.project(Point(point)))
    foot_node = (round(foot.x, 6), round(foot.y, 6))
    if foot_node not in best:
        graph.remove_edge(*best)
        for end in best:
            graph.add_edge(foot_node, end, weight=foot.distance(Point(end)))
    graph.add_edge((name,), foot_node, weight=foot.distance(Point(point)))
    return foot.distance(Point(point))


def reference_walk_m(
    lines_xy: list[list[tuple[float, float]]], start: tuple[float, float], end: tuple[float, float]
) -> float:
    """Shortest walk (metres) between two plan points over the polylines, access legs included."""
    graph = reference_graph(lines_xy)
    _attach(graph, start, "start")
    _attach(graph, end, "end")
    return nx.shortest_path_length(graph, ("start",), ("end",), weight="weight")


def layout_lines_xy() -> list[list[tuple[float, float]]]:
    return [[(float(x), float(y)) for x, y in vertices] for _, _, _, vertices in PATHS]


class SamplePlan:
    """The bundled sample's plan metres (layers.sample): forward and inverse, and its paths."""

    def __init__(self) -> None:
        from layers.sample import PLAN_ROTATION_DEG, PlanToWGS84

        self.forward = PlanToWGS84()
        self.to_local = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
        self.angle = math.radians(PLAN_ROTATION_DEG)

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self.forward.point((x, y))
        return (lon, lat)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        east, north = self.to_local.transform(lon, lat)
        dx, dy = east - self.forward.origin[0], north - self.forward.origin[1]
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        return (dx * cos + dy * sin, -dx * sin + dy * cos)

    def lines_xy(self, paths) -> list[list[tuple[float, float]]]:
        """Plan polylines of a paths GeoDataFrame (LineStrings in lon/lat)."""
        return [[self.xy(lon, lat) for lon, lat in geom.coords] for geom in paths.geometry]


# ------------------------------------------------------------------ tests of the layout itself


def test_layout_is_a_valid_community(tmp_path):
    from layers import validate_directory

    assert validate_directory(write_gated_layout(tmp_path / "layout")) == []


def test_reference_walk_matches_hand_computed_detours():
    # Just inside the north fence, to PS-B just outside it: down the internal road (12 + 180),
    # out of the gate (20), west along 金宁路 (200), up 西街 (240), east along 北街 (100), and
    # the station's 10 m access: 762 m, against about 108 m in a straight line.
    assert reference_walk_m(layout_lines_xy(), (200, 212), (100, 250)) == pytest.approx(762)
    # Just outside the fence, at (180, 232), to PS-A inside:
    # 8 + 180 + 240 + 200 + 20 + 80 + 70 + 10.
    assert reference_walk_m(layout_lines_xy(), (180, 232), (270, 110)) == pytest.approx(808)


def test_sample_plan_round_trip_is_exact_to_centimetres():
    plan = SamplePlan()
    assert plan.xy(*plan.lonlat(-310, 230)) == pytest.approx((-310, 230), abs=0.02)


def test_plan_round_trip_is_exact_to_millimetres():
    x, y = plan_xy(*lonlat(123.0, -45.0))
    assert (x, y) == pytest.approx((123.0, -45.0), abs=1e-3)


def create_layout_app(directory: Path, **config: object):
    """An app on the tiny layout (written into ``directory``), with ``config`` overrides."""
    from conftest import make_test_config

    from geo_app import create_app

    data = write_gated_layout(directory / "layout")
    return create_app(make_test_config(directory, DATA_DIR=str(data), **config))
