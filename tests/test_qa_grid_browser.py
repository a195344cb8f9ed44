"""Grid QA in Chromium: a grid leader's page of one governance item (/staff/items/<id>) on a
375×667 phone keeps 退出 on the screen, as every other staff page does."""

from __future__ import annotations

from support.accounts import logged_in
from support.browser import log_in, served
from support.governance import IN_JN01, governance_app


def _an_item(app) -> int:
    """A meeting of JN-01 and the item it decided, through the JSON API; the item's id."""
    leader = logged_in(app, "leader1")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-06-01T19:00", "topic": "晾衣架议事",
        "place_name": "3栋", "lon": IN_JN01[0], "lat": IN_JN01[1]}).get_json()
    decided = leader.post(f"/api/meetings/{meeting['id']}/decisions", json={
        "title": "增设晾衣架", "category": "property", "owner": "业主委员会",
        "budget_source": "居民自筹", "status": "approved", "progress": 0, "published": True})
    assert decided.status_code == 201, decided.get_json()
    return int(decided.get_json()["id"])


def test_logout_stays_on_a_phone_screen_on_a_staff_item_page(tmp_path, offline_page):
    """The item page lacked the staff look (body.staff): its one-line bar ran 退出 off the
    right edge of a 375 px screen."""
    app = governance_app(tmp_path)
    item_id = _an_item(app)
    with served(app) as base:
        view = offline_page(width=375, height=667)
        page = view.page
        log_in(page, base, "leader1")
        page.goto(f"{base}/staff/items/{item_id}")
        page.get_by_test_id("item-title").wait_for()
        box = page.get_by_test_id("logout").bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] >= 0, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert view.errors == []
