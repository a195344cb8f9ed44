"""Staff QA, second pass, in Chromium: the organisers' pages on a 375×667 phone.

The app is this module's own tiny grid community (support.grid_community) with its accounts;
the clock is pinned to 2026-12-01 10:00 北京时间.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from support.accounts import add_accounts
from support.apps import make_grid_app
from support.browser import PHONE, log_in, served

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory) -> Iterator[tuple[Flask, str]]:
    """(the app, its base URL): the tiny community with its accounts, served on loopback."""
    app = make_grid_app(tmp_path_factory.mktemp("qa_staff2_browser"), CLOCK=lambda: NOW)
    add_accounts(app)
    with served(app) as base:
        yield app, base


def _phone_of(offline_page, base: str, username: str):
    """A 375×667 page logged in as ``username`` through the login form."""
    view = offline_page(**PHONE)
    log_in(view.page, base, username)
    return view


#: Where 退出 is on the page, and the page's horizontal overflow.
LOGOUT_JS = """
() => {
  const r = document.querySelector('[data-testid=logout]').getBoundingClientRect();
  return {box: [r.left, r.right, r.top, r.bottom],
          overflow: document.documentElement.scrollWidth - window.innerWidth};
}
"""


def test_the_organisers_pages_keep_logout_on_a_phone_screen(staff_server, offline_page):
    """On /organise/… the one-line bar scrolled sideways and 退出 sat at x = 549 on a 375 px
    phone (the 微协商 and loans pages already wrapped their bar)."""
    _, base = staff_server
    view = _phone_of(offline_page, base, "steward1")
    for path in ("/organise/", "/organise/volunteers", "/organise/redeem", "/organise/report",
                 "/organise/reach"):
        view.page.goto(f"{base}{path}")
        view.page.wait_for_load_state()
        found = view.page.evaluate(LOGOUT_JS)
        left, right, top, bottom = found["box"]
        assert left >= 0 and right <= 375 and top >= 0 and bottom <= 667, (path, found)
        assert found["overflow"] <= 1, (path, found)
    assert view.blocked == [] and view.errors == []
