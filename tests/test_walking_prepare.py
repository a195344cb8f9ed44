"""``prepare``: one immutable, ready-to-query network; the graph itself knows no index or fence.

Layout (metres, EPSG:4548, from support.geo's origin): a street y=0 from x=0 to 400 and
a lane y=40 from x=0 to 400 joined by a gate x=200 (0..40); a fence around the lane,
x 0..400, y 10..60. A point at (100, 18) is 18 m from the street (through the fence) and 22 m
from the lane: fenced, it joins the lane.
"""

from __future__ import annotations

import dataclasses
import threading

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box
from support.geo import X0, Y0, frame, line, lonlats

from geo_app.walking import (
    NetworkInputError,
    PreparedNetwork,
    attach,
    build_network,
    nearest,
    nearest_targets,
    prepare,
)
from geo_app.walking.fences import Fences
from geo_app.walking.segment_index import SegmentIndex

FENCE_M = box(0, 10, 400, 60)


def fence_lonlat() -> shapely.Polygon:
    return shapely.transform(FENCE_M, lambda c: lonlats(c))


def network():
    return build_network(
        frame(
            [
                line((0, 0), (200, 0), (400, 0)),
                line((0, 40), (200, 40), (400, 40)),
                line((200, 0), (200, 40)),
            ]
        )
    )


def test_everything_is_built_at_once_and_nothing_can_be_changed():
    graph = network()
    prepared = prepare(graph, fences=[fence_lonlat()])
    assert prepared.network is graph
    assert isinstance(prepared.segment_index, SegmentIndex)
    assert isinstance(prepared.fences, Fences) and len(prepared.fences.polygons) == 1
    n = graph.node_count
    assert prepared.query_graph.shape == (n + 1, n + 1)  # one spare virtual node
    assert prepared.query_lock.acquire(blocking=False)
    prepared.query_lock.release()
    with pytest.raises(dataclasses.FrozenInstanceError):
        prepared.fences = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        prepared.fences.polygons = np.array([])  # type: ignore[misc,union-attr]
    assert prepare(graph).fences is None
    assert "1 fences" in repr(prepared)


def test_the_network_has_no_index_fences_or_lock():
    graph = network()
    prepare(graph, fences=[fence_lonlat()])
    for name in ("segment_index", "fences", "query_graph", "query_lock"):
        assert not hasattr(graph, name)


def test_the_fences_belong_to_the_prepared_network_not_to_the_graph():
    graph = network()
    fenced = prepare(graph, fences=[fence_lonlat()])
    plain = prepare(graph)
    point = lonlats([(100, 18)])
    assert attach(plain, point).foot_xy[0] - [X0, Y0] == pytest.approx([100, 0], abs=1e-6)
    assert attach(fenced, point).foot_xy[0] - [X0, Y0] == pytest.approx([100, 40], abs=1e-6)
    # Preparing again with fences changed nothing on the unfenced one.
    assert attach(plain, point).foot_xy[0] - [X0, Y0] == pytest.approx([100, 0], abs=1e-6)
    # Station at (300, -10), 10 m south of the street. Fenced: 22 (leg to the lane) + 100
    # (lane to the gate) + 40 (gate) + 100 (street) + 10 = 272; unfenced: 18 + 200 + 10 = 228.
    station = tuple(lonlats([(300, -10)])[0])
    origin = tuple(point[0])
    assert nearest(fenced, origin, attach(fenced, [station]))[0].distance_m == pytest.approx(
        272.0, abs=1e-6
    )
    assert nearest(plain, origin, attach(plain, [station]))[0].distance_m == pytest.approx(
        228.0, abs=1e-6
    )


def test_attachments_of_another_preparation_are_refused():
    graph = network()
    fenced, plain = prepare(graph, fences=[fence_lonlat()]), prepare(graph)
    with pytest.raises(NetworkInputError, match="另一个路网"):
        nearest_targets(fenced, attach(plain, lonlats([(0, 0)])), attach(fenced, lonlats([(0, 0)])))


def test_a_bare_network_is_refused_with_a_hint_to_prepare():
    with pytest.raises(NetworkInputError, match="prepare"):
        attach(network(), lonlats([(0, 0)]))  # type: ignore[arg-type]
    with pytest.raises(NetworkInputError, match="WalkNetwork"):
        prepare("paths.geojson")  # type: ignore[arg-type]


def test_fences_are_checked_and_read_in_any_form():
    graph = network()
    bad = [fence_lonlat(), LineString(), Point(lonlats([(1, 1)])[0]), line((0, 0), (1, 1))]
    # The empty line is skipped; the point (row 2) is the first wrong feature.
    with pytest.raises(NetworkInputError, match=r"实际含 LineString、Point（第 2 个要素起）"):
        prepare(graph, fences=bad)
    with pytest.raises(NetworkInputError, match="第 0 个要素不是几何对象"):
        prepare(graph, fences=["not a polygon"])  # type: ignore[list-item]
    assert prepare(graph, fences=[None, shapely.Polygon()]).fences is None
    # A GeoDataFrame in metres is the same fence as the lon/lat polygon.
    metric = gpd.GeoDataFrame(
        geometry=[shapely.transform(FENCE_M, lambda c: c + np.array([X0, Y0]))], crs="EPSG:4548"
    )
    point = lonlats([(100, 18)])
    from_frame = attach(prepare(graph, fences=metric), point)
    from_list = attach(prepare(graph, fences=[fence_lonlat()]), point)
    assert from_frame.segment.tolist() == from_list.segment.tolist()
    assert from_frame.access_m == pytest.approx(from_list.access_m, abs=1e-6)


def test_concurrent_single_point_searches_share_the_spare_node_safely():
    prepared = prepare(network(), fences=[fence_lonlat()])
    stations = attach(prepared, lonlats([(300, -10), (50, 45)]))
    rng = np.random.default_rng(3)
    origins = lonlats(rng.uniform([0, -20], [400, 55], (300, 2)))  # none north of the fence
    expected = [nearest(prepared, tuple(o), stations, k=2) for o in origins]
    results: dict[int, list] = {}
    barrier = threading.Barrier(6)

    def run(worker: int) -> None:
        barrier.wait()
        for i in range(worker, len(origins), 6):
            results[i] = nearest(prepared, tuple(origins[i]), stations, k=2)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, routes in enumerate(expected):
        assert [(r.target_index, r.distance_m) for r in results[i]] == [
            (r.target_index, r.distance_m) for r in routes
        ]


def test_prepared_network_is_exported():
    assert isinstance(prepare(network()), PreparedNetwork)
