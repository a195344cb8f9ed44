"""Sending views: validation, duplicates nearby (50 m in metres), +1, limits per address and per
device, CSRF, and no personal data in any public answer."""

from __future__ import annotations

import pytest
from pyproj import Geod
from support.accounts import logged_in
from support.governance import (
    CONTACT_NAME,
    CONTACT_PHONE,
    IN_JN01,
    governance_app,
    make_view,
)
from support.grid_community import LAT, LON
from support.refusals import assert_api_refusal

from geo_app.governance.duplicates import open_views_near
from geo_app.governance.views import Step
from geo_app.store import get_store
from geo_app.web.access import PUBLIC, policy_of

GEOD = Geod(ellps="WGS84")  # an independent measure of metres on the ground


def moved(point: tuple[float, float], azimuth: float, metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(point[0], point[1], azimuth, metres)
    return lon, lat


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("views_api"))


GOOD = {"lon": IN_JN01[0], "lat": IN_JN01[1], "category": "greening",
        "text": "花坛里的树被砍了好几棵", "name": "李阿姨", "phone": "0551-66128801"}


def test_a_view_is_created_with_a_code_and_routed(app):
    response = app.test_client().post("/api/views", json=GOOD)
    assert response.status_code == 201
    body = response.get_json()
    assert body["grid_id"] == "JN-01" and body["status"] == "submitted"
    assert len(body["code"]) == 10 and body["code"].isalnum()
    status = app.test_client().get(f"/api/views/{body['code'].lower()}").get_json()
    assert status["state"] == "submitted" and status["text"] == GOOD["text"]
    # greening is due within 120 hours of sending (config VIEW_CATEGORIES)
    assert status["due_at"] == "2025-06-07T02:00:00+00:00"


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"lon": None}, "lon"),
        ({"lon": "117.26"}, "lon"),
        ({"lon": 200}, "lon"),
        ({"lat": True}, "lat"),
        ({"category": "parking"}, "category"),
        ({"text": "短"}, "text"),
        ({"text": "长" * 501}, "text"),
        ({"text": 12345}, "text"),
        ({"name": "名" * 21}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "1391234567a"}, "phone"),
        ({"email": "a@b.c"}, "email"),
    ],
)
def test_bad_fields_are_400_naming_the_field(app, change, parameter):
    body = {**GOOD, **change}
    assert_api_refusal(app.test_client().post("/api/views", json=body), parameter)


def test_a_body_that_is_not_a_json_object_is_refused(app):
    client = app.test_client()
    for response in (client.post("/api/views", data="lon=1"),
                     client.post("/api/views", json=[1, 2])):
        assert response.status_code == 400 and "JSON" in response.get_json()["error"]


def test_open_views_of_the_same_category_within_50_m_are_found_60_m_not(tmp_path):
    app = governance_app(tmp_path)
    here = IN_JN01
    make_view(app, point=here, category="roads", steps=(Step("published"),))
    with app.app_context(), get_store().read() as db:
        for azimuth in (0, 90, 180, 270, 45):
            near = moved(here, azimuth, 49.5)
            far = moved(here, azimuth, 60)
            found = open_views_near(db, *near, category="roads", radius_m=50)
            assert len(found) == 1 and found[0].distance_m == pytest.approx(49.5, abs=0.05)
            assert open_views_near(db, *far, category="roads", radius_m=50) == []
            assert open_views_near(db, *near, category="noise", radius_m=50) == []
    client = app.test_client()
    query = {"lon": moved(here, 90, 45)[0], "lat": here[1], "category": "roads"}
    nearby = client.get("/api/views/nearby", query_string=query).get_json()
    assert nearby["radius_m"] == 50 and len(nearby["views"]) == 1
    assert nearby["views"][0]["distance_m"] == pytest.approx(45, abs=0.05)
    assert CONTACT_NAME not in str(nearby) and CONTACT_PHONE not in str(nearby)


def test_only_published_open_views_are_offered(tmp_path):
    app = governance_app(tmp_path)
    make_view(app, category="noise")  # not reviewed yet
    make_view(app, category="noise", steps=(Step("hidden", note="含住址"),))
    answered = (Step("published"), Step("accepted"), Step("assigned", assignee="物业"),
                Step("in_progress"), Step("answered", note="已处理"))
    make_view(app, category="noise", steps=answered)
    query = {"lon": IN_JN01[0], "lat": IN_JN01[1], "category": "noise"}
    assert app.test_client().get("/api/views/nearby", query_string=query).get_json()["views"] == []


def test_plus_one_once_per_device(tmp_path):
    app = governance_app(tmp_path)
    view_id, _ = make_view(app, steps=(Step("published"),))
    hidden_id, _ = make_view(app)
    client = app.test_client()
    assert client.post(f"/api/views/{view_id}/support").get_json()["supporters"] == 1
    again = client.post(f"/api/views/{view_id}/support")
    assert again.status_code == 429
    assert app.test_client().post(f"/api/views/{view_id}/support").get_json()["supporters"] == 2
    assert client.post(f"/api/views/{hidden_id}/support").status_code == 404


