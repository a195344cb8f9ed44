"""Staff pages in Chromium on a 375×667 phone: every control a finger high, a compact bar.

The QA pass measured the admin, organiser and counter pages and /account/password with controls
19–36 px high (退出 21 px, selects 19, fields 33, buttons 33) under a staff bar 150–198 px tall
(a third of a 667 px screen). Now, below 640 px, every visible control is at least 44 px high
(WCAG 2.5.5), no page scrolls sideways, the bar is two 44 px rows (≤ 100 px) with 退出 on
screen, and its links scroll sideways in one row; at 1280×800 the bar is still one line.

The app is the tiny grid community (support.roster) with an activity of organiser1 that
volunteer JN00001 signed up for; the clock is pinned to 2026-12-01 10:00 北京时间.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.activities import signed_up_activity
from support.browser import CONTROLS, DESK, PHONE, log_in, served, small_controls
from support.counters import volunteer_with_points
from support.governance import IN_FG1, make_view
from support.roster import roster_app

from geo_app.governance.views import Step
from geo_app.store import get_store

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
#: The bar's height, 退出's box, whether 退出 is what a finger at its centre touches, and the
#: page's sideways overflow.
BAR = """() => {
  const bar = document.querySelector('.topbar').getBoundingClientRect();
  const out = document.querySelector('[data-testid=logout]');
  const r = out.getBoundingClientRect();
  const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
  return {height: bar.height, logout: [r.left, r.top, r.right, r.bottom],
          touched: hit === out || out.contains(hit),
          overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""

#: The tops of the bar's links, texts and 退出 (one line: the same top within a few px).
BAR_TOPS = """() => [...document.querySelectorAll('.topbar a, .topbar .who, .topbar button')]
  .map(e => e.getBoundingClientRect()).map(r => (r.top + r.bottom) / 2)"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """(base URL, the activity's id): the tiny community with its accounts and roster, an
    activity of organiser1 with JN00001 signed up, served on loopback."""
    app = roster_app(tmp_path_factory.mktemp("staff_phone"), CLOCK=lambda: NOW)
    with app.app_context(), get_store().write() as db:
        volunteer = volunteer_with_points(db, points=100, bottles=5)
        activity_id = signed_up_activity(
            db, card=volunteer.card, starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=2), signed_up_at=NOW, organiser="organiser1")
    # a public view of member1's building FG-1, for 本楼意见
    make_view(app, point=IN_FG1, building_id="FG-1", steps=(Step(to="published"),), at=NOW)
    with served(app) as base:
        yield base, activity_id


def _logged_in(offline_page, base: str, username: str, viewport: dict[str, int]):
    """A page of ``viewport``'s size logged in as ``username`` through the login form."""
    view = offline_page(**viewport)
    log_in(view.page, base, username)
    return view


def _pages(activity_id: int) -> dict[str, tuple[str, ...]]:
    """username → the staff pages measured for it (admin, organiser, counter, password, a
    楼栋党员's 本楼意见 and grid)."""
    return {
        "admin": ("/admin/", "/admin/stock", "/admin/loans", "/admin/audit", "/admin/layers",
                  "/posters/", "/account/password"),
        "organiser1": ("/organise/", f"/organise/activities/{activity_id}",
                       "/organise/volunteers"),
        "steward1": ("/organise/redeem", "/account/password"),
        "member1": ("/my/views", "/grid/"),
    }


@pytest.mark.parametrize("username", ["admin", "organiser1", "steward1", "member1"])
def test_every_control_of_the_staff_pages_is_a_finger_high_on_a_phone(
    site, offline_page, username
):
    base, activity_id = site
    view = _logged_in(offline_page, base, username, PHONE)
    page = view.page
    small, bars = {}, {}
    for path in _pages(activity_id)[username]:
        response = page.goto(base + path)
        assert response.status == 200, path
        page.wait_for_load_state()
        assert len(page.evaluate(CONTROLS)) >= 5, path  # the bar's links alone are more
        small[path] = small_controls(page)
        bars[path] = page.evaluate(BAR)
    assert small == {path: [] for path in small}
    for path, bar in bars.items():
        left, top, right, bottom = bar["logout"]
        assert bar["height"] <= 100, (path, bar)  # two 44 px rows, was 150–198 px
        assert left >= 0 and top >= 0 and right <= PHONE["width"] and bottom <= bar["height"]
        assert bar["touched"], (path, bar)  # on screen, not under the fade or a link
        assert bar["overflow"] <= 0, (path, bar)
    assert view.errors == [] and view.blocked == []


def test_the_phone_bars_links_scroll_in_one_row_and_the_account_stays(site, offline_page):
    """The admin's ten links do not fit 375 px: they scroll sideways in one row; scrolled to
    its end the last link clears the fading edge, and 退出 has not moved."""
    base, _ = site
    page = _logged_in(offline_page, base, "admin", PHONE).page
    page.goto(f"{base}/admin/")
    nav = page.locator(".topnav")
    links = nav.locator(":scope > a")
    assert links.count() == 10
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(10))}
    assert len(tops) == 1  # one row
    assert nav.evaluate("n => n.scrollWidth > n.clientWidth")  # it scrolls
    logout = page.locator("[data-testid=logout]").bounding_box()
    nav.evaluate("n => n.scrollLeft = n.scrollWidth")
    page.wait_for_timeout(50)
    last = links.nth(9).bounding_box()
    assert links.nth(9).inner_text() == "图层编辑"
    # the fade is 1.5rem (22.5 px at 15 px) wide at the bar's right edge
    assert last["x"] >= 0 and last["x"] + last["width"] <= PHONE["width"] - 22
    assert page.locator("[data-testid=logout]").bounding_box() == logout
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login*")


@pytest.mark.parametrize("username", ["admin", "organiser1"])
def test_at_a_desk_the_staff_bar_is_one_line(site, offline_page, username):
    base, activity_id = site
    view = _logged_in(offline_page, base, username, DESK)
    for path in _pages(activity_id)[username]:
        view.page.goto(base + path)
        bar = view.page.evaluate(BAR)
        middles = view.page.evaluate(BAR_TOPS)
        assert max(middles) - min(middles) <= 4, (path, middles)
        assert bar["height"] <= 60 and bar["touched"] and bar["overflow"] <= 0, (path, bar)
    assert view.errors == [] and view.blocked == []
