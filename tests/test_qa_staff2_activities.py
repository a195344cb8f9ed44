"""Staff QA, second pass: an organiser publishing and running an activity, as the forms are
used at the counter (wrong years, early check-ins, nothing left to confirm).

On the tiny community (support.grid_community), the clock pinned to 2026-12-01 10:00 北京时间.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.accounts import add_accounts, logged_in
from support.apps import make_grid_app

from geo_app.store import get_store
from geo_app.volunteering.models import Activity

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
    return app


@pytest.fixture(scope="module")
def organiser(app):
    return logged_in(app, "organiser1")


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
