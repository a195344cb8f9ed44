"""Grid QA with the staff forms of 微协商, as a grid leader fills them in: a meeting refused
for one field keeps what was typed, a list of people typed on one line is read as names, a
year typed wrong is a Chinese message (not a 500), and a view can be marked a duplicate of
any view of the grid by its number (not only of the ones within 50 m)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.accounts import logged_in
from support.governance import IN_FG1, IN_JN01, governance_app, make_view

from geo_app.store import get_store
from geo_app.store.governance_models import Meeting, View

MINUTES = "居民反映晾衣难，议定在 3 栋北侧空地增设晾衣架，物业下周报价。" * 20
MEETING = {"kind": "meeting", "held_at": "2025-06-01T19:00", "topic": "晾衣架议事",
           "place": "station:S-1", "attendee": ["leader1"], "minutes": MINUTES}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("qa_grid_forms"))


def _meetings(app) -> list[Meeting]:
    with app.app_context(), get_store().read() as db:
        return list(db.scalars(select(Meeting)))


def test_a_refused_meeting_keeps_the_minutes_and_says_why(app):
    """A second line of names typed as one (> 32 characters) sent the leader back to an empty
    form: five thousand characters of minutes gone."""
    before = len(_meetings(app))
    others = "物业公司张经理/居民代表李阿姨/业委会主任王大爷/楼栋长赵师傅/居民刘女士"
    response = logged_in(app, "leader1").post("/staff/meetings", data={**MEETING,
                                                                        "others": others})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "太长（每人最多 32 个字）" in page  # the reason, on the page with the form
    assert MINUTES in page and others in page and 'value="晾衣架议事"' in page
    assert re.search(r'value="station:S-1"\s+selected', page)
    assert re.search(r'name="attendee" value="leader1"\s+checked', page)
    assert 'value="2025-06-01T19:00"' in page
    assert len(_meetings(app)) == before  # nothing recorded


def test_people_typed_on_one_line_are_read_as_names(app):
    """"物业公司张经理、居民代表李阿姨，王五" was recorded as one attendee of that name."""
    others = "物业公司张经理、居民代表李阿姨，王五\n赵六; 钱七"
    response = logged_in(app, "leader1").post("/staff/meetings", data={
        **MEETING, "topic": "顿号分隔的参会人", "others": others})
    assert response.status_code == 303
    meeting = next(m for m in _meetings(app) if m.topic == "顿号分隔的参会人")
    assert meeting.attendees == ["leader1", "物业公司张经理", "居民代表李阿姨", "王五", "赵六",
                                 "钱七"]


@pytest.mark.parametrize("held_at", ["0001-01-01T00:00", "0999-12-31T23:59"])
def test_a_meeting_year_typed_wrong_is_a_chinese_message(app, held_at):
    """The year 0001 (a slip on a phone's date wheel) was a 500: no UTC before year 1."""
    page = logged_in(app, "leader1").post("/staff/meetings",
                                          data={**MEETING, "held_at": held_at})
    assert page.status_code == 400
    assert "早于 2000 年，请核对" in page.get_data(as_text=True)
    api = logged_in(app, "leader1").post("/api/meetings", json={
        "kind": "visit", "held_at": held_at, "topic": "入户走访", "place_name": "3栋",
        "lon": IN_JN01[0], "lat": IN_JN01[1]})
    assert api.status_code == 400 and api.get_json()["parameter"] == "held_at"


def test_a_meeting_dated_after_today_is_refused(app, monkeypatch):
    """A meeting typed as 2099 (or tomorrow) was recorded with its minutes and decisions as if
    held. "Today" is the community's day: at 01:00 Beijing time on 29 November (still the
    28th in UTC) a visit at 09:00 that morning is today, the 30th is not."""
    shanghai = ZoneInfo("Asia/Shanghai")
    monkeypatch.setitem(app.config, "CLOCK", lambda: datetime(2026, 11, 29, 1, 0, tzinfo=shanghai))
    leader = logged_in(app, "leader1")
    for held_at in ("2099-06-01T19:00", "2026-11-30T08:00"):
        page = leader.post("/staff/meetings", data={**MEETING, "held_at": held_at,
                                                    "topic": "未来的会议"})
        text = page.get_data(as_text=True)
        assert page.status_code == 400
        assert f"时间）{held_at[:10]} 晚于今天 2026-11-29" in text and MINUTES in text
        api = leader.post("/api/meetings", json={
            "kind": "visit", "held_at": held_at, "topic": "入户走访", "place_name": "3栋",
            "lon": IN_JN01[0], "lat": IN_JN01[1]})
        assert api.status_code == 400 and api.get_json()["parameter"] == "held_at"
    assert not [m for m in _meetings(app) if m.topic == "未来的会议"]
    this_morning = leader.post("/staff/meetings", data={**MEETING, "held_at": "2026-11-29T09:00",
                                                        "topic": "今天上午的走访"})
    assert this_morning.status_code == 303


def test_a_view_is_marked_a_duplicate_of_any_view_by_its_number(app):
    """The form offered only the views within 50 m and "（其他，填编号）" with nowhere to
    type the number: an older view across the grid could not be named as the original."""
    original, _ = make_view(app, point=IN_FG1, category="greening")
    repeat, _ = make_view(app, point=IN_JN01, category="greening")  # ~110 m away
    leader = logged_in(app, "leader1")
    form = leader.get(f"/staff/views/{repeat}").get_data(as_text=True)
    assert 'name="duplicate_other"' in form
    response = leader.post(f"/staff/views/{repeat}/transition", data={
        "to": "duplicate", "duplicate_other": f"#{original}", "note": "同一处绿地"})
    assert response.status_code == 303
    with app.app_context(), get_store().read() as db:
        view = db.get(View, repeat)
        assert (view.state, view.duplicate_of_id) == ("duplicate", original)


def _meeting_id(app, leader) -> int:
    done = leader.post("/staff/meetings", data={**MEETING, "topic": "决定表单的会议"})
    assert done.status_code == 303
    return int(done.headers["Location"].rsplit("/", 1)[1])


def test_a_refused_decision_keeps_what_was_typed_and_says_which_field(app):
    """A decision without its 资金来源 sent the leader back to an empty form ("需要填写
    budget_source"): title, owner and note typed again."""
    leader = logged_in(app, "leader1")
    meeting_id = _meeting_id(app, leader)
    typed = {"item_id": "", "title": "3 栋北侧增设晾衣架", "category": "environment",
             "owner": "物业服务中心", "budget_source": "", "status": "in_progress",
             "progress": "30", "note": "物业下周报价 <先询价>"}
    refused = leader.post(f"/staff/meetings/{meeting_id}/decision", data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "新建项目需要填写资金来源（budget_source）" in page
    assert 'value="3 栋北侧增设晾衣架"' in page and 'value="物业服务中心"' in page
    assert 'value="30"' in page and "物业下周报价 &lt;先询价&gt;</textarea>" in page
    assert re.search(r'value="in_progress"\s+selected', page)
    assert re.search(r'value="environment"\s+selected', page)
    assert not re.search(r'name="published" value="1"\s+checked', page)  # left unticked


@pytest.mark.parametrize(("progress", "words"), [("三成", "进度（%）须为整数"),
                                                 ("130", "进度（%）应在 0–100 之间")])
def test_a_progress_that_is_not_a_percentage_is_refused_not_ignored(app, progress, words):
    leader = logged_in(app, "leader1")
    meeting_id = _meeting_id(app, leader)
    refused = leader.post(f"/staff/meetings/{meeting_id}/decision", data={
        "title": "楼道灯更换", "category": "environment", "owner": "物业",
        "budget_source": "社区党建项目", "progress": progress, "published": "1"})
    assert refused.status_code == 400 and words in refused.get_data(as_text=True)
    full_width = leader.post(f"/staff/meetings/{meeting_id}/decision", data={
        "title": "楼道灯更换", "category": "environment", "owner": "物业",
        "budget_source": "社区党建项目", "progress": "２０", "published": "1"})
    assert full_width.status_code == 303


def test_the_staff_view_page_names_the_grid(app):
    view_id, _ = make_view(app, point=IN_JN01)
    page = logged_in(app, "leader1").get(f"/staff/views/{view_id}").get_data(as_text=True)
    shown = re.search(r'data-testid="view-grid">([^<]*)<', page)
    assert shown is not None and shown.group(1) == "风格城市网格"  # grids layer, JN-01
