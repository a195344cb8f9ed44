"""Staff QA, second pass, in Chromium: the organisers' pages on a 375×667 phone.

The app is this module's own tiny grid community (support.grid_community) with its accounts;
the clock is pinned to 2026-12-01 10:00 北京时间.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from support.accounts import PASSWORD, add_accounts
from support.apps import make_grid_app
from werkzeug.serving import make_server

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory) -> Iterator[tuple[Flask, str]]:
    """(the app, its base URL): the tiny community with its accounts, served on loopback."""
    app = make_grid_app(tmp_path_factory.mktemp("qa_staff2_browser"), CLOCK=lambda: NOW)
    add_accounts(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _phone_of(offline_page, base: str, username: str):
    """A 375×667 page logged in as ``username`` through the login form."""
    view = offline_page(width=375, height=667)
    view.page.goto(f"{base}/login")
    view.page.fill('input[name="username"]', username)
    view.page.fill('input[name="password"]', PASSWORD)
    view.page.click('button[type="submit"]')
    view.page.wait_for_load_state()
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
