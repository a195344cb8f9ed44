"""Staff QA, second pass: an organiser publishing and running an activity, as the forms are
used at the counter (wrong years, early check-ins, nothing left to confirm).

On the tiny community (support.grid_community), the clock pinned to 2026-12-01 10:00 北京时间.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.accounts import add_accounts, logged_in
from support.activities import signed_up_activity
from support.apps import make_grid_app
from support.counters import volunteer_with_points

from geo_app.store import get_store
from geo_app.store.models import AuditEntry
from geo_app.volunteering.activities import check_in
from geo_app.volunteering.models import Activity, SignUp
from geo_app.volunteering.registry import register_volunteer, set_pin

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
FORM = {
    "title": "楼道清洁", "kind": "service", "topic": "", "place_kind": "station",
    "place_ref": "S-1", "place_name": "", "lon": "", "lat": "",
    "starts_at": "2026-12-06T09:30", "minutes": "90", "capacity": "10",
    "points_per_hour": "5", "points_per_attendance": "5", "description": "",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("qa_staff2_activities"), CLOCK=lambda: NOW,
                        WTF_CSRF_ENABLED=False)
    add_accounts(app)
    with app.app_context(), get_store().write() as db:  # JN00001 赵一鸣, then two more
        volunteers = [volunteer_with_points(db, points=30, bottles=3)] + [
            register_volunteer(db, name=name, phone=phone, building_id="FG-2",
                               known_buildings={"FG-2"}, actor="t")
            for name, phone in (("钱二丫", "13900000002"), ("孙三娘", "13900000003"))
        ]
        for volunteer in volunteers:
            set_pin(db, volunteer, PIN, actor="t")
    return app


@pytest.fixture(scope="module")
def organiser(app):
    return logged_in(app, "organiser1")


PIN = "246810"


def _activity_with(app, *, starts: datetime, signed_up: str, hours: int = 2) -> int:
    """An activity of organiser1 at ``starts`` lasting ``hours``, ``signed_up`` signed up the
    day before."""
    with app.app_context(), get_store().write() as db:
        return signed_up_activity(db, card=signed_up, starts_at=starts,
                                  ends_at=starts + timedelta(hours=hours),
                                  signed_up_at=starts - timedelta(days=1),
                                  organiser="organiser1")


FLASH = re.compile(r'data-testid="flash">([^<]*)<')


def _said(answer, start: str) -> str:
    """The one flash of ``answer``'s page that starts with ``start``."""
    (message,) = [said for said in map(html.unescape, FLASH.findall(answer.get_data(as_text=True)))
                  if said.startswith(start)]
    return message


def _activities(app) -> int:
    with app.app_context(), get_store().read() as db:
        return int(db.scalar(select(func.count()).select_from(Activity)) or 0)


@pytest.mark.parametrize(
    ("starts_at", "words"),
    [
        # a year typed wrong: over before it is published, nobody could sign up or check in
        ("2025-12-06T09:30", "之前已结束"),
        ("2026-12-01T08:00", "之前已结束"),  # 08:00–09:30 today: over at 10:00
        ("2028-12-06T09:30", "最晚可发布到 2027-12-02"),
        ("9999-12-31T23:30", "超出日历范围"),  # start + 90 minutes overflowed: a 500
    ],
)
def test_an_activity_over_already_or_years_ahead_is_refused(app, organiser, starts_at, words):
    before = _activities(app)
    answer = organiser.post("/organise/activities", data={**FORM, "starts_at": starts_at})
    assert answer.status_code == 400
    message = _said(answer, "未发布")
    assert message.startswith("未发布：开始时间") and words in message, message
    assert _activities(app) == before


def test_an_activity_under_way_may_still_be_published(app, organiser):
    """Started at 09:30, on until 11:00: published, so its volunteers can be checked in."""
    answer = organiser.post("/organise/activities",
                            data={**FORM, "starts_at": "2026-12-01T09:30"})
    assert answer.status_code == 302, FLASH.findall(answer.get_data(as_text=True))


def test_an_early_check_in_does_not_close_sign_up_before_the_start(app, organiser):
    """JN00001 checked in 30 minutes early (check-in opens an hour before): the activity was
    marked held, the page said 已举办 and sign-up was refused ("已举办，不能再报名") to a
    resident 30 minutes before the start."""
    activity_id = _activity_with(app, starts=NOW + timedelta(minutes=30), signed_up="JN00001")
    with app.app_context(), get_store().write() as db:
        check_in(db, activity_id, "JN00001", method="card", actor="organiser1", now=NOW)
    page = app.test_client().get(f"/activities/{activity_id}").get_data(as_text=True)
    assert 'data-testid="signup-form"' in page and "签到中" in page and "已举办" not in page
    answer = app.test_client().post(f"/activities/{activity_id}/signup",
                                    data={"card": "JN00002", "pin": PIN}, follow_redirects=True)
    assert _said(answer, "已报名") == "已报名，届时请到现场签到"
    # the organiser may sign up a resident at the counter too
    answer = organiser.post(f"/organise/activities/{activity_id}/signup",
                            data={"card": "JN00003"}, follow_redirects=True)
    assert _said(answer, "孙三娘") == "孙三娘：已报名"
    with app.app_context(), get_store().read() as db:
        assert db.get(Activity, activity_id).confirmed == 3
        assert db.scalar(select(func.count()).where(SignUp.activity_id == activity_id,
                                                    SignUp.status == "confirmed")) == 3


def test_a_day_long_activity_offers_its_whole_length_to_confirm(app, organiser):
    """A 24-hour activity (the form allows 1440 minutes) offered 0 minutes to confirm: the
    page took timedelta.seconds, which is 0 for a whole day, and the browser then refused the
    field (min 1)."""
    activity_id = _activity_with(app, starts=NOW - timedelta(hours=1), signed_up="JN00002",
                                 hours=24)
    with app.app_context(), get_store().write() as db:
        check_in(db, activity_id, "JN00002", method="card", actor="organiser1", now=NOW)
    page = organiser.get(f"/organise/activities/{activity_id}").get_data(as_text=True)
    field = re.search(r'<input name="minutes-JN00002"[^>]*value="(\d+)"', page)
    assert field is not None and field.group(1) == "1440"


def test_confirming_hours_with_none_typed_says_so_and_records_nothing(app, organiser):
    """The button sent with no minutes field (everyone confirmed, or nobody checked in) said
    已确认 0 人的时长 and wrote an empty hours.confirm entry in the audit log."""
    activity_id = _activity_with(app, starts=NOW + timedelta(minutes=20), signed_up="JN00003")
    with app.app_context(), get_store().read() as db:
        entries = db.scalar(select(func.count()).select_from(AuditEntry))
    answer = organiser.post(f"/organise/activities/{activity_id}/hours", data={},
                            follow_redirects=True)
    assert "没有要确认的服务时长" in _said(answer, "未成功")
    with app.app_context(), get_store().read() as db:
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_a_map_pin_reads_full_width_coordinates(app, organiser):
    """经度 １１７．２６１ typed in a full-width input method: 地图选点须给出经度和纬度（数字）."""
    answer = organiser.post("/organise/activities", data={
        **FORM, "place_kind": "pin", "place_ref": "", "place_name": "小区南门",
        "lon": "１１７．２６１", "lat": "３１．９６１"})
    assert answer.status_code == 302, FLASH.findall(answer.get_data(as_text=True))
    activity_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context(), get_store().read() as db:
        activity = db.get(Activity, activity_id)
        assert (activity.lon, activity.lat) == (117.261, 31.961)
