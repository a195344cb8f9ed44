"""Grid QA 2, a grid leader handling the views routed to the grid (/staff/views/<id>): a step
refused for one field comes back (400) with the reason in words and the note still typed;
the log names the grids of a 转办 and the people who acted, not their codes and logins.

The tiny community (tests/support/governance): JN-01 and JN-02, the clock pinned to
2025-06-02 10:00 北京时间.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from support.accounts import PASSWORD, ensure_account, logged_in
from support.governance import IN_JN01, TZ, governance_app, make_view
from support.grid_community import GRIDS
from support.refusals import assert_api_refusal

from geo_app.governance.views import Step
from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.governance_models import View

NOTE = "与 5 月 20 日反映的 3 栋北侧垃圾堆放是同一处，已并入处理 <请勿重复派单>"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    made = governance_app(tmp_path_factory.mktemp("qa_grid2_views"))
    with made.app_context(), get_store().write() as db:
        ensure_account(db, get_community(), username="wangxl", password=PASSWORD,
                       role="grid_leader", grid_id="JN-01", display_name="王秀兰")
    return made


def _state(app, view_id: int) -> tuple[str, str]:
    with app.app_context(), get_store().read() as db:
        view = db.get(View, view_id)
        return view.state, view.grid_id


def _form(page: str, step: str) -> str:
    start = page.index(f'data-testid="form-{step}"')
    return page[start:page.index("</form>", start)]


def test_a_duplicate_of_an_unknown_number_says_so_and_keeps_the_note(app):
    """Typing #99999 (a view of no grid) answered "标为重复需要 duplicate_of（…）", as if
    nothing had been typed, and the explanation typed for the residents was gone."""
    view_id, _ = make_view(app, point=IN_JN01)
    other_grid, _ = make_view(app, grid_id="JN-02")
    leader = logged_in(app, "wangxl")
    for number in ("99999", str(other_grid)):
        response = leader.post(f"/staff/views/{view_id}/transition", data={
            "to": "duplicate", "duplicate_other": f"#{number}", "note": NOTE})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f"标为重复：本网格没有编号为 {number} 的意见（duplicate_of）" in page
        form = _form(page, "duplicate")
        assert f'value="#{number}"' in form
        assert "已并入处理 &lt;请勿重复派单&gt;</textarea>" in form
        assert "请勿重复派单" not in _form(page, "hidden")  # only the form that was sent
    assert _state(app, view_id) == ("submitted", "JN-01")


def test_a_reason_left_out_is_asked_for_in_words(app):
    view_id, _ = make_view(app, point=IN_JN01)
    leader = logged_in(app, "wangxl")
    response = leader.post(f"/staff/views/{view_id}/transition",
                           data={"to": "hidden", "note": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "审核：不公开需要填写不公开的原因（note）" in page
    assert re.search(r'data-testid="note-hidden"\s+required', page)  # asked before sending
    assert _state(app, view_id) == ("submitted", "JN-01")


def test_the_log_names_the_grids_of_a_transfer_and_who_acted(app):
    """The log read "wang 转办 → 采集（待审核）（340121400001-01 → 340121400001-02）"."""
    view_id, _ = make_view(app, point=IN_JN01, steps=(Step(to="published"),))
    leader = logged_in(app, "wangxl")
    leader.post(f"/staff/views/{view_id}/transition", data={
        "to": "transferred", "grid_id": "JN-02", "note": "属于隔壁网格"})
    assert _state(app, view_id) == ("published", "JN-02")
    with app.app_context():
        names = dict(zip(get_community().grids["id"], get_community().grids["name"],
                         strict=True))
    log = logged_in(app, "leader2").get(f"/staff/views/{view_id}").get_data(as_text=True)
    log = log[log.index('data-testid="log"'):]
    assert f"（{names['JN-01']} → {names['JN-02']}）" in log
    assert "王秀兰" in log and "wangxl" not in log
    assert "JN-01 →" not in log


@pytest.mark.parametrize("days", ["99999999999", "0", "-5", "abc", "3661"])
def test_a_heat_map_period_typed_wrong_is_a_chinese_message(app, days):
    """?days=99999999999 was a 500 (timedelta overflows); 'abc' and '-5' showed every view as
    if asked for."""
    response = logged_in(app, "wangxl").get(f"/staff/grids/JN-01/heatmap?days={days}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"days（只看近几天）应为 1–3660 的整数，实际为 “{days}”" in page


def test_the_heat_map_says_which_period_it_counts(app):
    """2025-05-31 is two days before the pinned 2025-06-02 10:00: in the last 3 days, not in
    the last 1; a view of today is in both."""
    make_view(app, point=IN_JN01, at=datetime(2025, 5, 31, 9, 0, tzinfo=TZ))
    with app.app_context(), get_store().read() as db:
        counts = {}
        for days in (1, 3):
            since = datetime(2025, 6, 2, 10, 0, tzinfo=TZ) - timedelta(days=days)
            counts[days] = sum(1 for v in db.scalars(select(View))
                               if v.grid_id == "JN-01" and v.state != "duplicate"
                               and v.created_at.astimezone(TZ) >= since)
    assert counts[3] == counts[1] + 1  # the one from 31 May
    leader = logged_in(app, "wangxl")
    for days, count in counts.items():
        page = leader.get(f"/staff/grids/JN-01/heatmap?days={days}").get_data(as_text=True)
        assert f"近 {days} 天共 {count} 条意见（不含重复）" in page


HUGE = 99999999999999999999  # past any database key


def test_an_id_past_any_row_is_refused_not_a_500(app):
    """{"item_id": 99999999999999999999} in a meeting's decision was a 500 (the query failed on
    a number SQLite cannot hold); so were view_ids and duplicate_of, and the number typed into
    标为重复's field."""
    leader = logged_in(app, "wangxl")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-06-01T19:00", "topic": "楼道堆物议事",
        "place_name": "3栋", "lon": IN_JN01[0], "lat": IN_JN01[1]}).get_json()
    view_id, _ = make_view(app, point=IN_JN01)
    calls = [
        (f"/api/meetings/{meeting['id']}/decisions", {"item_id": HUGE}, "item_id"),
        (f"/api/meetings/{meeting['id']}/decisions",
         {"title": "清理楼道", "category": "environment", "owner": "物业",
          "budget_source": "居民自筹", "view_ids": [HUGE]}, "view_ids"),
        ("/api/meetings", {"kind": "meeting", "held_at": "2025-06-01T19:00", "topic": "议事",
                           "place_name": "3栋", "lon": IN_JN01[0], "lat": IN_JN01[1],
                           "view_ids": [HUGE]}, "view_ids"),
        (f"/api/views/{view_id}/transitions", {"to": "duplicate", "duplicate_of": HUGE},
         "duplicate_of"),
    ]
    for url, body, parameter in calls:
        response = leader.post(url, json=body)
        assert_api_refusal(response, parameter)
    page = leader.post(f"/staff/views/{view_id}/transition",
                       data={"to": "duplicate", "duplicate_other": str(HUGE), "note": NOTE})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert f"本网格没有编号为 {HUGE} 的意见" in text and "请勿重复派单" in text
    assert _state(app, view_id) == ("submitted", "JN-01")


def test_the_resident_is_told_which_grid_took_the_view_over(app):
    """After a 转办 the resident's page repeated 已公开 with the note, and no word that another
    grid now handles it; the grid is named (public geography), never who acted."""
    view_id, code = make_view(app, point=IN_JN01, steps=(Step(to="published"),))
    logged_in(app, "wangxl").post(f"/staff/views/{view_id}/transition", data={
        "to": "transferred", "grid_id": "JN-02", "note": "属于隔壁网格，已转交"})
    page = logged_in(app, "member1").get(f"/v/{code}").get_data(as_text=True)
    steps = re.findall(r'data-testid="transferred">([^<]*)<', page)
    assert steps == [f"已转交{GRIDS['JN-02']}办理"] and "属于隔壁网格，已转交" in page
    assert "王秀兰" not in page and "wangxl" not in page
    replies = app.test_client().get(f"/api/views/{code}").get_json()["replies"]
    assert [r["transferred_to"] for r in replies] == [None, None, GRIDS["JN-02"]]  # 提交, 公开
