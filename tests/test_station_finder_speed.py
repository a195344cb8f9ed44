"""The fast paths behind ``/api/nearest``: shortest-path trees and the cached stock read.

Correctness only (timings are the benchmark's business): the trees' distances against hand
sums and an independent networkx reference, their answers against the engine's per-query
search, the station finder with and without trees, and a stock read that sees every commit,
from this process or another, on the next request.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from support.geo import frame, line, lonlat, lonlats, metres
from support.oracle import ReferenceNetwork

from geo_app.state.clock import community_timezone
from geo_app.state.community import get_state
from geo_app.stations.finder import (
    NearestQuery,
    current_station_index,
    find_nearest,
    station_states,
)
from geo_app.stations.hours import status_at, today_text
from geo_app.stations.levels import get_stock_levels
from geo_app.store import get_store
from geo_app.store.stock import StockReader, move_stock, stock_levels
from geo_app.walking import (
    PointTooFarError,
    attach,
    build_network,
    build_target_trees,
    nearest,
    nearest_from_trees,
    prepare,
    reach_targets,
)
from layers.schema import ITEM_LABELS, STATION_KINDS

# --- the trees on a hand-worked layout -----------------------------------------------------


@pytest.fixture
def tee():
    """A street (0,0)–(1000,0) with a lane north from (500,0) to (500,400); and a separate
    800 m street far away (its own connected part)."""
    network = prepare(
        build_network(
            frame(
                [
                    line((0, 0), (500, 0), (1000, 0)),
                    line((500, 0), (500, 400)),
                    line((0, 5000), (800, 5000)),
                ]
            )
        )
    )
    # T0 by the street's east half, T1 by the lane, T2 on the origin's own segment,
    # T3 by the far street, T4 out of reach of every path.
    targets = attach(network, lonlats([(900, 10), (510, 380), (300, 5), (400, 5010), (0, 900)]))
    return network, targets


def test_tree_distances_by_hand(tee):
    network, targets = tee
    trees = build_target_trees(network, targets)
    assert trees is not None and np.isinf(trees.node_dist[:, 4]).all()  # T4: no tree
    origin = attach(network, lonlats([(100, -20)]))  # 20 m south of the street, at x = 100
    reach = reach_targets(trees, origin)
    # 20 access + 400 to the junction + 400 along + 10 access; 20 + 400 + 380 + 10; 20 + 200 + 5
    np.testing.assert_allclose(reach.distance_m[:3], [830.0, 810.0, 225.0], atol=1e-6)
    assert reach.distance_m[3] == np.inf and reach.distance_m[4] == np.inf


def test_tree_routes_by_hand(tee):
    network, targets = tee
    trees = build_target_trees(network, targets)
    routes = nearest_from_trees(trees, lonlat(100, -20), k=5)
    assert [r.target_index for r in routes] == [2, 1, 0]  # 225, 810, 830 m; T3, T4 unreachable
    to_lane = metres(np.asarray(routes[1].geometry.coords)) - metres(lonlats([(0, 0)]))
    np.testing.assert_allclose(
        to_lane, [(100, -20), (100, 0), (500, 0), (500, 380), (510, 380)], atol=1e-3
    )
    along = metres(np.asarray(routes[0].geometry.coords)) - metres(lonlats([(0, 0)]))
    np.testing.assert_allclose(along, [(100, -20), (100, 0), (300, 0), (300, 5)], atol=1e-3)
    assert routes[0].minutes == pytest.approx(225.0 / (4000.0 / 60.0))


def test_tree_limits_masks_and_a_point_too_far(tee):
    network, targets = tee
    trees = build_target_trees(network, targets)
    origin = lonlat(100, -20)
    assert [r.target_index for r in nearest_from_trees(trees, origin, k=5, max_distance_m=820)] == [
        2,
        1,
    ]
    mask = np.array([True, False, False, True, True])
    assert [r.target_index for r in nearest_from_trees(trees, origin, k=5, mask=mask)] == [0]
    with pytest.raises(PointTooFarError):
        nearest_from_trees(trees, lonlat(100, 2000), k=1)


def test_no_trees_beyond_the_budget(tee):
    network, targets = tee
    cells = 5 * network.network.node_count
    assert build_target_trees(network, targets, max_cells=cells - 1) is None
    assert build_target_trees(network, targets, max_cells=cells) is not None


def test_a_target_past_the_first_radius_on_a_fully_searched_street_is_found():
    """Both ends of the only street lie within the engine's first search radius (600 m), the
    target's access leg takes it beyond: 10 + 400 + 250 = 660 m, by either method."""
    network = prepare(build_network(frame([line((0, 0), (1000, 0))])))
    targets = attach(network, lonlats([(900, 250)]))
    origin = lonlat(500, -10)
    for routes in (
        nearest(network, origin, targets, k=1),
        nearest_from_trees(build_target_trees(network, targets), origin, k=1),
    ):
        assert [r.target_index for r in routes] == [0]
        assert routes[0].distance_m == pytest.approx(660.0, abs=1e-6)


