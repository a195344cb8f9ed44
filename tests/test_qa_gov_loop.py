"""QA of the 微协商 loop followed end to end: a meeting's decision links only the views the grid
leader ticked, an item 已完成 is at 100 %, an update that changes nothing leaves no empty line on
the public timeline, the resident's /v/<code> leads on to the item that took the view up, and a
phone number typed with full-width digits or spaces is taken."""

from __future__ import annotations

import pytest
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view

from geo_app.governance.views import Step


@pytest.fixture()
def app(tmp_path):
    return governance_app(tmp_path)


def _meeting(app, view_ids: list[int]) -> int:
    """A 座谈 of JN-01 on ``view_ids``, recorded by leader1 through the API; its id."""
    answer = logged_in(app, "leader1").post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "毁绿种菜议事",
        "place_name": "金大姐聊天室", "lon": IN_JN01[0], "lat": IN_JN01[1],
        "attendees": ["张书记"], "minutes": "同意恢复绿化", "view_ids": view_ids,
    })
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


NEW_ITEM = {"item_id": "", "title": "1栋绿化恢复", "category": "greening", "owner": "物业公司",
            "budget_source": "社区党建项目", "status": "approved", "progress": "0",
            "published": "1", "note": ""}


def _decide(client, meeting_id: int, **fields: object):
    return client.post(f"/staff/meetings/{meeting_id}/decision", data={**NEW_ITEM, **fields})


def _item_id(answer) -> int:
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def test_a_decision_links_only_the_views_ticked_on_the_form(app):
    ids = [make_view(app, category="greening")[0] for _ in range(2)]
    meeting = _meeting(app, ids)
    leader = logged_in(app, "leader1")
    # every 关联意见 box unticked: the item stands on no view (it took all the meeting's)
    none = _item_id(_decide(leader, meeting))
    assert leader.get(f"/api/items/{none}").get_json()["views"] == 0
    one = _item_id(_decide(leader, meeting, title="只关联一条", view_ids=str(ids[1])))
    assert leader.get(f"/api/items/{one}").get_json()["views"] == 1
    # the JSON API without view_ids still takes up every view of the meeting
    answer = leader.post(f"/api/meetings/{meeting}/decisions", json={
        "title": "全部关联", "category": "greening", "owner": "物业公司",
        "budget_source": "社区党建项目"})
    assert answer.status_code == 201 and answer.get_json()["views"] == 2


@pytest.fixture()
def item(app) -> int:
    view_id, _ = make_view(app, category="greening", steps=(Step("published"),))
    return _item_id(_decide(logged_in(app, "leader1"), _meeting(app, [view_id]),
                            view_ids=str(view_id)))


def test_an_item_marked_done_below_100_percent_is_refused_and_the_form_kept(app, item):
    leader = logged_in(app, "leader1")
    refused = leader.post(f"/staff/items/{item}", data={
        "status": "done", "progress": "60", "published": "1", "note": "苗木补种完毕"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "状态为「已完成」时进度（progress）应为 100%，收到 60%" in page
    assert "苗木补种完毕</textarea>" in page and 'value="60"' in page
    assert '<option value="done" selected>' in page
    board = app.test_client().get(f"/api/items/{item}").get_json()
    assert (board["status"], board["progress"], len(board["timeline"])) == ("approved", 0, 1)
    # "done" alone (the API without progress) means the work is complete: 100 %
    done = leader.post(f"/api/items/{item}/updates", json={"status": "done", "note": "完工"})
    assert (done.get_json()["status"], done.get_json()["progress"]) == ("done", 100)
    assert leader.post(f"/api/items/{item}/updates", json={"progress": 80}).status_code == 400


def test_an_item_update_says_it_was_saved_and_an_empty_one_is_refused(app, item):
    leader = logged_in(app, "leader1")
    saved = leader.post(f"/staff/items/{item}", data={
        "status": "in_progress", "progress": "60", "published": "1", "note": "物业已清理菜地"},
        follow_redirects=True)
    assert "已更新项目「1栋绿化恢复」：实施中 60%" in saved.get_data(as_text=True)
    same = leader.post(f"/staff/items/{item}", data={
        "status": "in_progress", "progress": "60", "published": "1", "note": " "})
    assert same.status_code == 400
    assert "没有改动" in same.get_data(as_text=True)
    timeline = app.test_client().get(f"/api/items/{item}").get_json()["timeline"]
    assert [(e["status"], e["progress"], e["note"]) for e in timeline] == [
        ("approved", 0, "毁绿种菜议事议定"), ("in_progress", 60, "物业已清理菜地")]
    # taking the item off the board is a change, even without a note
    hidden = leader.post(f"/staff/items/{item}", data={"status": "in_progress", "progress": "60"})
    assert hidden.status_code == 303
    assert app.test_client().get(f"/api/items/{item}").status_code == 404


def test_the_residents_status_page_leads_on_to_the_item(app):
    leader = logged_in(app, "leader1")
    view_id, code = make_view(app, category="greening", steps=(Step("published"),))
    _, copy_code = make_view(app, category="greening",
                             steps=(Step("duplicate", duplicate_of=view_id),))
    _, alone_code = make_view(app, category="greening", steps=(Step("published"),))
    meeting = _meeting(app, [view_id])
    item = _item_id(_decide(leader, meeting, view_ids=str(view_id), progress="30",
                            status="in_progress"))
    _item_id(_decide(leader, meeting, title="内部跟进", view_ids=str(view_id), published=""))
    resident = app.test_client()
    expected = [{"id": item, "title": "1栋绿化恢复", "status_label": "实施中", "progress": 30}]
    assert resident.get(f"/api/views/{code}").get_json()["items"] == expected
    assert resident.get(f"/api/views/{copy_code}").get_json()["items"] == expected  # merged
    assert resident.get(f"/api/views/{alone_code}").get_json()["items"] == []
    page = resident.get(f"/v/{code}").get_data(as_text=True)
    assert f'<a href="/items/{item}">1栋绿化恢复</a> <span class="badge">实施中</span> 30%' in page
    assert "内部跟进" not in page
    assert 'data-testid="view-items"' not in resident.get(f"/v/{alone_code}").get_data(
        as_text=True)


@pytest.mark.parametrize(("typed", "stored"), [
    ("１３９１２３４５６７８", "13912345678"),  # a Chinese IME's full-width digits
    ("139 1234 5678", "13912345678"),
    ("(0551)６６１２８８０１", "055166128801"),
    ("０５５１－６６１２８８０１", "0551-66128801"),
])
def test_a_phone_typed_as_on_a_phone_is_taken_and_stored_plain(app, typed, stored):
    sent = app.test_client().post("/api/views", json={
        "lon": IN_JN01[0], "lat": IN_JN01[1], "category": "greening",
        "text": "楼下绿地被人种了菜", "phone": typed})
    assert sent.status_code == 201, sent.get_json()
    mine = logged_in(app, "leader1").get("/api/my/views").get_json()["views"]
    assert [v["contact"]["phone"] for v in mine if v["id"] == sent.get_json()["id"]] == [stored]


@pytest.mark.parametrize("typed", ["abc", "1391234567", "٠٥٥١٦٦١٢٨٨٠١", "1" * 40])
def test_a_phone_that_is_no_number_is_refused_by_name(app, typed):
    sent = app.test_client().post("/api/views", json={
        "lon": IN_JN01[0], "lat": IN_JN01[1], "category": "greening",
        "text": "楼下绿地被人种了菜", "phone": typed})
    assert sent.status_code == 400 and sent.get_json()["parameter"] == "phone"
    assert sent.get_json()["error"].startswith("电话（phone）")

