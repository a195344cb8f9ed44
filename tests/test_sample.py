"""The bundled sample of 金宁社区: deterministic, valid, and carrying its planted problems.

Everything is checked from the GeoJSON files alone, independently of how layers.sample draws
them: lengths in EPSG:4548, walking distances with the networkx reference (support.oracle) on a
graph built from shared coordinates (a vertex shared by two lines is a junction; lines that
merely cross do not meet).
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, shape
from shapely.ops import unary_union
from support.oracle import ReferenceNetwork

from layers import validate_directory
from layers.sample import generate
from layers.schema import BASIC_CATEGORIES, POI_CATEGORIES

REPO_DATA = Path(__file__).resolve().parent.parent / "data" / "geojson"
LAYERS = ("boundary", "grids", "buildings", "stations", "paths", "pois", "compounds")
TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)


def metres(geometry):
    """``geometry`` (lon/lat) in EPSG:4548 metres."""
    return shapely.transform(geometry, TO_METRES.transform, interleaved=False)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out)
    return out


@pytest.fixture(scope="module")
def layers(sample_dir) -> dict[str, list[dict]]:
    return {
        name: json.loads((sample_dir / f"{name}.geojson").read_text(encoding="utf-8"))["features"]
        for name in LAYERS
    }


def props(features: list[dict], **match: str) -> list[dict]:
    return [f for f in features if all(f["properties"].get(k) == v for k, v in match.items())]


def entrance(building: dict) -> tuple[float, float]:
    return tuple(building["properties"]["entrances"][0])


def point_of(feature: dict) -> tuple[float, float]:
    return tuple(feature["geometry"]["coordinates"])


@pytest.fixture(scope="module")
def walk(layers) -> ReferenceNetwork:
    """The independent walking reference (networkx) over the sample's paths, every part kept."""
    return ReferenceNetwork(
        [shape(p["geometry"]) for p in layers["paths"]], crs="EPSG:4548", min_island_m=0
    )


@pytest.fixture(scope="module")
def path_tree(layers) -> shapely.STRtree:
    """The paths in metres, in the order of ``layers["paths"]``."""
    return shapely.STRtree([metres(shape(p["geometry"])) for p in layers["paths"]])


@pytest.fixture(scope="module")
def station_walk_m(layers, walk) -> list[float]:
    origins = [entrance(b) for b in layers["buildings"]]
    return walk.to_nearest(origins, [point_of(s) for s in layers["stations"]])


# --- determinism and validity -----------------------------------------------------------------


def test_generation_is_byte_identical_and_matches_committed_files(sample_dir, tmp_path):
    generate(tmp_path)
    for name in LAYERS:
        first = (sample_dir / f"{name}.geojson").read_bytes()
        assert (tmp_path / f"{name}.geojson").read_bytes() == first, name
        assert (REPO_DATA / f"{name}.geojson").read_bytes() == first, f"{name}: run `make sample`"


def test_sample_validates(sample_dir):
    assert validate_directory(sample_dir) == []


def test_files_stay_small(sample_dir):
    assert sum((sample_dir / f"{n}.geojson").stat().st_size for n in LAYERS) < 1_000_000


def test_where_and_how_big(layers):
    (boundary,) = layers["boundary"]
    assert boundary["properties"] == {"id": "340121400001", "name": "金宁社区"}
    polygon = shape(boundary["geometry"])
    centre = polygon.centroid
    assert abs(centre.x - 117.26) < 0.01
    assert abs(centre.y - 31.96) < 0.01
    area_km2 = metres(polygon).area / 1e6
    assert 1.5 < area_km2 < 2.5  # about 1.8 km × 1.2 km


# --- counts and attributes --------------------------------------------------------------------


def test_counts(layers):
    buildings = layers["buildings"]
    compounds = {b["properties"]["compound"] for b in buildings}
    assert "风格城市" in compounds
    assert len(compounds) >= 4
    assert len(buildings) >= 120
    assert len(layers["grids"]) >= 5
    kinds = [s["properties"]["kind"] for s in layers["stations"]]
    assert sorted(kinds) == ["party_service_station"] * 3 + ["rest_post"]


def test_buildings_have_plausible_households(layers):
    for b in layers["buildings"]:
        p = b["properties"]
        assert 5 <= p["floors"] <= 33
        assert 1 <= p["units"] <= 4
        per_floor = p["households"] / (p["floors"] * p["units"])
        assert per_floor in (2, 3, 4), p["id"]
        assert 0.75 * 2.6 * p["households"] <= p["residents"] <= 1.05 * 2.6 * p["households"]
        assert p["name"].startswith(p["compound"] + " ")


def test_buildings_do_not_overlap_each_other_or_paths(layers):
    footprints = [metres(shape(b["geometry"])) for b in layers["buildings"]]
    tree = shapely.STRtree(footprints)
    pairs = tree.query(footprints, predicate="intersects")
    assert [(i, j) for i, j in pairs.T if i < j] == []
    lines = [metres(shape(p["geometry"])) for p in layers["paths"]]
    assert tree.query(lines, predicate="intersects").size == 0


