"""Grid QA 2 in Chromium at 375×667: a steward's grid and 微协商 pages (body.staff) have
controls a finger can hit. The bar's 退出 was 21 px high, the care-tag chips 22, the 微协商
tabs 20, the state select 19, the buttons 33 and the <details> summaries 21; every one is now
at least 44 px (WCAG 2.5.5), and no page scrolls sideways."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.browser import CONTROLS, log_in, served, small_controls
from support.governance import make_view
from support.roster import roster_app

from geo_app.store import get_store
from geo_app.store.models import Household


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = roster_app(tmp_path_factory.mktemp("qa_grid2_phone"), ROSTER_PAGE_ROWS=5)
    view_id, _ = make_view(app)
    with app.app_context(), get_store().read() as db:
        household = db.scalars(select(Household).where(Household.building_id == "FG-1")).first()
    with served(app) as base:
        yield base, view_id, household.id


def test_every_control_of_the_stewards_pages_is_a_finger_high(site, offline_page):
    base, view_id, household_id = site
    view = offline_page(width=375, height=667)
    page = view.page
    log_in(page, base, "steward1")
    small = {}
    for path in ("/grid/JN-01/roster", "/grid/buildings/FG-1",
                 f"/grid/buildings/FG-1/households/{household_id}", "/grid/JN-01/visits",
                 "/staff/views", f"/staff/views/{view_id}"):
        page.goto(base + path)
        page.wait_for_load_state()
        small[path] = small_controls(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert len(page.evaluate(CONTROLS)) >= 3, path
    assert small == {path: [] for path in small}
    assert view.errors == []