# --- the trees against networkx and the engine on random networks --------------------------


def lattice(seed: int, size: int, spacing: float, drop: float) -> tuple[list, np.random.Generator]:
    """A jittered lattice with edges dropped at random, plus a detached street to the east."""
    rng = np.random.default_rng(seed)
    ij = np.stack(np.meshgrid(np.arange(size), np.arange(size), indexing="ij"), -1)
    xy = ij * spacing + rng.normal(0, spacing * 0.2, ij.shape)
    lines = [
        line(tuple(xy[i, j]), tuple(xy[i + di, j + dj]))
        for i in range(size)
        for j in range(size)
        for di, dj in ((1, 0), (0, 1))
        if i + di < size and j + dj < size and rng.random() > drop
    ]
    east = spacing * (size + 2)
    lines.append(line((east, 0), (east, spacing * size + 600)))
    return lines, rng


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(2, 6),
    spacing=st.sampled_from([50.0, 120.0]),
    drop=st.floats(0.0, 0.5),
)
def test_trees_agree_with_networkx_and_the_engine(seed, size, spacing, drop):
    lines, rng = lattice(seed, size, spacing, drop)
    network = prepare(build_network(frame(lines)))
    extent = spacing * (size + 3)
    targets_ll = lonlats(rng.uniform(-0.2 * extent, extent, (4, 2)))
    origins_ll = lonlats(rng.uniform(-0.2 * extent, extent, (6, 2)))
    expected = ReferenceNetwork(lines).distance_matrix(origins_ll, targets_ll)
    targets = attach(network, targets_ll)
    trees = build_target_trees(network, targets)
    for i, origin in enumerate(map(tuple, origins_ll)):
        try:
            searched = nearest(network, origin, targets, k=4, max_distance_m=2 * spacing * size)
        except PointTooFarError:
            with pytest.raises(PointTooFarError):
                nearest_from_trees(trees, origin, k=4)
            continue
        np.testing.assert_allclose(
            reach_targets(trees, attach(network, origins_ll[[i]])).distance_m,
            expected[i],
            atol=1e-6,
        )
        from_trees = nearest_from_trees(trees, origin, k=4, max_distance_m=2 * spacing * size)
        assert [r.target_index for r in from_trees] == [r.target_index for r in searched]
        for fast, slow in zip(from_trees, searched, strict=True):
            assert fast.distance_m == pytest.approx(slow.distance_m, abs=1e-6)
            np.testing.assert_allclose(fast.geometry.coords, slow.geometry.coords, atol=1e-9)


# --- the station finder with and without trees ---------------------------------------------


def answer_summary(answer):
    closed = answer.closed_nearer
    return (
        answer.message,
        closed and (closed.offer.station.station.station_id, round(closed.offer.distance_m, 6),
                    closed.opens),
        [(o.station.station.station_id, round(o.distance_m, 6), round(o.minutes, 6))
         for o in answer.offers],
        [np.round(np.asarray(o.route.coords), 9).tolist() for o in answer.offers],
    )  # fmt: skip


def test_the_finder_answers_the_same_with_and_without_trees(app):
    with app.app_context():
        index = current_station_index()
        assert index.trees is not None  # the sample's few stations fit the budget easily
        searched = dataclasses.replace(index, trees=None)
        boundary = get_state().community.boundary.total_bounds
        rng = np.random.default_rng(7)
        stock = get_stock_levels()
        stock["PS-01"] = {}  # an emptied station must never be offered
        moments = [
            datetime(2026, 6, d, h, 0, tzinfo=community_timezone())
            for d, h in ((1, 10), (1, 7), (7, 20))
        ]
        compared = 0
        for _ in range(60):
            origin = (rng.uniform(boundary[0], boundary[2]), rng.uniform(boundary[1], boundary[3]))
            query = NearestQuery(
                item=rng.choice([None, *ITEM_LABELS]),
                kind=rng.choice([None, *STATION_KINDS]),
                k=int(rng.integers(1, 5)),
                max_distance_m=float(rng.choice([300.0, 2000.0])),
            )
            moment = moments[int(rng.integers(len(moments)))]
            try:
                slow = find_nearest(searched, origin, query, moment=moment, stock=stock)
            except PointTooFarError:
                with pytest.raises(PointTooFarError):
                    find_nearest(index, origin, query, moment=moment, stock=stock)
                continue
            fast = find_nearest(index, origin, query, moment=moment, stock=stock)
            assert answer_summary(fast) == answer_summary(slow)
            assert "PS-01" not in [o.station.station.station_id for o in fast.offers]
            compared += 1
        assert compared > 20