def test_entrances_face_an_internal_path(layers, path_tree):
    """An entrance sits a few metres outside its footprint and nearest to an internal path,
    so that walking from it has to go through the 小区's gates."""
    kinds = [p["properties"]["kind"] for p in layers["paths"]]
    for b in layers["buildings"]:
        footprint = metres(shape(b["geometry"]))
        door = metres(Point(entrance(b)))
        assert 1.0 < footprint.distance(door) < 10.0, b["properties"]["id"]
        assert kinds[int(path_tree.nearest(door))] == "internal", b["properties"]["id"]


def test_stations_and_pois_stand_near_paths(layers, path_tree):
    for feature in layers["stations"] + layers["pois"]:
        p = metres(Point(point_of(feature)))
        nearest = path_tree.geometries[int(path_tree.nearest(p))]
        assert nearest.distance(p) <= 20.0, feature["properties"]["name"]


def test_station_stock_and_hours(layers):
    stations = {s["properties"]["id"]: s["properties"] for s in layers["stations"]}
    (rest_post,) = [s for s in stations.values() if s["kind"] == "rest_post"]
    assert rest_post["hours"] == "24h"
    riders_need = {"drinking_water", "power_bank", "microwave", "phone_charging"}
    assert riders_need <= set(rest_post["items"])
    assert any(0 in s["items"].values() for s in stations.values())
    assert any("sewing_kit" not in s["items"] for s in stations.values())
    assert any("," in span for s in stations.values() if isinstance(s["hours"], dict)
               for span in s["hours"].values())  # fmt: skip
    for s in stations.values():
        assert s["contact"].startswith("0551-")
        if "umbrella" in s["items"] and s["items"]["umbrella"]:
            assert 10 <= s["items"]["umbrella"] <= 20


# --- grids ------------------------------------------------------------------------------------


def test_grids_tile_the_boundary(layers):
    boundary = metres(shape(layers["boundary"][0]["geometry"]))
    grids = [metres(shape(g["geometry"])) for g in layers["grids"]]
    assert abs(unary_union(grids).area - boundary.area) < 1.0
    assert abs(sum(g.area for g in grids) - boundary.area) < 1.0
    for a, b in itertools.combinations(grids, 2):
        assert a.intersection(b).area < 1e-3
    assert unary_union(grids).symmetric_difference(boundary).area < 1.0


def test_grids_reference_the_community(layers):
    for g in layers["grids"]:
        assert g["properties"]["parent"] == "340121400001"
        assert g["properties"]["id"].startswith("340121400001-")


def test_every_building_lies_in_its_grid(layers):
    grids = {g["properties"]["id"]: metres(shape(g["geometry"])) for g in layers["grids"]}
    for b in layers["buildings"]:
        footprint = metres(shape(b["geometry"]))
        inside = [gid for gid, polygon in grids.items() if polygon.contains(footprint)]
        assert inside == [b["properties"]["grid_id"]], b["properties"]["id"]


def test_a_grid_has_no_station(layers):
    grids = {g["properties"]["id"]: shape(g["geometry"]) for g in layers["grids"]}
    with_station = set()
    for s in layers["stations"]:
        (gid,) = [gid for gid, polygon in grids.items() if polygon.contains(shape(s["geometry"]))]
        assert gid == s["properties"]["grid_id"]
        with_station.add(gid)
    stationless = set(grids) - with_station
    assert stationless
    # …and people live there.
    assert stationless & {b["properties"]["grid_id"] for b in layers["buildings"]}


# --- network shape ----------------------------------------------------------------------------


def test_network_is_connected(walk):
    assert nx.number_connected_components(walk.graph) == 1


