"""QA pass 3 as a resident, with the test client: what the public boards say in words.

The items board listed each project as "2 条意见 · 共建单位（社企联盟） · 共建单位": two bare names
with no word for which one answers for the project and which one pays for it (the item's own
page says 责任： and 资金：).
"""

from __future__ import annotations

import pytest
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("qa_res3_pages"))


def _decided_item(app, *, owner: str, budget_source: str) -> int:
    """An item decided at a meeting on one view of JN-01; its id."""
    view_id, _ = make_view(app, point=IN_JN01, category="parking_charging")
    leader = logged_in(app, "leader1")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "充电难议事",
        "place_name": "金大姐聊天室", "lon": IN_JN01[0], "lat": IN_JN01[1],
        "attendees": ["张书记"], "minutes": "同意增设充电桩", "view_ids": [view_id],
    })
    assert meeting.status_code == 201, meeting.get_json()
    item = leader.post(f"/api/meetings/{meeting.get_json()['id']}/decisions", json={
        "title": "增设充电桩", "category": "parking_charging", "owner": owner,
        "budget_source": budget_source, "lon": IN_JN01[0], "lat": IN_JN01[1],
    })
    assert item.status_code == 201, item.get_json()
    return item.get_json()["id"]


def test_the_items_board_says_who_answers_for_a_project_and_who_pays(app):
    item_id = _decided_item(app, owner="供电所", budget_source="共建单位")
    page = app.test_client().get("/items").get_data(as_text=True)
    row = page.split(f'data-item-id="{item_id}"')[1].split("</li>")[0]
    # was "1 条意见 · 供电所 · 共建单位"
    assert "1 条居民意见 · 责任：供电所 · 资金：共建单位" in row
    # the item's own page says the same in the same words
    item = app.test_client().get(f"/items/{item_id}").get_data(as_text=True)
    assert "责任：供电所 · 资金：共建单位" in item
    assert "背后有 <strong>1</strong> 条居民意见" in item
