"""``geo-app import osm`` on a small OpenStreetMap extract written here by hand (OSM XML).

The plan is drawn in metres (EPSG:4548 around 金宁社区) and converted to lon/lat with pyproj:

* 金宁路 (residential) along y = 0 from x = 0 to 400, with a crossing sharing its node at x = 150;
* a footbridge at x = 50 and a footway tunnel at x = 350 cross it without a shared node;
* 幸福小区: ``landuse=residential`` + ``barrier=wall`` square (100–300, 100–300) with a gate at
  (200, 100) where a service road enters; inside, a footway to (250, 200), from which another
  footway leaves east through the wall (no gate there) and comes back to 金宁路 at x = 400;
* a motorway, a ``foot=no`` footway and an ``access=private`` road (all left out), a footway with
  a locked gate, a 6-storey block of 20 × 31 m, a shop in a building and a few POI nodes.
"""

from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from support.geo import lonlat, plan_xy

from geo_app.cli import main
from geo_app.imports.osm import import_osm
from geo_app.imports.osm_tags import barrier_blocks, is_gate, path_kind, poi_category
from layers import validate_directory

NODES: dict[int, tuple[float, float]] = {
    1: (0, 0), 2: (100, 0), 25: (150, 0), 3: (200, 0), 4: (300, 0), 5: (400, 0),
    10: (100, 100), 14: (200, 100), 11: (300, 100), 12: (300, 300), 13: (100, 300),
    15: (200, 200), 16: (250, 200), 18: (350, 250), 19: (400, 250),
    20: (50, -50), 21: (50, 50), 22: (350, -50), 23: (350, 50),
    24: (150, -30), 26: (150, 30),
    30: (0, -200), 31: (400, -200), 32: (0, -100), 33: (100, -100), 34: (300, -100),
    35: (400, -100), 36: (0, 400), 37: (100, 400), 38: (200, 400),
    41: (120, 150), 40: (130, 150), 42: (140, 150), 43: (140, 181), 44: (120, 181),
    60: (10, 20), 61: (30, 20), 62: (30, 40), 63: (10, 40),
    50: (60, 20), 51: (250, -10), 52: (350, 20), 53: (360, 20),
}
NODE_TAGS = {
    14: {"barrier": "gate"},
    37: {"barrier": "gate", "locked": "yes"},
    40: {"entrance": "main"},
    50: {"amenity": "pharmacy", "name": "益丰大药房"},
    51: {"highway": "bus_stop", "name": "金宁路站"},
    52: {"amenity": "cafe"},
    53: {"shop": "car"},
}
WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    100: ([1, 2, 25, 3, 4, 5], {"highway": "residential", "name": "金宁路"}),
    101: ([10, 14, 11, 12, 13, 10],
          {"landuse": "residential", "barrier": "wall", "name": "幸福小区"}),
    102: ([3, 14, 15], {"highway": "service"}),
    103: ([15, 16], {"highway": "footway"}),
    104: ([16, 18, 19], {"highway": "footway"}),
    105: ([19, 5], {"highway": "footway"}),
    106: ([20, 21], {"highway": "footway", "bridge": "yes", "layer": "1"}),
    107: ([22, 23], {"highway": "footway", "tunnel": "yes", "layer": "-1"}),
    108: ([24, 25, 26], {"highway": "footway", "footway": "crossing"}),
    109: ([30, 31], {"highway": "motorway"}),
    110: ([32, 33], {"highway": "footway", "foot": "no"}),
    111: ([34, 35], {"highway": "service", "access": "private"}),
    112: ([36, 37, 38], {"highway": "footway"}),
    113: ([41, 40, 42, 43, 44, 41],
          {"building": "apartments", "building:levels": "6", "name": "幸福小区 1栋"}),
    114: ([60, 61, 62, 63, 60], {"building": "yes", "shop": "convenience", "name": "便利蜂"}),
}


def osm_point(xy: tuple[float, float]) -> tuple[float, float]:
    """Plan metres → lon/lat at OSM's precision (7 decimals)."""
    lon, lat = lonlat(*xy)
    return round(lon, 7), round(lat, 7)