def test_compounds_reach_streets_only_through_gates(layers):
    paths = layers["paths"]
    internal = [p for p in paths if p["properties"]["kind"] == "internal"]
    gates = [p for p in paths if p["properties"]["kind"] == "gate"]
    public = [p for p in paths if p["properties"]["kind"] not in ("internal", "gate")]
    internal_vertices = {tuple(c) for p in internal for c in p["geometry"]["coordinates"]}
    public_vertices = {tuple(c) for p in public for c in p["geometry"]["coordinates"]}
    assert internal_vertices.isdisjoint(public_vertices)
    public_lines = shapely.STRtree([shape(p["geometry"]) for p in public])
    for p in internal:
        assert public_lines.query(shape(p["geometry"]), predicate="intersects").size == 0
    for g in gates:
        ends = [tuple(c) for c in g["geometry"]["coordinates"]]
        assert len(ends) == 2
        assert metres(LineString(ends)).length < 30.0
        assert {ends[0] in internal_vertices, ends[1] in internal_vertices} == {True, False}
        outside = ends[1] if ends[0] in internal_vertices else ends[0]
        assert outside in public_vertices

    # Each compound's lanes form one piece of their own, entered only by its gates.
    lanes = nx.Graph()
    for p in internal:
        nx.add_path(lanes, [tuple(c) for c in p["geometry"]["coordinates"]])
    pieces = list(nx.connected_components(lanes))
    doors = [metres(Point(entrance(b))) for b in layers["buildings"]]
    lane_lines = [metres(shape(p["geometry"])) for p in internal]
    piece_of_line = [
        next(i for i, piece in enumerate(pieces) if tuple(p["geometry"]["coordinates"][0]) in piece)
        for p in internal
    ]
    tree = shapely.STRtree(lane_lines)
    compounds_of_piece: dict[int, set[str]] = defaultdict(set)
    for b, door in zip(layers["buildings"], doors, strict=True):
        compounds_of_piece[piece_of_line[int(tree.nearest(door))]].add(b["properties"]["compound"])
    assert all(len(names) == 1 for names in compounds_of_piece.values())
    names = [next(iter(compounds_of_piece[i])) for i in range(len(pieces))]
    assert len(set(names)) == len(pieces) >= 4
    assert "风格城市" in names
    gate_count = [
        sum(any(tuple(c) in piece for c in g["geometry"]["coordinates"]) for g in gates)
        for piece in pieces
    ]
    assert min(gate_count) == 1
    assert all(n >= 1 for n in gate_count)


def test_a_footbridge_passes_over_a_street_without_joining_it(layers, walk):
    streets = [p for p in layers["paths"] if p["properties"]["kind"] == "street"]
    street_vertices = {tuple(c) for p in streets for c in p["geometry"]["coordinates"]}
    bridges = []
    for p in layers["paths"]:
        if p["properties"]["kind"] != "footpath":
            continue
        line = shape(p["geometry"])
        coords = {tuple(c) for c in p["geometry"]["coordinates"]}
        if (
            any(line.crosses(shape(s["geometry"])) for s in streets)
            and not coords & street_vertices
        ):
            bridges.append(p)
    assert bridges
    for bridge in bridges:
        for end in (bridge["geometry"]["coordinates"][0], bridge["geometry"]["coordinates"][-1]):
            assert walk.graph.degree(walk.vertex(*end)) >= 2  # joined at its own ends


def test_streets_have_crossings(layers):
    streets = [p for p in layers["paths"] if p["properties"]["kind"] == "street"]
    street_vertices = {tuple(c) for p in streets for c in p["geometry"]["coordinates"]}
    crossings = [p for p in layers["paths"] if p["properties"]["kind"] == "crossing"]
    assert crossings
    for c in crossings:
        assert {tuple(v) for v in c["geometry"]["coordinates"]} & street_vertices


# --- planted problems -------------------------------------------------------------------------


def test_a_few_buildings_are_far_from_every_station(layers, station_walk_m):
    far = [i for i, d in enumerate(station_walk_m) if d > 1000.0]
    assert 3 <= len(far) <= 10
    stations = [metres(Point(point_of(s))) for s in layers["stations"]]
    for i in far:
        door = metres(Point(entrance(layers["buildings"][i])))
        straight = min(door.distance(s) for s in stations)
        assert station_walk_m[i] > 1.5 * straight  # the walk is clearly longer than the crow flies


def test_a_fence_makes_a_near_station_far_on_foot(layers, station_walk_m):
    stations = [metres(Point(point_of(s))) for s in layers["stations"]]
    detoured = [
        i
        for i, b in enumerate(layers["buildings"])
        if min(metres(Point(entrance(b))).distance(s) for s in stations) < 300.0
        and station_walk_m[i] > 300.0
    ]
    assert detoured


def test_walking_is_never_shorter_than_straight_line(layers, station_walk_m):
    stations = [metres(Point(point_of(s))) for s in layers["stations"]]
    for b, walked in zip(layers["buildings"], station_walk_m, strict=True):
        straight = min(metres(Point(entrance(b))).distance(s) for s in stations)
        assert walked >= straight - 1e-6


def test_most_categories_present_a_few_absent(layers):
    present = {p["properties"]["category"] for p in layers["pois"]}
    assert 40 <= len(layers["pois"]) <= 70
    assert len(present) >= 2 * len(POI_CATEGORIES) / 3
    assert set(BASIC_CATEGORIES) - present  # a basic category is missing entirely
    assert 1 <= len(set(POI_CATEGORIES) - present) <= 2


def test_market_only_at_one_end(layers, walk):
    markets = [point_of(p) for p in layers["pois"] if p["properties"]["category"] == "菜市场"]
    assert markets
    doors = [entrance(b) for b in layers["buildings"]]
    reach = walk.to_nearest(doors, markets)
    within = sum(d <= 1000.0 for d in reach)
    assert 0 < within < len(doors) / 2  # part of the community has one, most of it has none
