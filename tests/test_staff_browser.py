"""In Chromium on a 375×667 phone: a grid leader filters the roster and records a visit, a
红色小管家 lends an umbrella, and every staff page fits (no one-character columns, 退出 on
screen). Screenshots are kept under each test's tmp dir."""

from __future__ import annotations

import pytest
from support.accounts import ensure_account
from support.browser import log_in

from geo_app.store import get_store
from geo_app.store.models import Household
from geo_app.store.sample import facts_from_layer, seed_people

GRID = "340121400001-01"
STATION = "PS-01"  # 风格城市党群服务站, in GRID
PASSWORD = "staff-browser-secret"
ACCOUNTS = {
    "staff_leader": ("grid_leader", GRID),
    "staff_steward": ("steward", GRID),
    "staff_admin": ("admin", None),
}
#: What a one-character-per-line column looks like: a cell narrower than two characters.
MIN_CELL_PX = 28
FITS_JS = """
() => {
  const MIN_CELL_PX = MIN_CELL;
  const narrow = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const text = cell.textContent.trim();
    const box = cell.getBoundingClientRect();
    const squeezed = text.length >= 2 && box.width > 0 && box.width < MIN_CELL_PX;
    if (squeezed) narrow.push(text.slice(0, 12));
  }
  const logout = document.querySelector('[data-testid=logout]').getBoundingClientRect();
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    narrow: narrow,
    logout: [logout.left, logout.right, logout.top, logout.bottom],
  };
}
""".replace("MIN_CELL;", f"{MIN_CELL_PX};")


@pytest.fixture(scope="module")
def staff(live_app) -> dict[str, str]:
    """Accounts of GRID in the live app's store, and the sample roster with one 独居老人."""
    from geo_app.state.community import get_community

    with live_app.app_context():
        community = get_community()
        with get_store().write() as db:
            seed_people(db, facts_from_layer(community.buildings), actor="test")
            for username, (role, grid) in ACCOUNTS.items():
                ensure_account(
                    db, community, username=username, password=PASSWORD, role=role,
                    grid_id=grid, display_name={"staff_leader": "王书记"}.get(username, ""),
                )
            household = db.get(Household, "FG-01-1-101")
            household.tags = ["独居老人"]
    return {"household": "FG-01-1-101"}


def _login(page, live_server, username):
    log_in(page, live_server, username, PASSWORD)


def _assert_fits(page, where):
    found = page.evaluate(FITS_JS)
    assert found["overflow"] <= 1, (where, found)
    assert found["narrow"] == [], (where, found)
    left, right, top, bottom = found["logout"]
    assert left >= 0 and right <= 375 and top >= 0 and bottom <= 667, (where, found)


def test_grid_leader_filters_the_roster_and_records_a_visit(
    live_server, offline_page, staff, tmp_path
):
    view = offline_page(width=375, height=667)
    page = view.page
    _login(page, live_server, "staff_leader")
    page.goto(f"{live_server}/grid/{GRID}/roster")
    def found() -> int:  # the households the filters find, over all the roster's pages
        return int(page.get_by_test_id("roster-count").inner_text().split(" 户")[0])

    total = found()
    page.get_by_test_id("tag-独居老人").click()
    page.wait_for_url("**tag=*")
    rows = page.locator('[data-testid="roster-table"] tbody tr')
    assert 1 <= found() < total and 1 <= rows.count() <= found()
    assert page.locator(f'tr[data-household-id="{staff["household"]}"]').count() == 1
    for text in rows.all_inner_texts():
        assert "独居老人" in text
    page.screenshot(path=str(tmp_path / "roster_filter_375.png"), full_page=True)
    _assert_fits(page, "roster")
    # search by the room of the tagged household
    page.fill('[data-testid="roster-search"]', "1-101")
    page.press('[data-testid="roster-search"]', "Enter")
    page.wait_for_url("**q=1-101*")
    assert page.locator(f'tr[data-household-id="{staff["household"]}"]').count() == 1
    # open it and record a visit
    page.locator(f'tr[data-household-id="{staff["household"]}"]').get_by_text("详情 / 走访").click()
    page.wait_for_selector('[data-testid="visit-form"]')
    form = page.get_by_test_id("visit-form")
    form.locator('select[name="kind"]').select_option("入户走访")
    form.locator('textarea[name="note"]').fill("血压正常，需要换灯泡")
    form.locator('input[name="follow_up"]').check()
    form.locator("button").click()
    page.wait_for_selector('[data-testid="flash"]')
    assert "已登记走访" in page.get_by_test_id("flash").inner_text()
    history = page.get_by_test_id("visit-history").inner_text()
    assert "血压正常，需要换灯泡" in history and "需跟进" in history
    page.screenshot(path=str(tmp_path / "visit_375.png"), full_page=True)
    _assert_fits(page, "household")
    page.goto(f"{live_server}/grid/{GRID}/visits?mine=1")
    assert "血压正常" in page.get_by_test_id("visit-table").inner_text()
    _assert_fits(page, "visits")
    assert view.blocked == [] and view.errors == []


def test_steward_lends_an_umbrella_with_the_loan_form(live_server, offline_page, staff, tmp_path):
    view = offline_page(width=375, height=667)
    page = view.page
    _login(page, live_server, "staff_steward")
    page.goto(f"{live_server}/admin/loans")
    shelf = page.locator(f'tr[data-station-id="{STATION}"] [data-item="umbrella"]')
    before = int(shelf.inner_text().split()[-1])
    form = page.get_by_test_id("loan-form")
    form.locator('select[name="station"]').select_option(STATION)
    form.locator('select[name="item"]').select_option("umbrella")
    form.locator('input[name="borrower_name"]').fill("张三丰")
    form.locator('input[name="borrower_phone"]').fill("13800000000")
    form.locator("button").click()
    page.wait_for_selector('[data-testid="flash"]')
    assert "已借出 雨伞" in page.get_by_test_id("flash").inner_text()
    assert int(shelf.inner_text().split()[-1]) == before - 1
    open_loans = page.get_by_test_id("open-loans-table")
    assert "13800000000" in open_loans.inner_text()
    page.screenshot(path=str(tmp_path / "loan_375.png"), full_page=True)
    _assert_fits(page, "loans")
    open_loans.locator("button").first.click()
    page.wait_for_selector('[data-testid="flash"]')
    assert "已归还" in page.get_by_test_id("flash").inner_text()
    assert int(shelf.inner_text().split()[-1]) == before
    assert view.blocked == [] and view.errors == []


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("staff_leader", [f"/grid/{GRID}", "/grid/buildings/FG-01"]),
        ("staff_admin", ["/admin/", "/admin/audit", "/admin/stock", "/admin/buildings",
                         "/admin/loans", "/grid/"]),
    ],
)
def test_every_staff_page_fits_a_phone(live_server, offline_page, staff, tmp_path, username,
                                       paths):
    view = offline_page(width=375, height=667)
    page = view.page
    _login(page, live_server, username)
    for path in paths:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state()
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(tmp_path / f"{name}_375.png"), full_page=True)
        _assert_fits(page, path)
    assert view.blocked == [] and view.errors == []
