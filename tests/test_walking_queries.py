"""Walking queries against hand results and an independent networkx reference."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.geo import X0, Y0, frame, line, lonlat, lonlats, metres
from support.oracle import ReferenceNetwork

from geo_app.walking import (
    NetworkInputError,
    PointTooFarError,
    WalkError,
    attach,
    build_network,
    distance_matrix,
    isochrone,
    nearest,
    nearest_targets,
    prepare,
)


@pytest.fixture
def cross():
    """A plus sign: arms of 500 m from (0, 0), plus a separate 800 m line far to the north."""
    return prepare(
        build_network(
            frame(
                [
                    line((-500, 0), (0, 0), (500, 0)),
                    line((0, -500), (0, 0), (0, 500)),
                    line((-400, 3000), (400, 3000)),
                ]
            )
        )
    )


def test_a_point_attaches_to_the_nearest_point_of_a_segment_not_a_vertex(cross):
    points = attach(cross, lonlats([(200, 30), (-30, -300)]))
    assert points.access_m == pytest.approx([30, 30], abs=1e-6)
    np.testing.assert_allclose(
        points.foot_xy, metres(lonlats([(200, 0), (0, -300)]), "EPSG:4548"), atol=1e-6
    )


def test_hand_distance_through_the_crossing(cross):
    # (200, 30) → foot (200, 0) → (0, 0) → (0, -300) → (-30, -300): 30 + 200 + 300 + 30.
    routes = nearest(cross, lonlat(200, 30), attach(cross, lonlats([(-30, -300)])))
    assert len(routes) == 1
    assert routes[0].distance_m == pytest.approx(560, abs=1e-3)
    assert routes[0].minutes == pytest.approx(560 / (4000 / 60))
    route_xy = metres(np.asarray(routes[0].geometry.coords), "EPSG:4548")
    expected = metres(lonlats([(200, 30), (200, 0), (0, 0), (0, -300), (-30, -300)]), "EPSG:4548")
    np.testing.assert_allclose(route_xy, expected, atol=1e-3)


def test_origin_and_target_on_the_same_segment_walk_straight_along_it(cross):
    targets = attach(cross, lonlats([(450, -20), (-100, 5)]))
    routes = nearest(cross, lonlat(300, 10), targets, k=2)
    assert [r.target_index for r in routes] == [0, 1]
    assert routes[0].distance_m == pytest.approx(10 + 150 + 20, abs=1e-3)
    assert routes[1].distance_m == pytest.approx(10 + 400 + 5, abs=1e-3)
    assert len(routes[0].geometry.coords) == 4  # origin, its foot, the target's foot, target
    origins = attach(cross, lonlats([(300, 10)]))
    index, dist = nearest_targets(cross, origins, targets)
    assert index.tolist() == [0]
    assert dist == pytest.approx([180], abs=1e-3)
    matrix = distance_matrix(cross, origins, targets, max_distance_m=None)
    assert matrix == pytest.approx(np.array([[180, 415]]), abs=1e-3)


def test_mask_k_and_max_distance(cross):
    targets = attach(cross, lonlats([(100, 0), (0, 200), (-450, 0), (0, 3000)]))
    origin = lonlat(0, 0)
    assert [r.target_index for r in nearest(cross, origin, targets, k=3)] == [0, 1, 2]
    mask = np.array([False, True, True, True])
    assert [r.target_index for r in nearest(cross, origin, targets, k=5, mask=mask)] == [1, 2]
    assert [r.target_index for r in nearest(cross, origin, targets, k=5, max_distance_m=300)] == [
        0,
        1,
    ]
    index, dist = nearest_targets(
        cross, attach(cross, lonlats([(-300, 0)])), targets, max_distance_m=100
    )
    assert index.tolist() == [-1]
    assert dist.tolist() == [np.inf]


def test_unreachable_targets_are_reported_unreachable(cross):
    targets = attach(cross, lonlats([(0, 3010)]))  # on the separate northern line
    origin = lonlat(0, 0)
    assert nearest(cross, origin, targets, k=3) == []
    index, dist = nearest_targets(cross, attach(cross, lonlats([(10, 10)])), targets)
    assert (index.tolist(), dist.tolist()) == ([-1], [np.inf])
    assert distance_matrix(
        cross, attach(cross, [origin]), targets, max_distance_m=None
    ).tolist() == [[np.inf]]


def test_a_point_too_far_from_every_path_is_an_error_not_a_far_away_answer(cross):
    targets = attach(cross, lonlats([(100, 0), (100, 1000)]))
    assert targets.ok.tolist() == [True, False]
    with pytest.raises(PointTooFarError) as caught:
        nearest(cross, lonlat(1000, 1000), targets)
    assert isinstance(caught.value, WalkError)
    assert caught.value.limit_m == 300
    assert caught.value.distance_m == pytest.approx(np.hypot(500, 1000), abs=1e-3)
    assert "300" in str(caught.value)
    # A raised limit lets the same point through.
    routes = nearest(cross, lonlat(0, 800), targets, max_attach_m=400)
    assert routes[0].distance_m == pytest.approx(300 + 500 + 100, abs=1e-3)
    # In bulk, too-far rows are marked and skipped.
    index, dist = nearest_targets(cross, attach(cross, lonlats([(1000, 1000), (100, 10)])), targets)
    assert index.tolist() == [-1, 0]
    assert dist[1] == pytest.approx(10, abs=1e-6)


def test_a_target_exactly_on_a_vertex(cross):
    targets = attach(cross, lonlats([(0, 0)]))
    assert targets.access_m[0] == pytest.approx(0, abs=1e-6)
    _index, dist = nearest_targets(cross, attach(cross, lonlats([(0, -100)])), targets)
    assert dist == pytest.approx([100], abs=1e-3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda n, t: nearest(n, (117.26, 31.96), t, k=0), "k 须至少为 1"),
        (lambda n, t: nearest(n, (117.26, 31.96), t, mask=np.ones(5, bool)), "mask 的长度"),
        (lambda n, t: attach(n, np.ones((3, 3))), r"\(n, 2\)"),
        (lambda n, t: attach(n, [[np.nan, 31.0]]), "非有限"),
        (lambda n, t: attach(n, [[117.0, 31.0]], max_attach_m=0), "max_attach_m"),
        (lambda n, t: isochrone(n, (117.26, 31.96), minutes=-1), "minutes"),
    ],
)
def test_bad_arguments_are_named(cross, call, message):
    targets = attach(cross, lonlats([(100, 0)]))
    with pytest.raises(NetworkInputError, match=message):
        call(cross, targets)


def test_attachments_of_another_network_are_refused(cross):
    other = prepare(build_network(frame([line((0, 0), (100, 0))])))
    with pytest.raises(NetworkInputError, match="另一个路网"):
        nearest_targets(cross, attach(other, lonlats([(0, 0)])), attach(cross, lonlats([(0, 0)])))


# --- random networks against networkx ------------------------------------------------------


def random_network(seed: int, size: int, spacing: float, drop: float, diagonals: float):
    """A perturbed lattice with some edges removed and some diagonals, as lon/lat lines."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(np.arange(size), np.arange(size), indexing="ij"), -1) * spacing
    grid = grid + rng.normal(0, spacing * 0.15, grid.shape)
    lines = []
    for i in range(size):
        for j in range(size):
            for di, dj, p_keep in ((1, 0, 1 - drop), (0, 1, 1 - drop), (1, 1, diagonals)):
                if i + di < size and j + dj < size and rng.random() < p_keep:
                    lines.append(line(tuple(grid[i, j]), tuple(grid[i + di, j + dj])))
    # One long street drawn as a single line through a row's vertices (interior joins).
    row = rng.integers(size)
    lines.append(shapely.LineString(lonlats(grid[row])))
    extent = spacing * (size - 1)
    return lines, rng, extent


