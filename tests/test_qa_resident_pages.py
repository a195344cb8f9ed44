"""QA pass as a resident, with the test client: what the public pages say.

Times on ``/v/<code>`` and on an item's timeline are 北京时间 (the store keeps UTC), ids too big
for the database answer 404 rather than 500, a finished activity offers no sign-up, and the
points page keeps the card number after a wrong PIN and explains an empty record.
"""

from __future__ import annotations

import pytest
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view

from geo_app.governance.views import Step

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
    view_id, _ = make_view(app, point=IN_JN01, category="parking_charging")
    leader = logged_in(app, "leader1")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "充电难议事",
        "place_name": "金大姐聊天室", "lon": IN_JN01[0], "lat": IN_JN01[1],
        "attendees": ["张书记"], "minutes": "同意增设充电桩", "view_ids": [view_id],
    })
    assert meeting.status_code == 201, meeting.get_json()
    item = leader.post(f"/api/meetings/{meeting.get_json()['id']}/decisions", json={
        "title": "增设充电桩", "category": "parking_charging", "owner": "供电所",
        "budget_source": "共建单位", "lon": IN_JN01[0], "lat": IN_JN01[1],
    })
    assert item.status_code == 201, item.get_json()
    page = app.test_client().get(f"/items/{item.get_json()['id']}").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"')[1]
    assert LOCAL in timeline and UTC_DIGITS not in timeline
