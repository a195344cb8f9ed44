"""Care follow-ups on a grid leader's phone (Chromium at 375×667): from the grid page's
待跟进 count to the list, the 已跟进 form opened and sent with a thumb, and the count going down.
Every control of the list and the household page is at least 44 px high (WCAG 2.5.5) and no
page scrolls sideways.

The tiny community; the clock pinned to 2026-11-27 09:30 北京时间; two visits of FG-1 asked for
a follow-up: on 2026-11-20 (7 days open) and on 2026-11-25 (2 days).
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.accounts import PASSWORD
from support.roster import roster_app
from werkzeug.serving import make_server

from geo_app.store import get_store
from geo_app.store.models import Household
from geo_app.store.visits import record_visit

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
CONTROLS = """() => [...document.querySelectorAll(
    'button, select, summary, label.check, a.chip, .pager a, .button, textarea, '
    + 'input:not([type=checkbox]):not([type=radio]):not([type=hidden])')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e.tagName + ' ' + (e.innerText || e.name || '').trim().slice(0, 20),
             e.getBoundingClientRect().height])"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = roster_app(tmp_path_factory.mktemp("care_followups_browser"), CLOCK=lambda: NOW)
    with app.app_context(), get_store().write() as db:
        first, second = db.scalars(select(Household).where(Household.building_id == "FG-1")
                                   .order_by(Household.id)).all()[:2]
        for household, day, note in ((first, date(2026, 11, 20), "楼道灯坏了，老人夜里不便"),
                                     (second, date(2026, 11, 25), "想申请助餐")):
            record_visit(db, household, visited_on=day, kind="入户走访", note=note,
                         follow_up=True, kinds=["入户走访"], today=NOW.date(),
                         visitor="leader1", at=NOW)
        household_id = first.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", household_id
    server.shutdown()


def test_a_leader_closes_a_follow_up_on_a_phone(site, offline_page):
    base, household_id = site
    view = offline_page(width=375, height=667)
    page = view.page
    page.goto(f"{base}/login")
    for field, value in (("username", "leader1"), ("password", PASSWORD)):
        page.fill(f'input[name="{field}"]', value)
    page.click('button[type="submit"]')
    page.wait_for_load_state()

    small = {}
    for path in ("/grid/JN-01/follow-ups", f"/grid/buildings/FG-1/households/{household_id}"):
        page.goto(base + path)
        page.wait_for_load_state()
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        controls = page.evaluate(CONTROLS)
        assert len(controls) >= 4, path
        small[path] = [(name, round(height)) for name, height in controls if height < 43.5]
    assert small == {path: [] for path in small}

    page.goto(f"{base}/grid/JN-01")
    link = page.get_by_test_id("follow-ups-link")
    assert link.inner_text().strip() == "待跟进 2"
    link.click()
    page.wait_for_load_state()
    rows = page.locator('[data-testid="follow-up-table"] tbody tr')
    assert rows.count() == 2
    assert rows.nth(0).get_by_test_id("days-open").inner_text().strip() == "7 天"
    assert "楼道灯坏了" in rows.nth(0).inner_text()
    rows.nth(0).locator("summary").click()
    rows.nth(0).locator('textarea[name="note"]').fill("已联系物业换好楼道灯")
    rows.nth(0).get_by_role("button", name="已跟进").click()
    page.wait_for_load_state()
    assert page.url.endswith("/grid/JN-01/follow-ups")
    assert page.get_by_test_id("flash").inner_text() == "已办结 2026-11-20 走访所记的跟进事项"
    rows = page.locator('[data-testid="follow-up-table"] tbody tr')
    assert rows.count() == 1 and "想申请助餐" in rows.nth(0).inner_text()
    assert rows.nth(0).get_by_test_id("days-open").inner_text().strip() == "2 天"
    page.goto(f"{base}/grid/buildings/FG-1/households/{household_id}")
    history = page.get_by_test_id("visit-history").inner_text()
    assert "已跟进 2026-11-20" not in history  # the closure is dated the day it was done
    assert "已跟进 2026-11-27" in history and "已联系物业换好楼道灯" in history
    assert view.errors == [] and view.blocked == []
