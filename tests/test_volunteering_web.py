"""微活动 and 微积分 over HTTP: the station tablet's JSON, who sees which volunteer, what the
public pages show, and the organiser's path from a talk to a redeemed bottle in Chromium."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.accounts import add_accounts, login
from support.activities import signed_up_activity
from support.apps import make_grid_app
from support.refusals import assert_api_refusal

from geo_app.store import get_store
from geo_app.volunteering.activities import Place, check_in, confirm_hours
from geo_app.volunteering.goods import add_goods, move_goods
from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.registry import get_volunteer, register_volunteer, set_pin

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
STATIONS = ("S-1", "S-2")
#: card → (name, phone, building): JN00001 lives in FG-1 (grid JN-01), JN00002 in HY-1 (JN-02).
PEOPLE = {
    "JN00001": ("赵一鸣", "13900000001", "FG-1"),
    "JN00002": ("钱二丫", "13900000002", "HY-1"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("volunteering"), WTF_CSRF_ENABLED=False,
                        CLOCK=lambda: NOW)
    add_accounts(app)
    with app.app_context(), get_store().write() as db:
        for name, phone, building in PEOPLE.values():
            volunteer = register_volunteer(db, name=name, phone=phone, building_id=building,
                                           known_buildings={"FG-1", "HY-1"}, actor="test")
            set_pin(db, volunteer, "246810", actor="test")
        add_goods(db, goods_id="dish_soap", name="洗洁精", unit="瓶", points=20, actor="t")
        move_goods(db, "S-1", "dish_soap", kind="received", quantity=3, actor="t",
                   known_stations=STATIONS)
        post_entry(db, get_volunteer(db, "JN00001"), kind="earn", points=30, actor="t",
                   reason="测试", ref="test")
    return app


_LOGGED_IN: dict[tuple[int, str], object] = {}


def _client(app, username: str | None = None):
    """A fresh anonymous client, or the module's one logged-in client of ``username`` (logins
    are rate limited, as in production)."""
    if username is None:
        return app.test_client()
    key = (id(app), username)
    if key not in _LOGGED_IN:
        client = app.test_client()
        assert login(client, username).status_code == 302
        _LOGGED_IN[key] = client
    return _LOGGED_IN[key]


def test_a_redemption_by_the_station_tablet(app):
    steward = _client(app, "steward1")  # 红色小管家 of JN-01, where S-1 is
    body = {"card": "JN00001", "station": "S-1", "goods": "dish_soap", "quantity": 1}
    answer = steward.post("/api/redemptions", json=body)
    assert answer.status_code == 201
    assert (answer.json["balance_after"], answer.json["stock_after"]) == (10, 2)  # 30−20, 3−1
    refused = steward.post("/api/redemptions", json=body)  # 10 points left, a bottle costs 20
    assert refused.status_code == 409
    assert refused.json["parameter"] == "points" and "积分不足" in refused.json["error"]
    other = steward.post("/api/redemptions", json={**body, "station": "S-2"})  # not their grid
    assert other.status_code == 403 and set(other.json) == {"error", "parameter"}


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"card": "JN00001", "station": "S-1", "goods": "dish_soap", "quantity": 2.7}, "quantity"),
        ({"card": "JN00001", "station": "S-1", "goods": "dish_soap", "quantity": True},
         "quantity"),
        ({"card": "JN00001", "station": "S-1", "goods": "dish_soap", "quantity": 10**30},
         "quantity"),
        ({"card": "JN00001", "station": "S-1", "goods": "soap", "quantity": 1}, "goods"),
        ({"card": "JN99999", "station": "S-1", "goods": "dish_soap", "quantity": 1}, "card"),
        ([1, 2], "body"),
    ],
)
def test_bad_redemptions_name_the_parameter(app, body, parameter):
    answer = _client(app, "admin").post("/api/redemptions", json=body)
    assert_api_refusal(answer, parameter, status=(400, 404))


def test_volunteers_are_seen_only_in_scope(app):
    cards = {u: {v["card"] for v in _client(app, u).get("/api/volunteers").json}
             for u in ("admin", "steward1", "organiser1")}
    assert cards == {"admin": {"JN00001", "JN00002"}, "steward1": {"JN00001"},
                     "organiser1": set()}
    steward = _client(app, "steward1")
    assert steward.get("/api/volunteers/JN00002/points").status_code == 404
    assert steward.get("/organise/volunteers/JN00002").status_code == 404
    for username in ("leader1", "member1", "rep1"):
        assert _client(app, username).get("/api/volunteers").status_code == 403
    assert _client(app).get("/api/volunteers").status_code == 401


def test_an_organiser_sees_the_volunteers_of_their_own_activity(app):
    with app.app_context(), get_store().write() as db:
        activity_id = signed_up_activity(
            db, card="JN00002", title="法律服务讲座", kind="talk", topic="法律服务",
            place=Place("station", "S-2", "和园歇歇角", 117.263, 31.9615),
            starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=2),
            signed_up_at=NOW, points_per_hour=5, points_per_attendance=5,
            organiser="organiser1",
        )
    organiser = _client(app, "organiser1")
    assert {v["card"] for v in organiser.get("/api/volunteers").json} == {"JN00002"}
    page = organiser.get(f"/organise/activities/{activity_id}").get_data(as_text=True)
    assert "钱二丫" in page and "13900000002" in page
    # another organiser's activity (the steward's view of it) is not theirs
    assert _client(app, "steward1").get(f"/organise/activities/{activity_id}").status_code == 404


def test_public_pages_carry_no_volunteer_data(app):
    client = _client(app)
    secrets = {name for name, _, _ in PEOPLE.values()} | {p for _, p, _ in PEOPLE.values()}
    for url in ("/activities", "/api/activities", "/api/goods", "/me"):
        body = client.get(url).get_data(as_text=True)
        assert not [s for s in secrets if s in body], url


def test_a_volunteer_reads_their_own_points_with_their_pin(app):
    client = _client(app)
    wrong = client.post("/me", data={"card": "JN00002", "pin": "000000"})
    assert wrong.status_code == 401 and "卡号或查询密码不正确" in wrong.get_data(as_text=True)
    assert client.post("/me", data={"card": "jn00002", "pin": "246810"}).status_code == 302
    page = client.get("/me")
    assert "钱二丫" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_check_in_json_is_idempotent_and_says_why_it_fails(app):
    with app.app_context(), get_store().write() as db:
        activity_id = signed_up_activity(
            db, card="JN00001", title="环境卫生整治",
            place=Place("square", None, "风格城市广场议事角", 117.261, 31.9605),
            starts_at=NOW - timedelta(minutes=30), ends_at=NOW + timedelta(hours=1),
            signed_up_at=NOW - timedelta(days=1),
        )
    steward = _client(app, "steward1")
    url = f"/api/activities/{activity_id}/checkins"
    assert steward.post(url, json={"card": "JN00001"}).status_code == 201
    again = steward.post(url, json={"card": "JN00001"})
    assert again.status_code == 200 and again.json["repeat"] is True
    refused = steward.post(url, json={"card": "JN00002"})
    assert refused.status_code == 409 and "没有报名" in refused.json["error"]
    page = steward.get(f"/organise/activities/{activity_id}").get_data(as_text=True)
    assert "JN00002：" in page and "没有报名本活动" in page  # the failed scan is logged
    with app.app_context(), get_store().write() as db:
        credited = confirm_hours(db, activity_id, {"JN00001": 90}, actor="steward1",
                                 cap_per_activity=50, cap_per_day=100, timezone=TZ)
    assert credited == {"JN00001": 15}  # 0 + 10 × 90 // 60


def test_check_in_by_the_volunteer_from_the_activity_qr(app):
    with app.app_context(), get_store().write() as db:
        activity_id = signed_up_activity(
            db, card="JN00002", title="亲子手工课",
            place=Place("station", "S-1", "风格城市党群服务站", 117.261, 31.9615),
            starts_at=NOW, ends_at=NOW + timedelta(hours=1), signed_up_at=NOW - timedelta(days=1),
            points_per_hour=0, points_per_attendance=5, organiser="admin",
        )
    client = _client(app)
    url = f"/activities/{activity_id}/checkin"
    client.post(url, data={"card": "JN00002", "pin": "246810"})
    assert "签到成功" in client.get(url).get_data(as_text=True)
    with app.app_context(), get_store().read() as db:
        assert check_in(db, activity_id, "JN00002", method="self", actor="x", now=NOW).repeat


def test_report_and_reach_periods_name_the_bad_parameter_and_read_full_width(app):
    organiser = _client(app, "organiser1")
    plain = organiser.get("/organise/report.json?year=2026&month=12")
    wide = organiser.get("/organise/report.json?year=２０２６&month=１２")
    assert plain.status_code == wide.status_code == 200 and plain.json == wide.json
    for query, parameter in (("year=1999", "year"), ("month=13", "month"), ("year=abc", "year"),
                             ("month=0&year=2026", "month")):
        answer = organiser.get(f"/organise/report.json?{query}")
        assert_api_refusal(answer, parameter)
    # the clock says 2026-12-01: the default quarter is the fourth; a full-width ４ is the same
    assert "2026 年第 4 季度" in organiser.get("/organise/reach").get_data(as_text=True)
    assert "2026 年第 4 季度" in organiser.get("/organise/reach?quarter=４").get_data(as_text=True)
    assert "2025 年第 1 季度" in organiser.get(
        "/organise/reach?year=2025&quarter=1").get_data(as_text=True)
    refused = organiser.get("/organise/reach?quarter=5")
    assert refused.status_code == 400 and "quarter" in refused.get_data(as_text=True)
