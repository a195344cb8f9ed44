"""The 微协商 staff pages read 北京时间, like the residents' pages: the store keeps UTC, and the
views list, a view's page and the meetings printed the UTC digits (8 hours early)."""

from __future__ import annotations

import pytest
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view

# support.governance pins the clock at 2025-06-02 10:00 北京时间 = 02:00 UTC
LOCAL, UTC_DIGITS = "2025-06-02 10:00", "2025-06-02 02:00"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("staff_times"))


def test_views_list_and_a_views_page_show_beijing_time(app):
    view_id, _ = make_view(app, point=IN_JN01)
    leader = logged_in(app, "leader1")
    listing = leader.get("/staff/views").get_data(as_text=True)
    assert f'<td data-label="提交">{LOCAL}</td>' in listing
    page = leader.get(f"/staff/views/{view_id}").get_data(as_text=True)
    assert "应于 2025-06-05 10:00 前反馈" in page  # 环境卫生: 72 hours after 06-02 10:00
    assert UTC_DIGITS not in listing + page


def test_a_meeting_reads_the_local_time_it_was_entered_in(app):
    leader = logged_in(app, "leader1")
    made = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "充电难议事",
        "place_name": "金大姐聊天室", "lon": IN_JN01[0], "lat": IN_JN01[1], "view_ids": [],
    })
    assert made.status_code == 201, made.get_json()
    listing = leader.get("/staff/meetings").get_data(as_text=True)
    page = leader.get(f"/staff/meetings/{made.get_json()['id']}").get_data(as_text=True)
    assert "2025-05-30 19:30 座谈/议事：充电难议事" in listing
    assert "座谈/议事 · 2025-05-30 19:30 · 金大姐聊天室" in page
    assert "2025-05-30 11:30" not in listing + page