def osm_xml() -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node_id, xy in NODES.items():
        lon, lat = osm_point(xy)
        tags = NODE_TAGS.get(node_id, {})
        body = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}">{body}</node>')
    for way_id, (refs, tags) in WAYS.items():
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{way_id}" version="1">{body}</way>')
    lines.append("</osm>")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("osm")
    extract = tmp / "jinning.osm"
    extract.write_text(osm_xml(), encoding="utf-8")
    corners = [osm_point(xy) for xy in ((-60, -260), (460, 460))]
    bbox = f"{corners[0][0]},{corners[0][1]},{corners[1][0]},{corners[1][1]}"
    out = tmp / "layers"
    result = import_osm(extract, out=out, bbox=bbox)
    layers = {
        name: json.loads((out / f"{name}.geojson").read_text(encoding="utf-8"))["features"]
        for name in ("boundary", "grids", "buildings", "stations", "paths", "pois", "compounds")
    }
    return result, out, layers, extract, bbox


def local_coords(feature) -> list[tuple[float, float]]:
    return [tuple(round(v, 2) for v in plan_xy(*c)) for c in feature["geometry"]["coordinates"]]


def test_the_layer_set_passes_validate(imported):
    result, out, layers, _, _ = imported
    assert result.issues == []
    assert validate_directory(out) == []
    assert [f["properties"]["name"] for f in layers["compounds"]] == ["幸福小区"]


def test_walkable_ways_and_their_kinds(imported):
    _, _, layers, _, _ = imported
    kinds = {f["properties"]["id"]: f["properties"]["kind"] for f in layers["paths"]}
    assert kinds["w100"] == "street"
    assert kinds["w102"] == "gate"  # the service road through the gate
    assert kinds["w103"] == "internal"
    assert kinds["w108"] == "crossing"
    assert kinds["w106"] == kinds["w107"] == "footpath"
    for left_out in ("w109", "w110", "w111"):  # motorway, foot=no, access=private
        assert not any(i.startswith(left_out) for i in kinds)


def test_summary_says_what_was_dropped_and_why(imported):
    result, _, _, _, _ = imported
    assert result.dropped["禁止步行（foot=no）"] == 1
    assert result.dropped["不对外开放（access=private）"] == 1
    assert result.dropped["motorway 无人行道"] == 1
    assert result.dropped["穿越小区围墙处（无大门，已断开）"] == 1
    assert result.dropped["路上有不可通行的障碍（已在该处断开）"] == 1
    assert result.counts["paths"] == len(imported[2]["paths"])
    assert result.provisional_grids


def test_bridge_and_tunnel_do_not_join_the_street(imported):
    _, _, layers, _, _ = imported
    by_id = {f["properties"]["id"]: f for f in layers["paths"]}
    street = set(local_coords(by_id["w100"]))
    assert (150.0, 0.0) in street  # the crossing shares its node
    assert set(local_coords(by_id["w108"])) & street == {(150.0, 0.0)}
    for crossing_way in ("w106", "w107"):
        assert not set(local_coords(by_id[crossing_way])) & street
    assert (50.0, 0.0) not in street and (350.0, 0.0) not in street


def walking_graph(features) -> nx.Graph:
    """Independent: nodes are exact vertices, edges straight segments (as ways join in OSM)."""
    graph = nx.Graph()
    for feature in features:
        coords = local_coords(feature)
        for a, b in itertools.pairwise(coords):
            graph.add_edge(a, b, weight=float(np.hypot(b[0] - a[0], b[1] - a[1])))
    return graph


def test_gates_are_respected(imported):
    _, _, layers, _, _ = imported
    graph = walking_graph(layers["paths"])
    inside, street_end = (250.0, 200.0), (400.0, 0.0)
    # through the gate: 50 + 100 + 100 + 100 + 100 m; the footway through the wall (412 m)
    # is cut where it crosses the wall
    assert nx.dijkstra_path_length(graph, inside, street_end) == pytest.approx(450.0, abs=0.05)
    # the locked gate cuts its footway in two
    assert not nx.has_path(graph, (0.0, 400.0), (200.0, 400.0))