def random_points(rng, n: int, extent: float) -> np.ndarray:
    return lonlats(rng.uniform(-0.1 * extent, 1.1 * extent, (n, 2)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(2, 7),
    spacing=st.sampled_from([40.0, 90.0, 150.0]),
    drop=st.floats(0.0, 0.6),
    diagonals=st.floats(0.0, 0.3),
    max_attach_m=st.sampled_from([30.0, 300.0]),
)
def test_random_networks_agree_with_networkx(seed, size, spacing, drop, diagonals, max_attach_m):
    lines, rng, extent = random_network(seed, size, spacing, drop, diagonals)
    network = prepare(build_network(frame(lines)))
    reference = ReferenceNetwork(lines)
    origins_ll = random_points(rng, 7, extent)
    targets_ll = random_points(rng, 5, extent)
    expected = reference.distance_matrix(origins_ll, targets_ll, max_attach_m=max_attach_m)

    origins = attach(network, origins_ll, max_attach_m=max_attach_m)
    targets = attach(network, targets_ll, max_attach_m=max_attach_m)
    np.testing.assert_allclose(
        distance_matrix(network, origins, targets, max_distance_m=None), expected, atol=1e-6
    )
    # The nearest target of every origin in one pass.
    index, dist = nearest_targets(network, origins, targets)
    best = expected.min(axis=1)
    np.testing.assert_allclose(dist, best, atol=1e-6)
    reached = np.isfinite(best)
    assert (index[~reached] == -1).all()
    chosen = expected[np.flatnonzero(reached), index[reached]]
    np.testing.assert_allclose(chosen, best[reached], atol=1e-6)
    # A walking limit cuts exactly at the limit.
    limit = float(spacing * 2)
    _, limited = nearest_targets(network, origins, targets, max_distance_m=limit)
    np.testing.assert_allclose(limited, np.where(best <= limit, best, np.inf), atol=1e-6)
    capped = distance_matrix(network, origins, targets, max_distance_m=limit)
    np.testing.assert_allclose(capped, np.where(expected <= limit, expected, np.inf), atol=1e-6)

    # k nearest with routes from every attached origin.
    for i in np.flatnonzero(origins.ok):
        routes = nearest(network, tuple(origins_ll[i]), targets, k=3, max_attach_m=max_attach_m)
        finite = np.sort(expected[i][np.isfinite(expected[i])])[:3]
        np.testing.assert_allclose([r.distance_m for r in routes], finite, atol=1e-6)
        for route in routes:
            assert expected[i, route.target_index] == pytest.approx(route.distance_m, abs=1e-6)
            assert route_length(route.geometry) == pytest.approx(route.distance_m, abs=1e-3)
            assert route.geometry.coords[0] == pytest.approx(tuple(origins_ll[i]))
            assert route.geometry.coords[-1] == pytest.approx(tuple(targets_ll[route.target_index]))
    for i in np.flatnonzero(~origins.ok):
        with pytest.raises(PointTooFarError):
            nearest(network, tuple(origins_ll[i]), targets, max_attach_m=max_attach_m)


def test_many_points_attach_exactly_as_brute_force():
    # 3,000 points: enough to be searched in Z order, answered in input order.
    lines, rng, extent = random_network(7, 9, 40.0, 0.3, 0.2)
    network = prepare(build_network(frame(lines)))
    reference = ReferenceNetwork(lines)
    points = random_points(rng, 3000, extent)
    att = attach(network, points, max_attach_m=30.0)
    xy = metres(points)
    brute = shapely.distance(
        shapely.points(xy)[:, None], np.array(reference.lines, dtype=object)[None, :]
    ).min(axis=1)
    assert 0 < att.ok.sum() < len(points)
    np.testing.assert_array_equal(att.ok, brute <= 30.0)
    np.testing.assert_allclose(att.access_m[att.ok], brute[att.ok], atol=1e-6)
    assert (att.access_m[~att.ok] > 30.0).all()
    # Each foot is on the network at that distance from its own point.
    leg = np.hypot(*(att.foot_xy[att.ok] - xy[att.ok]).T)
    np.testing.assert_allclose(leg, brute[att.ok], atol=1e-6)


def route_length(geometry: shapely.LineString) -> float:
    xy = metres(np.asarray(geometry.coords), "EPSG:4548")
    return float(np.hypot(*np.diff(xy, axis=0).T).sum())


# --- isochrones ----------------------------------------------------------------------------


def test_isochrone_on_a_straight_line_by_hand():
    network = prepare(build_network(frame([line((0, 0), (3000, 0))])))
    # 20 m from the line at x = 1000; 15 minutes at 4 km/h = 1000 m, 980 m left along the line.
    iso = isochrone(network, lonlat(1000, 20))
    assert iso.reach_m == pytest.approx(1000)
    base = metres(lonlats([(0, 0)]), "EPSG:4548")
    xy = metres(shapely.get_coordinates(iso.lines), "EPSG:4548") - base
    assert xy[:, 0].min() == pytest.approx(20, abs=1e-3)
    assert xy[:, 0].max() == pytest.approx(1980, abs=1e-3)
    np.testing.assert_allclose(xy[:, 1], 0, atol=1e-3)
    polygon_m = shapely.transform(iso.polygon, lambda c: metres(c, "EPSG:4548"))
    line_m = shapely.LineString(metres(lonlats([(20, 0), (1980, 0)]), "EPSG:4548"))
    # The polygon is the 40 m buffer of the reachable line (4 segments per quarter circle).
    assert polygon_m.area == pytest.approx(line_m.buffer(40, quad_segs=4).area, rel=1e-6)


def test_isochrone_partial_segments_match_networkx_on_random_networks():
    lines, rng, extent = random_network(7, 8, 120.0, 0.3, 0.2)
    network = prepare(build_network(frame(lines)))
    reference = ReferenceNetwork(lines)
    # Sample the network every metre (midpoints of 1 m pieces); networkx measures each walk.
    pieces = [max(round(seg.length), 1) for seg in reference.lines]
    samples = np.array(
        [
            seg.interpolate((i + 0.5) / count, normalized=True).coords[0]
            for seg, count in zip(reference.lines, pieces, strict=True)
            for i in range(count)
        ]
    )
    weight = np.concatenate(
        [np.full(c, s.length / c) for s, c in zip(reference.lines, pieces, strict=True)]
    )
    checked = 0
    for origin in random_points(rng, 3, extent):
        try:
            iso = isochrone(network, tuple(origin), minutes=6.0)  # 400 m
        except PointTooFarError:
            continue
        walk = reference.distance_matrix(
            np.array([origin]), lonlats(samples - [X0, Y0]), max_attach_m=1e9
        )[0]
        expected = weight[walk <= iso.reach_m].sum()
        # Each cut end of a piece may be off by half a sample.
        tolerance = 0.5 * 2 * len(shapely.get_parts(iso.lines)) + 1e-6
        assert route_length_multi(iso.lines) == pytest.approx(expected, abs=tolerance)
        assert expected > 400
        assert iso.polygon.covers(iso.lines)
        checked += 1
    assert checked >= 2


def route_length_multi(lines: shapely.MultiLineString) -> float:
    return sum(route_length(part) for part in shapely.get_parts(lines))


def test_isochrone_of_a_point_too_far_is_an_error(cross):
    with pytest.raises(PointTooFarError):
        isochrone(cross, lonlat(1000, 1000))


def test_isochrone_shorter_than_the_access_leg_is_empty(cross):
    iso = isochrone(cross, lonlat(200, 100), minutes=1.0)  # 67 m < 100 m
    assert iso.lines.is_empty
    assert iso.polygon.is_empty


def test_piece_buffers_are_the_geos_buffers():
    from geo_app.walking.isochrones import stadiums, union_of_buffers

    rng = np.random.default_rng(5)
    ends = rng.uniform(0, 500, (3000, 2, 2))
    ends[0, 1] = ends[0, 0]  # a zero-length piece is a disc
    geos = shapely.buffer(shapely.linestrings(ends), 40.0, quad_segs=4)
    mine = stadiums(ends, 40.0, quad_segs=4)
    assert shapely.is_valid(mine).all()
    assert shapely.area(shapely.symmetric_difference(mine, geos)).max() < 1e-6
    united = union_of_buffers(ends, 40.0)  # split over two threads above 2,000 pieces
    assert united.symmetric_difference(shapely.union_all(geos)).area < 1e-6
