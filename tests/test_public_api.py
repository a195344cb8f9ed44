"""The public JSON API on a tiny gated layout: answers, the clock, stock, bad input, gates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point
from support.geo import lonlat, plan_xy
from support.oracle import reference_walk_m
from support.refusals import assert_api_refusal
from support.resident_layout import BUILDINGS, FENCE, GATE_XY, STATIONS, layout_lines_xy

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=SHANGHAI)  # 2025-06-02 is a Monday
MONDAY_15 = datetime(2025, 6, 2, 15, 0, tzinfo=SHANGHAI)
MONDAY_19 = datetime(2025, 6, 2, 19, 0, tzinfo=SHANGHAI)
SATURDAY_10 = datetime(2025, 6, 7, 10, 0, tzinfo=SHANGHAI)
STATION_XY = {sid: xy for sid, _, _, xy, _, _ in STATIONS}
ENTRANCE_3 = next(b[4] for b in BUILDINGS if b[0] == "B-3")  # 风格城市 3栋


@pytest.fixture(scope="module")
def layout_app(layout_app_factory):
    app = layout_app_factory()
    app.config["CLOCK"] = lambda: MONDAY_10
    return app


@pytest.fixture
def api(layout_app, monkeypatch):
    """A client of the layout app; ``api.at(moment)`` pins the clock for one test."""
    client = layout_app.test_client()

    def at(moment: datetime) -> None:
        monkeypatch.setitem(layout_app.config, "CLOCK", lambda: moment)

    client.at = at
    return client


def nearest(api, xy: tuple[float, float], **params: object):
    lon, lat = lonlat(*xy)
    response = api.get("/api/nearest", query_string={"lon": lon, "lat": lat, **params})
    return response


def walk_to(xy: tuple[float, float], station: str) -> float:
    return reference_walk_m(layout_lines_xy(), xy, STATION_XY[station])


# ------------------------------------------------------------------ answers


def test_umbrella_on_monday_morning_open_station_first_then_later_today(api):
    body = nearest(api, ENTRANCE_3, item="umbrella").get_json()
    ids = [r["station_id"] for r in body["results"]]
    assert ids == ["PS-A", "PS-B"]  # RP-A is out of umbrellas (0)
    first, second = body["results"]
    assert first["open_now"] and first["closes_at"] == "18:00" and first["stock"] == 5
    assert not second["open_now"] and second["opens_later_today"] == "14:00"
    assert second["stock"] == 2
    for result in body["results"]:
        expected = walk_to(ENTRANCE_3, result["station_id"])
        assert abs(result["distance_m"] - expected) <= 1.0
        assert result["minutes"] == pytest.approx(expected / (4000 / 60), abs=0.1)
        assert result["route"]["type"] == "LineString"
    assert body["message"] is None
    assert body["item_label"] == "雨伞"
    assert body["time"].startswith("2025-06-02T10:00:00+08:00")


def test_pinned_clock_after_closing_offers_no_closed_station(api):
    api.at(MONDAY_19)
    body = nearest(api, ENTRANCE_3, item="umbrella").get_json()
    assert body["results"] == []
    # "请明天再来或电话联系" gave neither a station nor a number: the nearest closed one is named
    # with its walk (the reference walk), when it opens next (PS-A: weekdays 08:00-18:00, so
    # Tuesday; PS-B: daily 14:00) and its phone
    nearer = min(("PS-A", "PS-B"), key=lambda sid: walk_to(ENTRANCE_3, sid))
    name, opens = {"PS-A": ("风格城市党群服务站", "明天 08:00"),
                   "PS-B": ("北街党群服务站", "明天 14:00")}[nearer]
    message = body["message"]
    assert message.startswith("步行 2000 米内存有雨伞的服务站今天都已关门或不再开放。"
                              f"最近的是{name}（步行 ")
    walked = float(message.split("（步行 ")[1].split(" 米")[0])
    assert abs(walked - walk_to(ENTRANCE_3, nearer)) <= 1.0
    assert message.endswith(f" 米），{opens} 开门，电话 0551-6500000{nearer[-1]}")
    anything = nearest(api, ENTRANCE_3).get_json()
    assert [r["station_id"] for r in anything["results"]] == ["RP-A"]  # 24 h
    assert anything["results"][0]["open_now"] and anything["results"][0]["closes_at"] is None


def test_saturday_station_closed_all_day_is_not_offered(api):
    api.at(SATURDAY_10)
    body = nearest(api, ENTRANCE_3, item="umbrella").get_json()
    assert [(r["station_id"], r["open_now"], r["opens_later_today"]) for r in body["results"]] == [
        ("PS-B", False, "14:00")
    ]


def test_early_morning_open_station_before_nearer_ones_opening_later(api):
    api.at(datetime(2025, 6, 2, 7, 0, tzinfo=SHANGHAI))
    assert walk_to(ENTRANCE_3, "PS-A") < walk_to(ENTRANCE_3, "RP-A")
    anything = nearest(api, ENTRANCE_3, k=1).get_json()["results"]
    assert [(r["station_id"], r["open_now"]) for r in anything] == [("RP-A", True)]
    three = nearest(api, ENTRANCE_3, k=3).get_json()["results"]
    assert [(r["station_id"], r["opens_later_today"]) for r in three] == [
        ("RP-A", None),
        ("PS-A", "08:00"),
        ("PS-B", "14:00"),
    ]
    umbrella = nearest(api, ENTRANCE_3, item="umbrella", k=1).get_json()["results"]
    assert [(r["station_id"], r["opens_later_today"]) for r in umbrella] == [("PS-A", "08:00")]


def test_current_stock_decides(api, monkeypatch):
    from geo_app.web.views import public_api

    levels = {"PS-A": {"umbrella": 0}, "PS-B": {"umbrella": 1}, "RP-A": {"umbrella": 7}}
    monkeypatch.setattr(public_api, "get_stock_levels", lambda: levels)
    body = nearest(api, ENTRANCE_3, item="umbrella").get_json()
    assert [(r["station_id"], r["stock"]) for r in body["results"]] == [("RP-A", 7), ("PS-B", 1)]


def test_item_kind_k_and_speed(api):
    rest = nearest(api, ENTRANCE_3, kind="rest_post").get_json()
    assert [r["station_id"] for r in rest["results"]] == ["RP-A"]
    assert rest["results"][0]["kind_label"] == "歇歇角"
    bank = nearest(api, ENTRANCE_3, item="power_bank").get_json()
    assert [r["station_id"] for r in bank["results"]] == ["RP-A"]
    one = nearest(api, ENTRANCE_3, k=1).get_json()
    assert [r["station_id"] for r in one["results"]] == ["PS-A"]
    slow = nearest(api, ENTRANCE_3, k=1, speed=3).get_json()["results"][0]
    assert slow["minutes"] == pytest.approx(walk_to(ENTRANCE_3, "PS-A") / 50, abs=0.1)


def test_nobody_has_it_says_so_with_the_real_limit(api):
    body = nearest(api, ENTRANCE_3, item="wheelchair").get_json()
    assert body["results"] == []
    assert body["message"] == "步行 2000 米内没有存有轮椅的服务站"


def test_search_limit_comes_from_config(layout_app_factory):
    app = layout_app_factory(NEAREST_MAX_DISTANCE_M=300)
    app.config["CLOCK"] = lambda: MONDAY_10
    lon, lat = lonlat(*ENTRANCE_3)
    body = (
        app.test_client()
        .get("/api/nearest", query_string={"lon": lon, "lat": lat, "item": "power_bank"})
        .get_json()
    )
    assert walk_to(ENTRANCE_3, "RP-A") > 300  # the only power bank is beyond the limit
    assert body["results"] == [] and body["max_distance_m"] == 300
    assert body["message"] == "步行 300 米内没有存有充电宝的服务站"


# ------------------------------------------------------------------ gates, not fences


def _route_xy(result: dict) -> LineString:
    return LineString([plan_xy(lon, lat) for lon, lat in result["route"]["coordinates"]])


FENCE_WITHOUT_GATE = FENCE.boundary.difference(Point(200, 20).buffer(3))


@pytest.mark.parametrize(
    ("start", "item", "moment", "station", "hand_walk_m"),
    [
        # inside, 8 m from the north fence, to PS-B 30 m beyond it: out by the south gate
        ((200, 212), "sewing_kit", MONDAY_15, "PS-B", 762),
        # outside, 12 m north of the fence, to PS-A inside: round to the gate and in
        ((180, 232), "first_aid_kit", MONDAY_10, "PS-A", 808),
    ],
)
def test_walk_goes_through_the_gate_not_over_the_fence(
    api, start, item, moment, station, hand_walk_m
):
    api.at(moment)
    body = nearest(api, start, item=item, k=1).get_json()
    (result,) = body["results"]
    assert result["station_id"] == station
    assert abs(result["distance_m"] - hand_walk_m) <= 1.0
    assert abs(result["distance_m"] - walk_to(start, station)) <= 1.0
    straight = Point(start).distance(Point(STATION_XY[station]))
    assert result["distance_m"] > 4 * straight
    route = _route_xy(result)
    assert route.distance(Point(GATE_XY)) < 3.0  # passes through the gate
    assert not route.intersects(FENCE_WITHOUT_GATE)  # never over the fence
    assert Point(route.coords[0]).distance(Point(start)) < 0.5
    assert Point(route.coords[-1]).distance(Point(STATION_XY[station])) < 0.5
    assert abs(route.length - result["distance_m"]) <= 1.5


# ------------------------------------------------------------------ stations and buildings


def test_stations_list_states_stock_and_no_personal_data(api):
    body = api.get("/api/stations").get_json()
    by_id = {s["station_id"]: s for s in body["stations"]}
    assert set(by_id) == {"PS-A", "PS-B", "RP-A"}
    assert by_id["PS-A"]["open_now"] and by_id["PS-A"]["items"] == {
        "umbrella": 5,
        "first_aid_kit": 2,
    }
    assert by_id["PS-B"]["opens_later_today"] == "14:00"
    assert by_id["RP-A"]["hours"] == "24 小时开放"
    assert by_id["PS-A"]["hours"] == "周一至周五 08:00-18:00；周六、周日 休息"
    assert {i["item"]: i["stations"] for i in body["items"]} == {
        "umbrella": 2,
        "first_aid_kit": 1,
        "sewing_kit": 1,
        "drinking_water": 1,
        "power_bank": 1,
    }
    text = api.get("/api/stations").get_data(as_text=True)
    assert "张三" not in text and "grid_id" not in text  # the grid leader's name stays private


@pytest.mark.parametrize(
    "query", ["风格城市3栋", "风格城市 ３ 栋", "风格城市3号楼", " 风格城市   3栋 "]
)
def test_building_search_tolerates_spaces_and_full_width(api, query):
    places = api.get("/api/buildings", query_string={"q": query}).get_json()["places"]
    assert places[0]["name"] == "风格城市 3栋"
    assert plan_xy(places[0]["lon"], places[0]["lat"]) == pytest.approx(ENTRANCE_3, abs=0.1)


def test_building_search_finds_the_compound_then_its_buildings_in_order(api):
    places = api.get("/api/buildings", query_string={"q": "风格"}).get_json()["places"]
    assert [(p["kind"], p["name"]) for p in places] == [
        ("compound", "风格城市"),
        ("building", "风格城市 1栋"),
        ("building", "风格城市 2栋"),
        ("building", "风格城市 3栋"),
    ]
    # 2栋 has no entrance: its centroid (240, 50) is the point to walk from
    assert plan_xy(places[2]["lon"], places[2]["lat"]) == pytest.approx((240, 50), abs=0.1)
    assert "households" not in str(places) and "residents" not in str(places)
    assert api.get("/api/buildings", query_string={"q": "没有这个"}).get_json()["places"] == []


# ------------------------------------------------------------------ bad input


FAR_AWAY = lonlat(4000, 0)


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ({}, "lon", "缺少参数 lon"),
        ({"lon": "117.26"}, "lat", "缺少参数 lat"),
        ({"lon": "abc", "lat": "31.96"}, "lon", "参数 lon 应为数字，实际为 “abc”"),
        ({"lon": "117.26", "lat": "北纬31度"}, "lat", "应为数字"),
        ({"lon": "nan", "lat": "31.96"}, "lon", "有限的数字"),
        ({"lon": "inf", "lat": "31.96"}, "lon", "有限的数字"),
        ({"lon": "200", "lat": "31.96"}, "lon", "超出范围：应在 -180 至 180 之间，实际为 200"),
        ({"lon": "31.96", "lat": "117.26"}, "lat", "经纬度是否写反了"),
        ({"lon": "117.26", "lat": "31.96", "item": "spoon"}, "item", "umbrella（雨伞）"),
        ({"lon": "117.26", "lat": "31.96", "kind": "shop"}, "kind", "rest_post（歇歇角）"),
        ({"lon": "117.26", "lat": "31.96", "k": "0"}, "k", "应在 1 至 10 之间，实际为 0"),
        ({"lon": "117.26", "lat": "31.96", "k": "11"}, "k", "应在 1 至 10 之间"),
        ({"lon": "117.26", "lat": "31.96", "k": "2.5"}, "k", "参数 k 应为整数"),
        ({"lon": "117.26", "lat": "31.96", "speed": "0"}, "speed", "应在 1 至 8 之间"),
        ({"lon": "117.26", "lat": "31.96", "lng": "117"}, "lng", "未知参数 lng"),
        ({"lon": ["117.26", "117.27"], "lat": "31.96"}, "lon", "只能出现一次"),
        ({"lon": FAR_AWAY[0], "lat": FAR_AWAY[1]}, "lon/lat", "不在社区步行网络范围内"),
    ],
)
def test_bad_nearest_input_is_400_naming_the_parameter(api, query, parameter, message):
    response = api.get("/api/nearest", query_string=query)
    assert_api_refusal(response, parameter, message)


def test_point_too_far_reports_its_distance(api):
    body = api.get("/api/nearest", query_string={"lon": FAR_AWAY[0], "lat": FAR_AWAY[1]}).get_json()
    # (4000, 0) is 3600 m east of 东街 (x = 400), the nearest path
    assert body["distance_m"] == pytest.approx(3600, abs=1)
    assert body["limit_m"] == 300
    assert "约 3600 米" in body["error"]


@pytest.mark.parametrize(
    ("query", "message"),
    [({}, "缺少参数 q"), ({"q": "   "}, "缺少参数 q"), ({"q": "楼" * 51}, "太长")],
)
def test_bad_building_search_is_400(api, query, message):
    response = api.get("/api/buildings", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["parameter"] == "q"
    assert message in response.get_json()["error"]


def test_unknown_routes_and_methods_answer_json(api):
    missing = api.get("/api/nowhere")
    assert missing.status_code == 404 and missing.is_json
    assert "没有这个接口" in missing.get_json()["error"]
    post = api.post("/api/nearest")
    assert post.status_code == 405 and post.is_json
    assert "GET" in post.headers["Allow"]
    assert api.get("/api/stations", query_string={"x": "1"}).status_code == 400
    page = api.get("/no-such-page")
    assert page.status_code == 404 and not page.is_json  # pages keep HTML errors


def test_an_unexpected_failure_answers_json_without_a_traceback(layout_app_factory, monkeypatch):
    app = layout_app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    def broken():
        msg = "store down"
        raise RuntimeError(msg)

    from geo_app.web.views import public_api

    monkeypatch.setattr(public_api, "get_stock_levels", broken)
    response = app.test_client().get("/api/stations")
    assert response.status_code == 500 and response.is_json
    assert "Traceback" not in response.get_data(as_text=True)
    assert "store down" not in response.get_data(as_text=True)


_values = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-1000, 1000).map(str),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(["lon", "lat", "item", "kind", "k", "speed", "q", "x"]), _values, max_size=5
    ),
    route=st.sampled_from(["/api/nearest", "/api/buildings", "/api/stations"]),
)
def test_no_input_makes_the_api_fail(api, query, route):
    response = api.get(route, query_string=query)
    assert response.status_code in (200, 400)
    body = response.get_json()
    if response.status_code == 400:
        assert body["error"] and "parameter" in body