def test_opening_states_are_those_of_the_moment(app):
    """Worked out once per minute of the week, they still follow the hours minute by minute."""
    with app.app_context():
        index = current_station_index()
        tz = community_timezone()
        moments = [
            datetime(2026, 6, 1, 17, 59, 59, tzinfo=tz),  # a Monday
            datetime(2026, 6, 1, 18, 0, 0, tzinfo=tz),
            datetime(2026, 6, 8, 17, 59, 0, tzinfo=tz),  # a week later, same minute
            datetime(2026, 6, 7, 10, 0, 0, tzinfo=tz),  # a Sunday
        ]
        for moment in moments:
            states = station_states(index, moment=moment, stock={})
            assert [(s.today, s.status) for s in states] == [
                (today_text(st.hours, moment), status_at(st.hours, moment)) for st in index.stations
            ]
        ps01 = {m: station_states(index, moment=m, stock={})[0].status for m in moments}
        assert ps01[moments[0]].open_now and not ps01[moments[1]].open_now  # closes at 18:00
        assert ps01[moments[2]].open_now and not ps01[moments[3]].open_now  # closed on Sundays


# --- the request's own overhead ---------------------------------------------------------


def test_reads_skip_the_limiter_and_login_attempts_are_still_limited(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="2 per minute", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    attempt = {"username": "nobody", "password": "wrong-password"}
    assert client.post("/login", data=attempt).status_code == 401
    for _ in range(5):  # reads of the login page and the API are not login attempts
        assert client.get("/login").status_code == 200
        assert client.get("/api/stations").status_code == 200
    assert client.post("/login", data=attempt).status_code == 401
    assert client.post("/login", data=attempt).status_code == 429


# --- the stock read ------------------------------------------------------------------------


def test_a_movement_is_seen_by_the_next_read(app):
    with app.app_context():
        before = get_stock_levels()["PS-01"]["umbrella"]
        with get_store().write() as db:
            move_stock(db, "PS-01", "umbrella", movement="lent", quantity=2,
                       known_stations={"PS-01"}, actor="test")  # fmt: skip
        assert get_stock_levels()["PS-01"]["umbrella"] == before - 2


def test_unchanged_stock_is_not_read_again(app):
    with app.app_context():
        reader = app.extensions["geo_app.stock_reader"]
        assert reader.watches_version
        first = reader.levels()
        assert reader.levels() is first  # no commit since: the same snapshot
        with get_store().write() as db:
            move_stock(db, "RP-01", "umbrella", movement="restocked", quantity=1,
                       known_stations={"RP-01"}, actor="test")  # fmt: skip
        assert reader.levels() is not first


def test_another_process_writing_is_seen_by_the_next_read(app):
    with app.app_context():
        before = get_stock_levels()["PS-02"]["umbrella"]
        database = get_store().engine.url.database
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        'db.execute("UPDATE station_stock SET count = count - 5 '
        "WHERE station_id = 'PS-02' AND item = 'umbrella'\")\n"
        "db.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script, database], check=True, timeout=60)
    with app.app_context():
        assert get_stock_levels()["PS-02"]["umbrella"] == before - 5


def test_callers_cannot_change_the_shared_snapshot(app):
    with app.app_context():
        levels = get_stock_levels()
        levels["PS-01"]["umbrella"] = -99
        levels["PS-03"] = {}
        again = get_stock_levels()
        assert again["PS-01"]["umbrella"] != -99 and again["PS-03"]


def test_a_reloaded_layer_seeds_its_new_station_once(app):
    with app.app_context():
        state = get_state()
        stations = state.community.stations
        extra = stations.iloc[[0]].copy()
        extra["id"] = "PS-99"
        extra["items"] = [{"umbrella": 4, "cane": 1}]
        community = dataclasses.replace(
            state.community, stations=pd.concat([stations, extra], ignore_index=True)
        )
        state._community = community  # as CommunityState.reload() swaps it
        assert get_stock_levels()["PS-99"] == {"cane": 1, "umbrella": 4}
        with get_store().write() as db:
            move_stock(db, "PS-99", "umbrella", movement="lent", quantity=3,
                       known_stations={"PS-99"}, actor="test")  # fmt: skip
        assert get_stock_levels()["PS-99"] == {"cane": 1, "umbrella": 1}  # not seeded again


def test_an_in_memory_store_is_read_every_time(tmp_path):
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE station_stock (station_id TEXT, item TEXT, count INTEGER)"
        )
        connection.exec_driver_sql("INSERT INTO station_stock VALUES ('S', 'umbrella', 3)")
    reader = StockReader(engine)
    assert not reader.watches_version
    assert reader.levels() == {"S": {"umbrella": 3}}
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE station_stock SET count = 1")
    assert reader.levels() == {"S": {"umbrella": 1}}
    assert StockReader(create_engine(f"sqlite:///{tmp_path / 'f.sqlite3'}")).watches_version


def test_the_reader_opens_its_own_connection_again_after_a_fork(app, monkeypatch):
    with app.app_context():
        reader = app.extensions["geo_app.stock_reader"]
        reader.levels()
        opened = reader._connection
        monkeypatch.setattr("geo_app.store.stock.os.getpid", lambda: -12345)
        with get_store().read() as db:
            assert reader.levels() == stock_levels(db)
        assert reader._connection is not opened
