"""The activities map in Chromium: every upcoming activity is a pin, and its popup (bound by
Leaflet itself, no jQuery) shows its escaped title and the link to sign up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.volunteering.activities import create_activity
from geo_app.volunteering.places import resolve_place

TZ = ZoneInfo("Asia/Shanghai")
TITLES = ("<b>广场舞</b>交流", "急救科普 & 义诊", "便民理发")


@pytest.fixture(scope="module")
def activity_ids(live_app) -> list[int]:
    """Three activities at three stations, starting within the coming week."""
    starts = datetime.now(TZ).replace(second=0, microsecond=0) + timedelta(days=1)
    with live_app.app_context():
        community = get_community()
        stations = list(community.stations["id"])[:3]
        with get_store().write() as db:
            return [
                create_activity(
                    db, title=title, kind="service", topic=None,
                    place=resolve_place(community, {"place_kind": "station", "place_ref": sid}),
                    starts_at=starts + timedelta(hours=n), ends_at=starts + timedelta(hours=n + 1),
                    capacity=10, points_per_hour=5, points_per_attendance=5, audience=[],
                    organiser="test",
                ).id
                for n, (title, sid) in enumerate(zip(TITLES, stations, strict=True))
            ]


def test_every_activity_is_a_pin_whose_popup_opens(live_server, offline_page, activity_ids):
    session = offline_page(375, 667)
    page = session.page
    page.goto(f"{live_server}/activities", wait_until="networkidle")
    pins = page.locator("path.leaflet-interactive[fill-opacity='0.95']")
    assert pins.count() >= len(TITLES)
    shown = set()
    for n in range(pins.count()):
        pins.nth(n).dispatch_event("click")  # the pin itself, even when another overlaps it
        popup = page.locator(".leaflet-popup-content").last  # the newest (the last one fades)
        popup.wait_for()
        shown.add(popup.locator("h4").inner_text())
        links = popup.locator("a").evaluate_all("links => links.map(a => a.pathname)")
        assert len(links) == 1 and links[0].startswith("/activities/")
    assert set(TITLES) <= shown  # the markup in a title is shown as text
    assert page.locator(".leaflet-popup-content b").count() == 0
    assert session.errors == [] and session.blocked == []
