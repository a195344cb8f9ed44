"""Fences of gated 小区: no access leg passes through a fence; walks go through the gate.

Layout in plan metres (support.geo: EPSG:4548 around 金宁社区), worked by hand:

    y=400  +----------------- ring road ------------------+
           |                                              |
    y=105  |        +------ fence (0..100 × 5..105) ---+  |
           |        |  lane y=20 from x=10 to x=90      |  |
           |        |            | gate x=50 (0..20)     |  |
    y=0    +--------+--- street y=0 from x=-100 to 200 -+--+
         x=-100                                         x=200
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box
from support.geo import X0, Y0, line, lonlat, lonlats, plan_xy

from geo_app.walking import attach, build_network, nearest, prepare

FENCE = box(0, 5, 100, 105)
FENCE_LONLAT = shapely.transform(FENCE, lonlats)


def _network(*, fenced: bool):
    lines = [
        line((-100, 0), (50, 0), (200, 0)),  # street, with a vertex where the gate joins
        line((10, 20), (50, 20), (90, 20)),  # the 小区's lane, 15 m inside the fence
        line((50, 0), (50, 20)),  # the gate
        line((-100, 0), (-100, 400), (200, 400), (200, 0)),  # ring road
    ]
    network = build_network(gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326"))
    return prepare(network, fences=[FENCE_LONLAT] if fenced else ())


STATION = lonlat(20, -2)  # 2 m south of the street


def test_a_point_inside_the_fence_walks_out_through_the_gate():
    inside = lonlat(20, 8)  # 8 m from the street (through the fence), 12 m from the lane
    station = attach(_network(fenced=True), np.array([STATION]))
    # leg 12 + lane 20→50: 30 + gate 20 + street 50→20: 30 + leg 2
    [route] = nearest(station.prepared, inside, station)
    assert route.distance_m == pytest.approx(94.0, abs=0.01)
    gate = Point(50, 5)
    path = LineString([plan_xy(*c) for c in route.geometry.coords])
    assert path.distance(gate) < 0.01
    assert not path.crosses(FENCE.exterior.difference(Point(50, 5).buffer(0.5)))


def test_without_fences_the_same_point_is_passed_off_through_the_fence():
    inside = lonlat(20, 8)
    station = attach(_network(fenced=False), np.array([STATION]))
    [route] = nearest(station.prepared, inside, station)
    assert route.distance_m == pytest.approx(10.0, abs=0.01)  # 8 + 2: the fence ignored


def test_a_point_outside_is_not_joined_to_a_lane_behind_the_fence():
    behind = lonlat(20, 108)  # 3 m north of the fence; the lane is 88 m away through it
    att = attach(_network(fenced=True), np.array([behind]))
    # nearest reachable without crossing: the ring road's west side at x=-100, 120 m west
    assert att.access_m[0] == pytest.approx(120.0, abs=0.01)


def test_a_point_whose_only_way_crosses_a_fence_is_not_attached():
    behind = lonlat(20, 108)
    att = attach(_network(fenced=True), np.array([behind]), max_attach_m=100)
    assert not att.ok[0]


def test_points_outside_every_fence_attach_as_before():
    points = np.array([lonlat(20, -3), lonlat(150, 200), lonlat(-50, 50)])
    fenced = attach(_network(fenced=True), points)
    plain = attach(_network(fenced=False), points)
    np.testing.assert_array_equal(fenced.segment, plain.segment)
    np.testing.assert_allclose(fenced.access_m, plain.access_m)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-90, 190), st.floats(-10, 390)), min_size=1, max_size=20
    )
)
def test_no_access_leg_crosses_a_fence(points_xy):
    prepared = _network(fenced=True)
    network = prepared.network
    att = attach(prepared, np.array([lonlat(x, y) for x, y in points_xy]))
    plain = attach(_network(fenced=False), att.lonlat)
    for (x, y), ok, segment, fraction, leg, plain_leg in zip(
        points_xy, att.ok, att.segment, att.fraction, att.access_m, plain.access_m, strict=True
    ):
        if not ok or FENCE.exterior.distance(Point(x, y)) < 0.01:
            continue  # a point standing on the fence line may join either side
        a = network.node_xy[network.seg_u[segment]] - (X0, Y0)
        b = network.node_xy[network.seg_v[segment]] - (X0, Y0)
        foot = a + fraction * (b - a)
        leg_line = LineString([(x, y), tuple(foot)])
        assert not leg_line.crosses(FENCE)
        assert leg == pytest.approx(leg_line.length, abs=0.01)
        assert leg >= plain_leg - 1e-6  # a fence can only lengthen the leg


def test_walk_nearest_command_takes_fences(tmp_path):
    from click.testing import CliRunner

    from geo_app.cli import main

    def write(name: str, geometries: list) -> str:
        path = tmp_path / f"{name}.geojson"
        gpd.GeoDataFrame({"id": [f"{name}-{i}" for i in range(len(geometries))]},
                         geometry=geometries, crs="EPSG:4326").to_file(path, driver="GeoJSON")
        return str(path)

    network = _network(fenced=False).network
    lines = [shapely.transform(g, lambda c: np.column_stack(network.to_wgs84(c[:, 0], c[:, 1])))
             for g in network.segment_lines()]
    args = ["walk", "nearest", "--network", write("paths", lines),
            "--origins", write("origins", [Point(lonlat(20, 8))]),
            "--targets", write("targets", [Point(STATION)])]
    runner = CliRunner()
    plain = runner.invoke(main, args)
    fenced = runner.invoke(main, [*args, "--fences", write("fences", [FENCE_LONLAT])])
    assert plain.exit_code == 0 and fenced.exit_code == 0, (plain.output, fenced.output)
    assert plain.stdout.splitlines()[1] == "origins-0,targets-0,10.00"
    assert fenced.stdout.splitlines()[1] == "origins-0,targets-0,94.00"
    not_polygons = runner.invoke(main, [*args, "--fences", write("bad", [Point(STATION)])])
    assert not_polygons.exit_code == 1
    expected = "围墙须为面（Polygon / MultiPolygon），实际含 Point（第 0 个要素起）"
    assert f"--fences 文件 {tmp_path / 'bad.geojson'}：{expected}" in not_polygons.output


def test_a_point_beyond_the_limit_keeps_its_finite_distance_to_the_network():
    behind = lonlat(20, 108)  # the lane is 88 m away through the fence; the limit is 50 m
    fenced = attach(_network(fenced=True), np.array([behind]), max_attach_m=50)
    plain = attach(_network(fenced=False), np.array([behind]), max_attach_m=50)
    assert not fenced.ok[0]
    assert np.isfinite(fenced.access_m[0])  # an error message can say how far it is
    assert fenced.access_m[0] == pytest.approx(plain.access_m[0])