def test_the_rate_limit_per_address_bites(tmp_path):
    app = governance_app(tmp_path, VIEW_RATE_LIMIT="3 per minute")
    codes = []
    for _ in range(3):
        client = app.test_client()  # a new device each time: only the address is counted
        response = client.post("/api/views", json=GOOD)
        assert response.status_code == 201
        codes.append(response.get_json()["code"])
    blocked = app.test_client().post("/api/views", json=GOOD)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    # it said 为防止他人猜测密码 (the PIN limits' words) on a form with no password
    assert blocked.get_json() == {"parameter": None, "error": (
        "提交太频繁：同一网络的意见、照片和 +1 合计，每 1 分钟最多 3 次。请 1 分钟后再试。")}
    hourly = governance_app(tmp_path / "hourly", VIEW_RATE_LIMIT="1 per hour")
    assert hourly.test_client().post("/api/views", json=GOOD).status_code == 201
    again = hourly.test_client().post("/api/views", json=GOOD)
    assert again.headers["Retry-After"] == "3600"  # it said 60 whatever the limit
    assert "每 1 小时最多 1 次。请 1 小时后再试。" in again.get_json()["error"]
    with app.app_context(), get_store().read() as db:
        from geo_app.store.governance_models import View

        assert db.query(View).count() == 3


def test_the_budget_per_device_bites(tmp_path):
    app = governance_app(tmp_path, VIEW_DEVICE_DAILY_BUDGET=2)
    phone = app.test_client()
    assert [phone.post("/api/views", json=GOOD).status_code for _ in range(2)] == [201, 201]
    third = phone.post("/api/views", json=GOOD)
    assert (third.status_code, third.get_json()["parameter"]) == (429, "device")
    # a forged cookie is a new device, not someone else's budget
    forged = app.test_client()
    forged.set_cookie("jn_device", "not-signed")
    assert forged.post("/api/views", json=GOOD).status_code == 201


def test_posts_need_the_csrf_token_from_the_page(tmp_path):
    from support.apps import make_grid_app

    app = make_grid_app(tmp_path)  # CSRF on, as in production
    client = app.test_client()
    refused = client.post("/api/views", json=GOOD)
    assert (refused.status_code, refused.get_json()["parameter"]) == (400, "csrf_token")
    assert refused.get_json()["error"] == (  # Flask-WTF's English reason, said in Chinese
        "页面已过期或缺少安全校验（CSRF）：请求缺少安全校验令牌，请刷新页面后重试")
    page = client.get("/views/new").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    accepted = client.post("/api/views", json=GOOD, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def _public_urls(app, *, code: str, view_id: int, item_id: int) -> list[str]:
    values = {"code": code, "view_id": view_id, "item_id": item_id}
    urls = []
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or PUBLIC not in (policy_of(rule.endpoint) or ()):
                continue
            if "GET" not in rule.methods or set(rule.arguments) - set(values):
                continue
            urls.append(rule.build({k: values[k] for k in rule.arguments})[1])
    return urls


def test_contact_is_never_in_any_public_answer(tmp_path):
    app = governance_app(tmp_path)
    answered = (Step("published"), Step("accepted"), Step("assigned", assignee="物业"),
                Step("in_progress"), Step("answered", note="已修复"))
    view_id, code = make_view(app, steps=answered)
    make_view(app, steps=(Step("published"),))
    leader = logged_in(app, "leader1")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-06-01T19:30", "topic": "绿化议事",
        "place_name": "广场议事角", "lon": IN_JN01[0], "lat": IN_JN01[1], "view_ids": [view_id],
    }).get_json()
    item = leader.post(f"/api/meetings/{meeting['id']}/decisions", json={
        "title": "补种树木", "category": "greening", "owner": "物业公司",
        "budget_source": "居民自筹"}).get_json()
    client = app.test_client()
    urls = _public_urls(app, code=code, view_id=view_id, item_id=item["id"])
    urls += [f"/api/views/nearby?lon={IN_JN01[0]}&lat={IN_JN01[1]}&category=environment",
             f"/v?code={code}"]
    answered_ok = 0
    for url in urls:
        response = client.get(url, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 400), url  # 400: a search without its query
        answered_ok += response.status_code == 200
        assert CONTACT_NAME not in body and CONTACT_PHONE not in body, url
    assert answered_ok >= 10
    sent = client.post("/api/views", json={**GOOD, "name": "赵先生", "phone": "13700001111"})
    assert "赵先生" not in sent.get_data(as_text=True)
    # the grid's staff see it; another grid's leader and a building member do not
    mine = leader.get("/api/my/views").get_json()["views"]
    assert {"name": CONTACT_NAME, "phone": CONTACT_PHONE} in [v["contact"] for v in mine]
    for username in ("leader2", "member1", "rep1"):
        body = logged_in(app, username).get("/api/my/views").get_data(as_text=True)
        assert CONTACT_PHONE not in body, username


def test_building_roles_see_published_views_of_their_buildings_without_contact(tmp_path):
    app = governance_app(tmp_path)
    fg1 = (LON + 0.00045, LAT + 0.00065)
    published, _ = make_view(app, point=fg1, building_id="FG-1", steps=(Step("published"),))
    make_view(app, point=fg1, building_id="FG-1")  # not reviewed
    make_view(app, building_id="FG-2", steps=(Step("published"),))
    listed = logged_in(app, "member1").get("/api/my/views").get_json()
    assert [v["id"] for v in listed["views"]] == [published]
    assert listed["views"][0]["contact"] is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"phone": "abc"}, "电话（phone）的格式不对：“abc”"),
        ({"text": "短"}, "内容（text）太短（至少 5 个字符）"),
        ({"name": "名" * 21}, "称呼（name）太长（最多 20 个字符）"),
        ({"category": "parking"}, "类别（category）的取值 “parking” 无效"),
        ({"text": 12345}, "内容（text）应为字符串"),
    ],
)
def test_a_residents_mistake_is_named_by_the_forms_word(app, change, words):
    """/views/new shows these messages to residents: the field by its label, not only its
    API name ("参数 phone 的格式不对" read as English to a resident)."""
    answer = app.test_client().post("/api/views", json={**GOOD, **change})
    assert answer.status_code == 400 and answer.json["error"].startswith(words), answer.json