def test_buildings_with_estimated_households(imported):
    _, _, layers, _, _ = imported
    by_id = {f["properties"]["id"]: f["properties"] for f in layers["buildings"]}
    block = by_id["w113"]
    # 20 m × 31 m × 6 floors ÷ 90 m² = 41.3 → 41 households; × 2.62 = 107 residents;
    # 41 ÷ (6 floors × 2 flats) → 4 units
    assert (block["households"], block["residents"], block["units"], block["floors"]) == (
        41, 107, 4, 6,
    )
    assert block["estimated"] is True
    assert block["compound"] == "幸福小区"
    assert [tuple(round(v, 1) for v in plan_xy(*p)) for p in block["entrances"]] == [(130.0, 150.0)]
    shop = by_id["w114"]
    assert shop["households"] == 0 and shop["residents"] == 0
    grids = layers["grids"]
    assert len(grids) == 1 and grids[0]["properties"]["provisional"] is True
    assert {b["grid_id"] for b in by_id.values()} == {grids[0]["properties"]["id"]}


def test_pois_mapped_to_categories(imported):
    _, _, layers, _, _ = imported
    found = sorted((f["properties"]["name"], f["properties"]["category"]) for f in layers["pois"])
    assert found == [
        ("便利蜂", "便利店"),
        ("益丰大药房", "药店"),
        ("茶饮咖啡", "茶饮咖啡"),  # unnamed: named after its category
        ("金宁路站", "公交站"),
    ]


@pytest.mark.parametrize(
    ("tags", "kind"),
    [
        ({"highway": "footway"}, "footpath"),
        ({"highway": "steps"}, "footpath"),
        ({"highway": "residential"}, "street"),
        ({"highway": "footway", "footway": "crossing"}, "crossing"),
        ({"highway": "trunk"}, None),
        ({"highway": "trunk", "sidewalk": "both"}, "street"),
        ({"highway": "service", "access": "private"}, None),
        ({"highway": "service", "access": "private", "foot": "yes"}, "street"),
        ({"highway": "cycleway"}, None),
        ({"highway": "cycleway", "foot": "designated"}, "footpath"),
        ({"highway": "primary", "foot": "no"}, None),
    ],
)
def test_path_kind_table(tags, kind):
    assert path_kind(tags) == kind


def test_barrier_and_poi_tables():
    assert not barrier_blocks({"barrier": "gate"}) and is_gate({"barrier": "gate"})
    assert barrier_blocks({"barrier": "gate", "locked": "yes"})
    assert barrier_blocks({"barrier": "gate", "access": "private"})
    assert barrier_blocks({"barrier": "wall"}) and not barrier_blocks({"barrier": "bollard"})
    assert is_gate({"entrance": "yes"})
    assert poi_category({"shop": "laundry"}) == "洗染店"
    senior_home = {"amenity": "social_facility", "social_facility:for": "senior"}
    assert poi_category(senior_home) == "养老服务"
    assert poi_category({"amenity": "social_facility"}) is None
    assert poi_category({"amenity": "kindergarten"}) == "幼儿园"


@pytest.mark.parametrize(
    ("tags", "category"),
    [
        # two rules match: the one earlier in POI_TAGS wins, whichever key comes first
        ({"amenity": "pharmacy", "shop": "convenience"}, "便利店"),
        ({"shop": "bakery", "amenity": "fast_food", "cuisine": "breakfast"}, "早餐店"),
        ({"amenity": "cafe", "shop": "supermarket"}, "综合超市"),
        ({"highway": "bus_stop", "amenity": "recycling"}, "垃圾收集点"),
        # a rule whose extra tag is missing does not match; a later rule may
        ({"amenity": "fast_food", "cuisine": "pizza"}, None),
        ({"amenity": "social_facility", "shop": "books"}, "书店"),
        ({"shop": "car", "highway": "crossing"}, None),
    ],
)
def test_poi_rules_first_match_wins(tags, category):
    assert poi_category(tags) == category


def test_cli_reports_and_writes(imported, tmp_path):
    _, _, _, extract, bbox = imported
    out = tmp_path / "cli"
    result = CliRunner().invoke(main, ["import", "osm", str(extract), "--out", str(out),
                                       "--bbox", bbox])
    assert result.exit_code == 0, result.output
    assert "禁止步行（foot=no）：1" in result.stderr
    assert "暂定网格" in result.stderr
    bad = CliRunner().invoke(main, ["import", "osm", str(extract), "--out", str(out),
                                    "--bbox", "1,2,3"])
    assert bad.exit_code == 1
    assert "--bbox" in bad.stderr and "Traceback" not in bad.output
