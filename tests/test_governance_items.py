"""Meetings decide governance items; an item knows which buildings lie within a walk of its place
and how many of its views came from them; the public board shows published items."""

from __future__ import annotations

import pytest
from pyproj import Geod
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view
from support.grid_community import LAT, LON
from support.refusals import assert_api_refusal

from geo_app.governance.views import Step

GEOD = Geod(ellps="WGS84")
STREET_LAT = LAT + 0.001  # the one street of the tiny community
PLACE = (LON + 0.0005, STREET_LAT)  # the proposed charging point, on the street
CENTROID_LAT = LAT + 0.00065  # every building is a 0.0003° square from LAT + 0.0005
CENTROID_LON = {"FG-1": LON + 0.00045, "FG-2": LON + 0.00095, "FG-3": LON + 0.00145,
                "HY-1": LON + 0.00245, "HY-2": LON + 0.00295}


def expected_walk_m(building: str) -> float:
    """Along the street to the foot of the building's centroid, then the straight leg to it —
    measured on the ellipsoid (pyproj.Geod), independently of the engine's projection."""
    lon = CENTROID_LON[building]
    along = GEOD.inv(PLACE[0], STREET_LAT, lon, STREET_LAT)[2]
    leg = GEOD.inv(lon, STREET_LAT, lon, CENTROID_LAT)[2]
    return along + leg


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("items"), ITEM_WALK_RADIUS_M=200.0)


@pytest.fixture(scope="module")
def decided(app):
    """A meeting in JN-01 on three views from FG-1 (2) and FG-3 (1), and one pinned in the open,
    deciding "增设充电桩" at PLACE."""
    fg = {b: (CENTROID_LON[b], CENTROID_LAT) for b in CENTROID_LON}
    ids = [make_view(app, point=fg["FG-1"], building_id="FG-1", category="parking_charging",
                     steps=(Step("published"),))[0] for _ in range(2)]
    ids.append(make_view(app, point=fg["FG-3"], building_id="FG-3",
                         category="parking_charging")[0])
    ids.append(make_view(app, point=IN_JN01, category="parking_charging")[0])
    leader = logged_in(app, "leader1")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "充电难议事",
        "place_name": "金大姐聊天室", "lon": PLACE[0], "lat": PLACE[1],
        "attendees": ["张书记", "业主代表 王"], "minutes": "同意在路边增设充电桩", "view_ids": ids,
    })
    assert meeting.status_code == 201, meeting.get_json()
    item = leader.post(f"/api/meetings/{meeting.get_json()['id']}/decisions", json={
        "title": "增设充电桩", "category": "parking_charging", "owner": "共建单位（供电所）",
        "budget_source": "共建单位", "lon": PLACE[0], "lat": PLACE[1],
    })
    assert item.status_code == 201, item.get_json()
    return meeting.get_json(), item.get_json(), ids


def test_buildings_within_the_walk_radius_and_the_views_from_them(decided):
    _, item, _ = decided
    reach = item["reach"]
    assert reach["radius_m"] == 200
    assert [b["id"] for b in reach["buildings"]] == ["FG-1", "FG-2", "FG-3"]
    for building in reach["buildings"]:
        assert building["distance_m"] == pytest.approx(expected_walk_m(building["id"]), abs=0.5)
    # HY-1 is 188 m away in a straight line but 223 m on foot: not within a 200 m walk
    straight = GEOD.inv(PLACE[0], PLACE[1], CENTROID_LON["HY-1"], CENTROID_LAT)[2]
    assert straight < 200 < expected_walk_m("HY-1")
    assert {b["id"]: b["views"] for b in reach["buildings"]} == {"FG-1": 2, "FG-2": 0, "FG-3": 1}
    assert reach["views_from_reached"] == 3  # the fourth view came from no building
    assert item["views"] == 4
    # on the map: only the two views moderation published
    assert [(p["lon"], p["lat"]) for p in item["view_points"]] == [
        (round(CENTROID_LON["FG-1"], 6), round(CENTROID_LAT, 6))] * 2


def test_the_reach_is_computed_once_per_item(app, decided, monkeypatch):
    _, item, _ = decided

    def no_walking(place):
        raise AssertionError("the reach was computed again")

    monkeypatch.setattr("geo_app.web.governance_support.item_reach", no_walking)
    leader = logged_in(app, "leader1")
    updated = leader.post(f"/api/items/{item['id']}/updates",
                          json={"status": "in_progress", "progress": 40, "note": "已选址施工"})
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["reach"] == item["reach"]
    assert app.test_client().get(f"/api/items/{item['id']}").status_code == 200


