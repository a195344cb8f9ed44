"""QA pass as a resident, with the test client: what the public pages say.

A deep link to ``/views/new`` whose place, building or category cannot be used says so.
Times on ``/v/<code>`` and on an item's timeline are 北京时间 (the store keeps UTC), ids too big
for the database answer 404 rather than 500, a finished activity offers no sign-up, and the
points page keeps the card number after a wrong PIN and explains an empty record.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.governance import IN_JN01, MOMENT, OUTSIDE, decided_item, governance_app, make_view

from geo_app.governance.views import Step
from geo_app.store import get_store
from geo_app.volunteering.activities import Place, create_activity
from geo_app.volunteering.registry import register_volunteer, set_pin

# support.governance pins the clock at 2025-06-02 10:00 北京时间 = 02:00 UTC
LOCAL, UTC_DIGITS = "2025-06-02 10:00", "2025-06-02 02:00"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("qa_resident"))


def test_a_view_status_page_shows_beijing_time(app):
    _, code = make_view(app, steps=(Step("published"),))
    page = app.test_client().get(f"/v/{code}").get_data(as_text=True)
    assert f"提交于 {LOCAL}" in page
    assert page.count(LOCAL) == 3  # submitted, its log line, published
    assert UTC_DIGITS not in page


def test_an_item_timeline_shows_beijing_time(app):
    item_id = decided_item(app)
    page = app.test_client().get(f"/items/{item_id}").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"')[1]
    assert LOCAL in timeline and UTC_DIGITS not in timeline


@pytest.fixture(scope="module")
def activities(app):
    """A volunteer JN00001 (PIN 246810, no points yet), an activity that began half an hour
    ago and one in three days; their ids (started, coming)."""
    ids = []
    with app.app_context(), get_store().write() as db:
        volunteer = register_volunteer(db, name="赵一鸣", phone="13900000001", building_id="FG-1",
                                       known_buildings={"FG-1"}, actor="test")
        set_pin(db, volunteer, "246810", actor="test")
        starts = (("环境卫生整治", -timedelta(minutes=30)), ("亲子手工课", timedelta(days=3)))
        for title, start in starts:
            activity = create_activity(
                db, title=title, kind="service", topic=None,
                place=Place("square", None, "风格城市广场议事角", *IN_JN01),
                starts_at=MOMENT + start, ends_at=MOMENT + start + timedelta(hours=2),
                capacity=5, points_per_hour=10, points_per_attendance=0, audience=[],
                organiser="steward1",
            )
            ids.append(activity.id)
    return tuple(ids)


@pytest.mark.parametrize("path", ["/items/{n}", "/activities/{n}", "/activities/{n}/checkin"])
@pytest.mark.parametrize("number", [2**31, 10**30])
def test_an_id_too_big_for_the_database_is_not_found(app, path, number):
    answer = app.test_client().get(path.format(n=number))
    assert answer.status_code == 404  # was a 500 (OverflowError / integer out of range)
    assert "页面不存在" in answer.get_data(as_text=True)


def test_a_too_big_id_posted_to_a_sign_up_is_not_found(app):
    answer = app.test_client().post(f"/activities/{10**30}/signup",
                                    data={"card": "JN00001", "pin": "246810"})
    assert answer.status_code == 404


def test_a_started_activity_offers_no_sign_up_form(app, activities):
    started, coming = activities
    page = app.test_client().get(f"/activities/{started}").get_data(as_text=True)
    assert 'data-testid="signup-form"' not in page
    assert "本活动已开始，报名已截止。" in page
    page = app.test_client().get(f"/activities/{coming}").get_data(as_text=True)
    assert 'data-testid="signup-form"' in page and "报名已截止" not in page


def test_a_wrong_pin_keeps_the_card_and_an_empty_record_is_explained(app, activities):
    client = app.test_client()
    refused = client.post("/me", data={"card": " jn00001 ", "pin": "000000"})
    assert refused.status_code == 401
    page = refused.get_data(as_text=True)
    assert "卡号或查询密码不正确" in page and 'value="JN00001"' in page
    mine = client.post("/me", data={"card": "JN00001", "pin": "246810"}, follow_redirects=True)
    page = mine.get_data(as_text=True)
    assert 'data-testid="no-entries"' in page and "还没有积分记录" in page


def test_a_wrong_pin_at_sign_up_keeps_the_card_but_never_the_pin(app, activities):
    _, coming = activities
    client = app.test_client()
    refused = client.post(f"/activities/{coming}/signup",
                          data={"card": " jn00001 ", "pin": "999999"})
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/activities/{coming}?card=JN00001"
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "未成功：卡号或查询密码不正确" in page
    assert 'value="JN00001"' in page and "999999" not in page
    signed = client.post(f"/activities/{coming}/signup", data={"card": "JN00001", "pin": "246810"})
    assert signed.headers["Location"] == f"/activities/{coming}"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lon=abc&lat=31.96", "链接中的位置 lon=abc、lat=31.96 不是经纬度数字"),
        (f"lon={OUTSIDE[0]}&lat={OUTSIDE[1]}", "不在本社区任何网格内"),
        (f"lon={IN_JN01[1]}&lat={IN_JN01[0]}", "不在本社区任何网格内"),  # swapped
        ("building=NOPE-9", "链接中的楼栋 building=NOPE-9 不存在"),
        ("category=zzz", "链接中的类别 category=zzz 不存在"),
    ],
)
def test_a_deep_link_that_cannot_be_used_says_why(app, query, expected):
    page = app.test_client().get(f"/views/new?{query}").get_data(as_text=True)
    problems = page.split('data-testid="prefill-problem"')
    assert len(problems) == 2 and expected in problems[1].split("</p>")[0], page[-3000:]
    prefill = page.split('id="gov-map-data"')[1].split("</script>")[0]
    assert '"prefill": {}' in prefill  # nothing unusable is pinned or chosen


def test_a_good_deep_link_is_prefilled_without_a_warning(app):
    page = app.test_client().get(
        f"/views/new?lon={IN_JN01[0]}&lat={IN_JN01[1]}&category=greening"
    ).get_data(as_text=True)
    assert "prefill-problem" not in page
    assert f'"lon": {IN_JN01[0]}' in page and '"category": "greening"' in page


def test_too_many_wrong_pins_is_the_error_page_not_the_staff_login(tmp_path):
    app = governance_app(tmp_path, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    answers = [client.post("/me", data={"card": "JN00009", "pin": "000000"}) for _ in range(3)]
    assert all(a.status_code != 429 and "卡号或查询密码不正确" in a.get_data(as_text=True)
               for a in answers[:2])
    blocked = answers[2]
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    page = blocked.get_data(as_text=True)
    assert "操作太频繁" in page and "每 1 分钟最多输错 2 次。请 1 分钟后再试。" in page
    assert "<h1>网格员登录</h1>" not in page and 'name="password"' not in page
