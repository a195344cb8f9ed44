"""微协商 in the admin's audit log: a case followed through (submit, review, meeting, decision →
item, update) leaves Chinese sentences, in order, under the kind 微协商; every step of a view's
life is told; a refused step leaves no row; the resident's name and phone are in no row."""

from __future__ import annotations

import re
from html import unescape

import pytest
from support.accounts import logged_in
from support.governance import CONTACT_NAME, CONTACT_PHONE, IN_FG1, governance_app, make_view

from geo_app.governance.views import Step


@pytest.fixture()
def app(tmp_path):
    return governance_app(tmp_path)


def _rows(client, query: str = "kind=governance") -> list[tuple[str, str, str]]:
    """(action, 操作人, 内容) of each row of the audit page, newest first."""
    html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    return [(action, unescape(who).strip(), unescape(re.sub(r"<[^>]+>", "", what)).strip())
            for action, who, what in re.findall(
                r'<tr data-action="([^"]+)">\s*<td[^>]*>.*?</td>\s*<td[^>]*>(.*?)</td>'
                r'\s*<td[^>]*>(.*?)</td>', html, re.S)]


#: A resident's text with a phone number in it (spaces between the digits, as typed).
TEXT = "请打1391234 5678联系我，楼下垃圾堆了三天没人清理"
#: Its first 20 characters once the number is masked (worked out by hand: 请打 *** 联系我， is
#: 9 characters, 楼下垃圾堆了三天没人清 11 more).
QUOTED = "请打***联系我，楼下垃圾堆了三天没人清…"


def test_a_case_followed_through_is_told_in_order_under_its_own_kind(app):
    resident = app.test_client()
    sent = resident.post("/api/views", json={
        "lon": IN_FG1[0], "lat": IN_FG1[1], "building_id": "FG-1", "category": "environment",
        "text": TEXT, "name": CONTACT_NAME, "phone": CONTACT_PHONE})
    assert sent.status_code == 201, sent.get_json()
    view = sent.get_json()["id"]
    admin = logged_in(app, "admin")
    assert len(_rows(admin)) == 1

    leader = logged_in(app, "leader1")
    # refused steps (the state machine's 409, a missing reason's 400) leave no row
    closed = leader.post(f"/api/views/{view}/transitions", json={"to": "closed"})
    assert closed.status_code == 409
    rejected = leader.post(f"/api/views/{view}/transitions", json={"to": "rejected"})
    assert rejected.status_code == 400
    assert len(_rows(admin)) == 1

    assert leader.post(f"/api/views/{view}/transitions",
                       json={"to": "published"}).status_code == 200
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "垃圾清运议事",
        "place_name": "金大姐聊天室", "lon": IN_FG1[0], "lat": IN_FG1[1],
        "attendees": ["张书记", "王阿姨"], "minutes": "同意增设清运点", "view_ids": [view]})
    assert meeting.status_code == 201, meeting.get_json()
    meeting_id = meeting.get_json()["id"]
    item = leader.post(f"/api/meetings/{meeting_id}/decisions", json={
        "title": "垃圾清运点整治", "category": "environment", "owner": "物业公司",
        "budget_source": "社区党建项目"})
    assert item.status_code == 201, item.get_json()
    item_id = item.get_json()["id"]
    # 已完成 at 60 % is refused: no row
    refused = leader.post(f"/api/items/{item_id}/updates", json={"status": "done", "progress": 60})
    assert refused.status_code == 400
    updated = leader.post(f"/api/items/{item_id}/updates",
                          json={"status": "in_progress", "progress": 40, "note": "已联系环卫所"})
    assert updated.status_code == 200, updated.get_json()

    assert _rows(admin) == [
        ("item.update", "leader1",
         f"更新治理项目 #{item_id}「垃圾清运点整治」：已议定 0% → 实施中 40%；"
         "说明「已联系环卫所」"),
        ("item.create", "leader1",
         f"会议 #{meeting_id} 决定：新建治理项目 #{item_id}「垃圾清运点整治」（风格城市网格，"
         f"已议定 0%，责任方 物业公司，资金来源 社区党建项目，关联意见 #{view}，公开）"),
        ("meeting.create", "leader1",
         f"记录座谈/议事 #{meeting_id}「垃圾清运议事」（风格城市网格，2025-05-30 19:30，"
         f"金大姐聊天室，2 人参加，议及意见 #{view}）"),
        ("view.published", "leader1", f"审核意见 #{view}「{QUOTED}」：公开"),
        ("view.submit", "居民",
         f"提交意见 #{view}「{QUOTED}」（环境卫生，风格城市网格 风格城市 1栋，来源：居民提交）"),
    ]
    page = admin.get("/admin/audit?kind=governance").get_data(as_text=True)
    assert '<option value="governance" selected>微协商</option>' in page
    # neither the page nor the CSV (which shows before/after) names the resident or the phone
    csv_text = admin.get("/admin/audit.csv?kind=governance").get_data(as_text=True)
    assert csv_text.count(",微协商,") == 5
    for shown in (page, csv_text):
        assert CONTACT_NAME not in shown
        assert all(number not in shown.replace(" ", "")
                   for number in (CONTACT_PHONE, "13912345678", "1391234"))
    # the other kinds do not take these rows
    assert all(not action.startswith(("view.", "meeting.", "item."))
               for action, _, _ in _rows(admin, "kind=account"))