def test_the_public_board_shows_progress_views_and_timeline(app, decided):
    meeting, item, _ = decided
    board = app.test_client().get("/api/items").get_json()["items"]
    listed = next(i for i in board if i["id"] == item["id"])
    assert (listed["title"], listed["views"]) == ("增设充电桩", 4)
    page = app.test_client().get(f"/items/{item['id']}").get_data(as_text=True)
    assert "增设充电桩" in page and 'data-building-id="FG-3"' in page
    detail = app.test_client().get(f"/api/items/{item['id']}").get_json()
    assert detail["timeline"][0]["note"] == "充电难议事议定"
    assert "minutes" not in str(detail) and "张书记" not in str(detail)
    assert "增设充电桩" in app.test_client().get("/items").get_data(as_text=True)
    staff = logged_in(app, "leader1").get(f"/staff/meetings/{meeting['id']}")
    assert "同意在路边增设充电桩" in staff.get_data(as_text=True)


def test_an_unpublished_item_is_not_public(app, decided):
    meeting, _, _ = decided
    leader = logged_in(app, "leader1")
    hidden = leader.post(f"/api/meetings/{meeting['id']}/decisions", json={
        "title": "内部协调事项", "category": "other", "owner": "社区居委会",
        "budget_source": "社区党建项目", "published": False}).get_json()
    assert app.test_client().get(f"/api/items/{hidden['id']}").status_code == 404
    assert hidden["id"] not in [i["id"] for i in app.test_client().get("/api/items")
                                .get_json()["items"]]
    assert hidden["id"] in [i["id"] for i in leader.get("/api/my/items").get_json()["items"]]
    assert logged_in(app, "leader2").post(f"/api/items/{hidden['id']}/updates",
                                          json={"progress": 50}).status_code == 404


def test_a_decision_moves_an_existing_item_on(app, decided):
    meeting, item, _ = decided
    leader = logged_in(app, "leader1")
    moved = leader.post(f"/api/meetings/{meeting['id']}/decisions",
                        json={"item_id": item["id"], "status": "done", "progress": 100,
                              "note": "验收通过"})
    assert moved.status_code == 200
    assert (moved.get_json()["status"], moved.get_json()["progress"]) == ("done", 100)
    assert moved.get_json()["timeline"][-1]["note"] == "验收通过"


@pytest.mark.parametrize(
    ("body", "status", "parameter"),
    [
        ({"kind": "party"}, 400, "kind"),
        ({"view_ids": [10_000]}, 400, "view_ids"),
        ({"held_at": "昨天"}, 400, "held_at"),
        ({"topic": "x"}, 400, "topic"),
        ({"grid_id": "JN-02"}, 403, "grid_id"),
        ({"attendees": "张书记"}, 400, "attendees"),
    ],
)
def test_bad_meetings_are_refused_naming_the_field(app, body, status, parameter):
    good = {"kind": "visit", "held_at": "2025-05-30T10:00", "topic": "入户走访",
            "place_name": "3栋", "lon": PLACE[0], "lat": PLACE[1]}
    response = logged_in(app, "leader1").post("/api/meetings", json={**good, **body})
    assert_api_refusal(response, parameter, status=status)


def test_a_view_of_another_grid_cannot_be_taken_up(app):
    other, _ = make_view(app, grid_id="JN-02", point=(LON + 0.003, LAT + 0.0015))
    response = logged_in(app, "leader1").post("/api/meetings", json={
        "kind": "visit", "held_at": "2025-05-30T10:00", "topic": "入户走访",
        "place_name": "3栋", "lon": PLACE[0], "lat": PLACE[1], "view_ids": [other]})
    assert (response.status_code, response.get_json()["parameter"]) == (400, "view_ids")


def test_meeting_pages_record_a_meeting_and_its_decision(app):
    leader = logged_in(app, "leader1")
    page = leader.get("/staff/meetings").get_data(as_text=True)
    assert "风格城市党群服务站" in page  # the grid's station is offered as a place
    response = leader.post("/staff/meetings", data={
        "kind": "meeting", "held_at": "2025-06-01T19:00", "topic": "晾衣架议事",
        "place": "station:S-1", "attendee": ["leader1"], "others": "居民代表 3 人",
        "minutes": "同意增设晾衣架"})
    assert response.status_code == 303
    meeting_url = response.headers["Location"]
    assert "同意增设晾衣架" in leader.get(meeting_url).get_data(as_text=True)
    decided = leader.post(meeting_url + "/decision", data={
        "title": "增设晾衣架", "category": "property", "owner": "业主委员会",
        "budget_source": "居民自筹", "status": "approved", "progress": "0", "published": "1"})
    assert decided.status_code == 303 and "/staff/items/" in decided.headers["Location"]
    assert "增设晾衣架" in app.test_client().get("/items").get_data(as_text=True)
