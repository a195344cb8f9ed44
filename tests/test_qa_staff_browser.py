"""Staff QA in Chromium: the 微协商 staff pages on a 375×667 phone (退出 on screen, the lists
as cards, the log in words), and a counter form that is sent once when tapped twice.

The app is this module's own (the bundled sample with the 风格城市 微协商 sample seeded), so
the session's shared live app keeps its empty 微协商 store.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from support.accounts import ensure_account
from support.apps import make_app
from support.browser import log_in, served

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.governance_models import ViewEvent
from geo_app.volunteering.goods import add_goods, move_goods
from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.models import Redemption, Volunteer
from geo_app.volunteering.registry import register_volunteer
from geo_app.web.governance_support import seed_sample

GRID = "340121400001-01"  # 风格城市, where the 微协商 sample lives
PASSWORD = "qa-staff-browser-secret"
CARD_OWNER = ("孙小满", "13900000123", "FG-01")


@pytest.fixture(scope="module")
def qa_app(tmp_path_factory) -> Flask:
    app = make_app(tmp_path_factory.mktemp("qa_staff_browser"))
    with app.app_context():
        seed_sample()
        community = get_community()
        stations = set(community.stations["id"])
        with get_store().write() as db:
            for username, role, grid in (("qa_leader", "grid_leader", GRID),
                                         ("qa_admin", "admin", None)):
                ensure_account(db, community, username=username, password=PASSWORD, role=role,
                               grid_id=grid)
            name, phone, building = CARD_OWNER
            volunteer = register_volunteer(db, name=name, phone=phone, building_id=building,
                                           known_buildings={building}, actor="t")
            add_goods(db, goods_id="tissue", name="纸巾", unit="包", points=10, actor="t")
            move_goods(db, "PS-01", "tissue", kind="received", quantity=5, actor="t",
                       known_stations=stations)
            post_entry(db, volunteer, kind="earn", points=50, actor="t", reason="测试", ref="t")
    return app


@pytest.fixture(scope="module")
def qa_server(qa_app) -> Iterator[str]:
    with served(qa_app) as base:
        yield base


_STATES: dict[tuple[str, str], object] = {}


def _logged_in(offline_page, base: str, username: str, width: int = 375, height: int = 667):
    """A page of ``username``: logged in through the form once a module (logins are rate
    limited), then the session's cookies reused."""
    key = (base, username)
    if key in _STATES:
        return offline_page(width=width, height=height, storage_state=_STATES[key])
    view = offline_page(width=width, height=height)
    log_in(view.page, base, username, PASSWORD)
    _STATES[key] = view.page.context.storage_state()
    return view


#: The page's horizontal overflow, where 退出 is, and the widest card-less cell of a table.
LAYOUT_JS = """
(table) => {
  const out = document.querySelector('[data-testid=logout]').getBoundingClientRect();
  const cells = table ? [...document.querySelectorAll(`[data-testid=${table}] tbody td`)] : [];
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    logout: [out.left, out.right, out.top, out.bottom],
    narrowest: cells.length ? Math.min(...cells.map(c => c.getBoundingClientRect().width)) : null,
  };
}
"""


@pytest.mark.parametrize(
    ("path", "table"),
    [("/staff/views", "views-table"), ("/staff/items", "staff-items"),
     ("/staff/meetings", None), (f"/staff/grids/{GRID}/report", None),
     (f"/staff/grids/{GRID}/heatmap", None)],
)
def test_the_staff_governance_pages_fit_a_phone(qa_server, offline_page, tmp_path, path, table):
    """退出 was pushed off the right edge of the one-line bar, and the views' eight columns
    were squeezed to a character a line."""
    view = _logged_in(offline_page, qa_server, "qa_leader")
    page = view.page
    page.goto(f"{qa_server}{path}")
    page.wait_for_load_state()
    page.screenshot(path=str(tmp_path / "page_375.png"))
    found = page.evaluate(LAYOUT_JS, table)
    left, right, top, bottom = found["logout"]
    assert found["overflow"] <= 1, found
    assert left >= 0 and right <= 375 and top >= 0 and bottom <= 667, found  # 退出 on screen
    if table:  # one card a row: each cell spans the card (375 − page and card padding)
        assert found["narrowest"] > 250, found
    assert view.blocked == [] and view.errors == []


def test_a_views_log_speaks_chinese(qa_app, qa_server, offline_page):
    """The log showed the codes "submitted" and "resident rated" beside the Chinese steps."""
    with qa_app.app_context(), get_store().read() as db:
        view_id = db.scalar(select(ViewEvent.view_id).where(ViewEvent.action == "rated"))
    view = _logged_in(offline_page, qa_server, "qa_leader", width=1280, height=800)
    view.page.goto(f"{qa_server}/staff/views/{view_id}")
    log = view.page.get_by_test_id("log").inner_text()
    assert "提交 → 采集（待审核）" in log and "居民 评价 → 结案" in log, log
    for code in ("submitted", "rated", "resident"):
        assert code not in log, log


def test_a_redemption_tapped_twice_is_sent_once(qa_app, qa_server, offline_page):
    """A second tap while the first POST is on its way redeemed twice (two deductions)."""
    with qa_app.app_context(), get_store().read() as db:
        card = db.scalar(select(Volunteer.card).where(Volunteer.phone == CARD_OWNER[1]))
    view = _logged_in(offline_page, qa_server, "qa_admin")
    page = view.page
    page.goto(f"{qa_server}/organise/redeem")
    held: list[object] = []

    def hold(route) -> None:  # a slow server: the first answer has not come yet
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/organise/redeem", hold)
    form = page.get_by_test_id("redeem-form")
    form.locator('select[name="station"]').select_option("PS-01")
    form.locator('input[name="card"]').fill(card)
    box = form.locator('button[type="submit"]').bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)  # the page is still there: its load is waiting on the server
    page.wait_for_timeout(500)
    assert len(held) == 1  # the second tap sent nothing
    with page.expect_navigation():  # the server answers: Playwright lets the held POST through
        page.unroute("**/organise/redeem")
    assert "已兑换，扣 10 分，余额 40 分" in page.get_by_test_id("flash").inner_text()
    with qa_app.app_context(), get_store().read() as db:
        assert len(db.scalars(select(Redemption)).all()) == 1
    assert view.errors == []