def test_every_step_of_a_view_reads_as_a_sentence(app):
    text = "路灯坏了好几天晚上很黑"  # 11 characters: quoted whole
    done, _ = make_view(app, text=text, steps=(
        Step("published"), Step("accepted"), Step("assigned", assignee="供电所"),
        Step("in_progress"), Step("answered", note="路灯已修好"), Step("closed")))
    hidden, _ = make_view(app, text=text, steps=(Step("hidden", note="涉及个人隐私"),))
    rejected, _ = make_view(app, text=text, steps=(
        Step("rejected", note="属于物业合同纠纷，请拨13900001111"),))
    moved, _ = make_view(app, text=text, steps=(Step("transferred", grid_id="JN-02"),))
    merged, code = make_view(app, text=text, steps=(Step("duplicate", duplicate_of=hidden),))
    unrated = app.test_client().post(f"/api/views/{code}/rating", json={"rating": 4})
    assert unrated.status_code == 409  # a merged view has no answer to rate: no row
    said = [(action, what) for action, _, what in _rows(logged_in(app, "admin"))
            if action != "view.submit"]
    v = f"「{text}」"
    assert said[::-1] == [
        ("view.published", f"审核意见 #{done}{v}：公开"),
        ("view.accepted", f"立案意见 #{done}{v}"),
        ("view.assigned", f"派遣意见 #{done}{v}，承办：供电所"),
        ("view.in_progress", f"开始处置意见 #{done}{v}"),
        ("view.answered", f"反馈意见 #{done}{v}（已答复居民）"),
        ("view.closed", f"结案意见 #{done}{v}"),
        ("view.hidden", f"审核意见 #{hidden}{v}：不公开，原因「涉及个人隐私」"),
        ("view.rejected", f"不予受理意见 #{rejected}{v}，原因「属于物业合同纠纷，请拨***」"),
        ("view.transferred", f"把意见 #{moved}{v}从 风格城市网格 转办给 和园网格"),
        ("view.duplicate", f"把意见 #{merged}{v}标为意见 #{hidden} 的重复，并入原意见"),
    ]


def test_a_residents_rating_is_logged_as_the_residents(app):
    view, code = make_view(app, text="楼道灯不亮已经一周了", steps=(
        Step("published"), Step("accepted"), Step("assigned", assignee="物业"),
        Step("in_progress"), Step("answered", note="已更换灯泡")))
    rated = app.test_client().post(f"/api/views/{code}/rating", json={"rating": 4})
    assert rated.status_code == 200, rated.get_json()
    newest = _rows(logged_in(app, "admin"))[0]
    assert newest == ("view.rated", "居民",
                      f"评价意见 #{view}「楼道灯不亮已经一周了」：满意度 4 分")
