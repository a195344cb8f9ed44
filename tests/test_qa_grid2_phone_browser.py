"""Grid QA 2 in Chromium at 375×667: a steward's grid and 微协商 pages (body.staff) have
controls a finger can hit. The bar's 退出 was 21 px high, the care-tag chips 22, the 微协商
tabs 20, the state select 19, the buttons 33 and the <details> summaries 21; every one is now
at least 44 px (WCAG 2.5.5), and no page scrolls sideways."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from support.accounts import PASSWORD
from support.governance import make_view
from support.roster import roster_app
from werkzeug.serving import make_server

from geo_app.store import get_store
from geo_app.store.models import Household

#: Every visible control a finger taps (a check box counts through its label).
CONTROLS = """() => [...document.querySelectorAll(
    'button, select, summary, label.check, a.chip, .gov-tabs a, .pager a, .button, '
    + 'input:not([type=checkbox]):not([type=radio]):not([type=hidden])')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e.tagName + ' ' + (e.innerText || e.name || '').trim().slice(0, 20),
             e.getBoundingClientRect().height])"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = roster_app(tmp_path_factory.mktemp("qa_grid2_phone"), ROSTER_PAGE_ROWS=5)
    view_id, _ = make_view(app)
    with app.app_context(), get_store().read() as db:
        household = db.scalars(select(Household).where(Household.building_id == "FG-1")).first()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", view_id, household.id
    server.shutdown()


def test_every_control_of_the_stewards_pages_is_a_finger_high(site, offline_page):
    base, view_id, household_id = site
    view = offline_page(width=375, height=667)
    page = view.page
    page.goto(f"{base}/login")
    for field, value in (("username", "steward1"), ("password", PASSWORD)):
        page.fill(f'input[name="{field}"]', value)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    small = {}
    for path in ("/grid/JN-01/roster", "/grid/buildings/FG-1",
                 f"/grid/buildings/FG-1/households/{household_id}", "/grid/JN-01/visits",
                 "/staff/views", f"/staff/views/{view_id}"):
        page.goto(base + path)
        page.wait_for_load_state()
        for details in page.locator("details").all():  # the forms folded away, too
            details.evaluate("d => d.open = true")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        controls = page.evaluate(CONTROLS)
        assert len(controls) >= 3, path
        small[path] = [(name, round(height)) for name, height in controls if height < 43.5]
    assert small == {path: [] for path in small}
    assert view.errors == []
