"""Building the walking graph: joins at shared vertices only, islands, metres, CRS, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from support.geo import X0, Y0, line, lonlat, lonlats, metres

from geo_app.walking import (
    NetworkInputError,
    attach,
    build_network,
    distance_matrix,
    feature_points,
    local_crs,
    prepare,
)


def frame(*geoms: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs="EPSG:4326"
    )


def walk(network, a_xy, b_xy) -> float:
    prepared = prepare(network)
    origins = attach(prepared, lonlats([a_xy]))
    targets = attach(prepared, lonlats([b_xy]))
    return float(distance_matrix(prepared, origins, targets, max_distance_m=None)[0, 0])


def test_lines_join_at_a_shared_interior_vertex():
    # B starts at A's middle vertex, as OpenStreetMap ways do.
    network = build_network(
        frame(line((0, 0), (300, 0), (600, 0)), line((300, 0), (300, 400))), min_island_m=0
    )
    assert network.node_count == 4
    assert network.segment_count == 3
    assert walk(network, (600, 0), (300, 400)) == pytest.approx(300 + 400, abs=1e-3)


def test_lines_that_merely_cross_do_not_join():
    # A bridge: B crosses A at (300, 0) with no shared vertex.
    network = build_network(
        frame(line((0, 0), (600, 0)), line((300, -300), (300, 300))), min_island_m=0
    )
    assert network.node_count == 4
    assert len(np.unique(network.node_component)) == 2
    assert walk(network, (0, 0), (300, 300)) == np.inf


def test_a_crossing_with_a_shared_vertex_joins():
    network = build_network(
        frame(line((0, 0), (300, 0), (600, 0)), line((300, -300), (300, 0), (300, 300))),
        min_island_m=0,
    )
    assert walk(network, (0, 0), (300, 300)) == pytest.approx(600, abs=1e-3)


def test_multilinestring_parts_join_only_where_they_share_a_vertex():
    multi = shapely.MultiLineString(
        [
            lonlats([(0, 0), (400, 0)]),
            lonlats([(400, 0), (400, 400)]),
            lonlats([(0, 100), (0, 500)]),
        ]
    )
    network = build_network(frame(multi), min_island_m=0)
    # No phantom segment from the end of one part to the start of the next.
    assert network.segment_count == 3
    assert walk(network, (0, 0), (400, 400)) == pytest.approx(800, abs=1e-3)
    assert walk(network, (0, 0), (0, 500)) == np.inf


def test_repeated_and_zero_length_segments_are_dropped():
    network = build_network(
        frame(line((0, 0), (0, 0), (100, 0)), line((100, 0), (0, 0)), line((0, 0), (100, 0))),
        min_island_m=0,
    )
    assert network.segment_count == 1
    assert network.total_length_m == pytest.approx(100, abs=1e-3)


def test_small_fragments_other_than_the_largest_take_no_points():
    network = build_network(
        frame(
            line((0, 0), (1000, 0)),  # main network
            line((0, 150), (200, 150)),  # 200 m fragment: an island
            line((0, 2000), (600, 2000)),  # 600 m: a real, separate part
        )
    )
    points = attach(prepare(network), lonlats([(100, 140), (100, 1990)]))
    # The point beside the island goes to the main line 140 m away, not the fragment 10 m away.
    assert points.ok.tolist() == [True, True]
    assert points.access_m == pytest.approx([140, 10], abs=1e-3)
    # The separate part is kept, and unreachable from the main one.
    assert walk(network, (100, 0), (100, 2000)) == np.inf


def test_a_network_made_only_of_one_small_part_is_kept():
    network = build_network(frame(line((0, 0), (100, 0))))
    assert attach(prepare(network), lonlats([(50, 5)])).ok.all()


@pytest.mark.parametrize(("gap_m", "nodes"), [(0.0002, 3), (0.05, 4)])
def test_vertices_within_a_millimetre_are_one_node(gap_m, nodes):
    # A junction on a whole millimetre (in EPSG:4548 metres), and a second street starting
    # gap_m from it: 0.2 mm rounds to the same millimetre (one node), 5 cm does not.
    jx, jy = np.round(np.array([X0 + 100.0, Y0]) * 1000) / 1000 - [X0, Y0]
    a = line((0, 0), (jx, jy))
    b = line((jx + gap_m, jy), (jx + 100, jy + 100))
    network = build_network(frame(a, b))
    assert network.node_count == nodes
    # A merged node stands on a real vertex: the junction, where the first street ends.
    junction = metres(lonlats([(jx, jy)]))[0]
    assert np.min(np.hypot(*(network.node_xy - junction).T)) < 1e-6


def test_lengths_are_metres_on_the_ground():
    # 0.01° of latitude and of longitude in Hefei, against the geodesic length on the ellipsoid.
    lon, lat = 117.26, 31.96
    geoms = [
        shapely.LineString([(lon, lat), (lon, lat + 0.01)]),
        shapely.LineString([(lon, lat), (lon + 0.01, lat)]),
    ]
    network = build_network(frame(*geoms))
    geod = Geod(ellps="GRS80")
    expected = sum(geod.geometry_length(g) for g in geoms)
    assert network.total_length_m == pytest.approx(expected, rel=2e-4)
    assert network.crs.to_epsg() == 4548


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (117.26, 31.96, 4548),  # Hefei: CGCS2000 3-degree GK CM 117E
        (24.94, 60.17, 32635),  # Helsinki: UTM 35N
        (151.21, -33.87, 32756),  # Sydney: UTM 56S
        (-0.13, 51.5, 32630),  # London: UTM 30N
        (121.47, 31.23, 32651),  # Shanghai, outside EPSG:4548's zone
    ],
)
def test_the_local_crs_is_chosen_from_the_centre(lon, lat, epsg):
    assert local_crs(lon, lat).to_epsg() == epsg


def test_to_local_and_back():
    network = build_network(frame(line((0, 0), (100, 0))))
    points = lonlats([(0, 0), (100, 0)])
    x, y = network.to_local(points[:, 0], points[:, 1])
    assert np.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(100, abs=1e-6)
    lon, lat = network.to_wgs84(x, y)
    np.testing.assert_allclose(np.column_stack([lon, lat]), points, atol=1e-9)


def test_a_geojson_path_is_read(tmp_path):
    path = tmp_path / "paths.geojson"
    frame(line((0, 0), (100, 0), (100, 100))).to_file(path, driver="GeoJSON")
    assert build_network(path).total_length_m == pytest.approx(200, abs=1e-3)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (frame(shapely.Point(117.26, 31.96)), "只接受 LineString"),
        (frame(shapely.LineString([(500000, 3500000), (500100, 3500000)])), "经纬度"),
        (gpd.GeoDataFrame(geometry=[None], crs="EPSG:4326"), "没有任何线段"),
        ("/nonexistent/paths.geojson", "不存在"),
        ([1, 2, 3], "GeoDataFrame"),
    ],
)
def test_bad_lines_give_a_clear_error(lines, message):
    with pytest.raises(NetworkInputError, match=message):
        build_network(lines)


def test_feature_points_use_points_entrances_then_centroids():
    square = shapely.Polygon(lonlats([(0, 0), (40, 0), (40, 20), (0, 20)]))
    gdf = gpd.GeoDataFrame(
        {"entrances": [None, [[117.3, 31.9], [117.4, 31.8]], "[[117.5, 31.7]]", None]},
        geometry=[shapely.Point(117.2, 31.95), square, square, square],
        crs="EPSG:4326",
    )
    points = feature_points(gdf)
    np.testing.assert_allclose(points[:3], [[117.2, 31.95], [117.3, 31.9], [117.5, 31.7]])
    # The square's centre, worked out in metres: (20, 10).
    np.testing.assert_allclose(points[3], lonlat(20, 10), atol=1e-8)


def test_feature_points_need_a_geometry():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(117.2, 31.9), None], crs="EPSG:4326")
    with pytest.raises(NetworkInputError, match="第 1 个要素"):
        feature_points(gdf)
