"""The organisers' and residents' volunteering forms: refusals in plain Chinese that keep what
was typed, no cancelling an activity that has started, and the top bar's role in one bracket.

On the tiny community (support.grid_community), the clock pinned to 2026-12-01 10:00 北京时间.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.accounts import add_accounts, logged_in
from support.apps import make_grid_app

from geo_app.store import get_store
from geo_app.volunteering.activities import Place, create_activity, sign_up
from geo_app.volunteering.models import Activity, SignUp
from geo_app.volunteering.registry import get_volunteer, register_volunteer, set_pin

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
SQUARE = Place("square", None, "风格城市广场议事角", 117.261, 31.9605)
PIN = "246810"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("volunteering_forms"), CLOCK=lambda: NOW,
                        WTF_CSRF_ENABLED=False)
    add_accounts(app)
    with app.app_context(), get_store().write() as db:
        for card_holder, phone in (("赵一鸣", "13900000001"), ("钱二丫", "13900000002")):
            volunteer = register_volunteer(db, name=card_holder, phone=phone,
                                           building_id="FG-1", known_buildings={"FG-1"},
                                           actor="t")
            set_pin(db, volunteer, PIN, actor="t")
    return app


@pytest.fixture(scope="module")
def organiser(app):
    return logged_in(app, "organiser1")


def _flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'data-testid="flash">([^<]*)<', page)]


def _activity(app, *, starts: datetime, card: str) -> int:
    """An activity at ``starts`` (two hours long) with ``card`` signed up the day before."""
    with app.app_context(), get_store().write() as db:
        activity = create_activity(
            db, title="楼道清洁", kind="service", topic=None, place=SQUARE, starts_at=starts,
            ends_at=starts + timedelta(hours=2), capacity=5, points_per_hour=5,
            points_per_attendance=5, audience=[], organiser="organiser1",
        )
        sign_up(db, activity.id, get_volunteer(db, card), actor="t",
                now=starts - timedelta(days=1))
        return activity.id


def _confirmed(app, activity_id: int) -> tuple[int, list[str]]:
    with app.app_context(), get_store().read() as db:
        statuses = [s.status for s in db.query(SignUp).filter_by(activity_id=activity_id)]
        return db.get(Activity, activity_id).confirmed, statuses


# ---------------------------------------------------------------- cancelling a sign-up


def test_a_resident_cannot_cancel_once_the_activity_has_started(app):
    started = _activity(app, starts=NOW - timedelta(minutes=30), card="JN00001")
    client = app.test_client()
    page = client.post(f"/activities/{started}/cancel", data={"card": "JN00001", "pin": PIN},
                       follow_redirects=True).get_data(as_text=True)
    assert any("已开始，不能再取消报名" in f for f in _flashes(page))
    assert _confirmed(app, started) == (1, ["confirmed"])


def test_a_resident_may_cancel_before_the_start(app):
    later = _activity(app, starts=NOW + timedelta(days=2), card="JN00002")
    page = app.test_client().post(f"/activities/{later}/cancel",
                                  data={"card": "JN00002", "pin": PIN},
                                  follow_redirects=True).get_data(as_text=True)
    assert "已取消报名" in _flashes(page)
    assert _confirmed(app, later) == (0, ["cancelled"])
    again = app.test_client().post(f"/activities/{later}/cancel",
                                   data={"card": "JN00002", "pin": PIN},
                                   follow_redirects=True).get_data(as_text=True)
    (said,) = [f for f in _flashes(again) if f.startswith("未成功")]
    assert "卡号 JN00002 没有报名活动「" in said and "无需取消" in said  # not "活动 59"


# ---------------------------------------------------------------- the activity form

FORM = {
    "title": "重阳节敬老茶话会", "kind": "culture", "topic": "", "place_kind": "station",
    "place_ref": "S-9", "place_name": "", "lon": "", "lat": "",
    "starts_at": "2026-12-06T09:30", "minutes": "90", "capacity": "30",
    "points_per_hour": "4", "points_per_attendance": "3",
    "description": "请带上<茶杯> & 好心情",
}


def _field_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input name="{name}"[^>]*value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def _selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    assert select is not None, name
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def test_a_refused_activity_comes_back_with_everything_typed(app, organiser):
    answer = organiser.post("/organise/activities", data=FORM)  # S-9: no such station
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert any("服务站 “S-9” 不存在" in f for f in _flashes(page))
    for name in ("title", "place_ref", "starts_at", "minutes", "capacity", "points_per_hour",
                 "points_per_attendance"):
        assert _field_value(page, name) == FORM[name], name
    assert _selected(page, "kind") == "culture" and _selected(page, "place_kind") == "station"
    assert "请带上&lt;茶杯&gt; &amp; 好心情</textarea>" in page  # kept, and escaped
    # corrected, it is published (and the activity exists once)
    done = organiser.post("/organise/activities", data={**FORM, "place_ref": "S-1"})
    assert done.status_code == 302 and "/organise/activities/" in done.headers["Location"]


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [("starts_at", "12/06/2026 9:30", "开始时间"), ("minutes", "一个半小时", "时长（分钟）"),
     # past a day: refused by the form, not by an overflowing date (it was a 500)
     ("minutes", "99999999999", "时长（分钟）"), ("minutes", "1441", "时长（分钟）"),
     ("minutes", "0", "时长（分钟）"), ("capacity", "三十", "名额")],
)
def test_form_errors_name_the_field_by_its_label(app, organiser, field, value, label):
    answer = organiser.post("/organise/activities",
                            data={**FORM, "place_ref": "S-1", field: value})
    assert answer.status_code == 400
    (message,) = [f for f in _flashes(answer.get_data(as_text=True)) if f.startswith("未发布")]
    assert message.startswith(f"未发布：{label}") and field not in message
    assert _field_value(answer.get_data(as_text=True), field) == value  # kept to correct it


# ---------------------------------------------------------------- the loan form


def test_a_refused_loan_comes_back_with_the_borrower_typed(app):
    steward = logged_in(app, "steward1")
    typed = {"station": "S-1", "item": "umbrella", "borrower_name": "王阿姨",
             "borrower_phone": "1390000", "due": "2026-12-05"}
    answer = steward.post("/admin/loans", data=typed)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert any(f.startswith("未借出：") and "电话" in f for f in _flashes(page))
    for name in ("borrower_name", "borrower_phone", "due"):
        assert _field_value(page, name) == typed[name], name
    assert 'value="umbrella" data-due="2026-12-04" selected' in page


# ---------------------------------------------------------------- the top bar


@pytest.mark.parametrize(
    ("username", "page", "shown"),
    [
        ("organiser1", "/organise/", "organiser1（活动组织者·队长）"),
        ("leader1", "/grid/JN-01", "leader1（小区党支部·网格长）"),
        ("steward1", "/admin/loans", "steward1（红色小管家）"),
    ],
)
def test_the_top_bar_names_the_role_in_one_pair_of_brackets(app, username, page, shown):
    body = logged_in(app, username).get(page).get_data(as_text=True)
    who = re.search(r'data-testid="current-user">([^<]*)<', body)
    assert who is not None and who.group(1) == shown


def test_the_activity_form_reads_full_width_numbers(app, organiser):
    done = organiser.post("/organise/activities",
                          data={**FORM, "place_ref": "S-1", "title": "全角数字的活动",
                                "minutes": "９０", "capacity": "３０"})
    assert done.status_code == 302, done.get_data(as_text=True)
    activity_id = int(done.headers["Location"].rsplit("/", 1)[1])
    with app.app_context(), get_store().read() as db:
        activity = db.get(Activity, activity_id)
        assert activity.capacity == 30
        assert activity.ends_at - activity.starts_at == timedelta(minutes=90)
