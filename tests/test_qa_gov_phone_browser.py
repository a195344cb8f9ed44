"""QA in Chromium on a 375 px phone: what residents and staff type without spaces (a pasted link,
a run of letters) wraps inside the 微协商 pages instead of widening /my/views (it scrolled 2,345 px
sideways) or running off a meeting's heading."""

from __future__ import annotations

from support.accounts import logged_in
from support.browser import PHONE, log_in, served
from support.governance import IN_FG1, IN_JN01, governance_app, make_view

from geo_app.governance.views import Step

LINK = "https://example.org/" + "a" * 280  # one unbroken word, far wider than a phone
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
#: Elements whose box reaches past the right edge of the screen (their text clipped or hidden).
PAST_EDGE = """() => [...document.querySelectorAll('main h1, main li, main p')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 30))"""


def test_long_unbroken_text_wraps_on_a_phone(tmp_path, browser):
    app = governance_app(tmp_path)
    view_id, _ = make_view(app, point=IN_FG1, building_id="FG-1", text=LINK,
                           steps=(Step("published"),))
    meeting = logged_in(app, "leader1").post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "议题" + "T" * 150,
        "place_name": "金大姐聊天室", "lon": IN_JN01[0], "lat": IN_JN01[1],
        "attendees": ["张书记"], "minutes": LINK, "view_ids": [view_id]})
    assert meeting.status_code == 201, meeting.get_json()
    with served(app) as base:
        for user, url in [("member1", "/my/views"),
                          ("leader1", f"/staff/meetings/{meeting.get_json()['id']}")]:
            context = browser.new_context(viewport=PHONE)
            page = context.new_page()
            log_in(page, base, user)
            page.goto(base + url)
            assert page.evaluate(SIDEWAYS) == 0, (user, url)
            assert page.evaluate(PAST_EDGE) == [], (user, url)
            context.close()
