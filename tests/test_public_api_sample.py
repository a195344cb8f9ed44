"""``/api/nearest`` on the bundled sample of 金宁社区, checked against a networkx reference."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import LineString, Point, box
from support.geo import SamplePlan
from support.oracle import reference_walk_m

from geo_app.config import BUNDLED_DATA_DIR
from layers import load_community
from layers.sample import COMPOUNDS, gate_fence_point

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PLAN = SamplePlan()


@pytest.fixture(scope="module")
def sample_lines():
    return PLAN.lines_xy(load_community(BUNDLED_DATA_DIR).paths)


@pytest.fixture
def api(app):
    app.config["CLOCK"] = lambda: MONDAY_10
    return app.test_client()


def ask(api, xy: tuple[float, float], **params: object) -> dict:
    lon, lat = PLAN.lonlat(*xy)
    response = api.get("/api/nearest", query_string={"lon": lon, "lat": lat, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


FENGGE = next(c for c in COMPOUNDS if c.name == "风格城市")
EAST_GATE = gate_fence_point(FENGGE, next(g for g in FENGGE.gates if g.side == "E"))
PS_01 = (-310.0, 230.0)


def test_the_east_gate_of_fengge_city_is_where_the_plan_says():
    assert EAST_GATE == (-320.0, 480.0)
    assert FENGGE.fence == (-820, 20, -320, 580)


@pytest.mark.parametrize(
    ("start", "hand_walk_m", "through_gate"),
    [
        # 4 m inside the east fence, level with PS-01 16 m away: 4 to the lane, 250 north,
        # 10 to the gate, 20 out to 凤霞路, 250 back south and PS-01's 10 m access.
        ((-326.0, 230.0), 544.0, True),
        # 14 m outside the fence: along 凤霞路 (6 + 70) and the 10 m access.
        ((-306.0, 300.0), 86.0, False),
    ],
)
def test_each_side_of_the_fence_walks_the_right_way(
    api, sample_lines, start, hand_walk_m, through_gate
):
    body = ask(api, start, kind="party_service_station", k=1)
    (result,) = body["results"]
    assert result["station_id"] == "PS-01"
    assert abs(result["distance_m"] - hand_walk_m) <= 1.0
    assert abs(result["distance_m"] - reference_walk_m(sample_lines, start, PS_01)) <= 1.0
    route = LineString([PLAN.xy(lon, lat) for lon, lat in result["route"]["coordinates"]])
    fence = box(*FENGGE.fence).boundary.difference(Point(EAST_GATE).buffer(3))
    assert not route.intersects(fence)  # never over the fence
    assert (route.distance(Point(EAST_GATE)) < 3.0) is through_gate


def test_distances_on_the_sample_match_the_reference(api, sample_lines):
    community = load_community(api.application.config["DATA_DIR"])
    stations = {
        sid: PLAN.xy(geom.x, geom.y)
        for sid, geom in zip(community.stations["id"], community.stations.geometry, strict=True)
    }
    starts = [PLAN.xy(*entrances[0]) for entrances in community.buildings["entrances"][::25]]
    for start in starts:
        body = ask(api, start, k=4)
        assert body["results"], start
        for result in body["results"]:
            expected = reference_walk_m(sample_lines, start, stations[result["station_id"]])
            assert abs(result["distance_m"] - expected) <= 1.0, (start, result["station_id"])
        # open ones come first, each group nearest first
        keys = [(not r["open_now"], r["distance_m"]) for r in body["results"]]
        assert keys == sorted(keys)
