"""Care follow-ups on a grid leader's phone (Chromium at 375×667): from the grid page's
待跟进 count to the list, the 已跟进 form opened and sent with a thumb, and the count going down.
Every control of the list and the household page is at least 44 px high (WCAG 2.5.5) and no
page scrolls sideways.

The tiny community; the clock pinned to 2026-11-27 09:30 北京时间; two visits of FG-1 asked for
a follow-up: on 2026-11-20 (7 days open) and on 2026-11-25 (2 days).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.browser import CONTROLS, log_in, served, small_controls
from support.roster import roster_app

from geo_app.store import get_store
from geo_app.store.models import Household
from geo_app.store.visits import record_visit

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


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
    with served(app) as base:
        yield base, household_id


def test_a_leader_closes_a_follow_up_on_a_phone(site, offline_page):
    base, household_id = site
    view = offline_page(width=375, height=667)
    page = view.page
    log_in(page, base, "leader1")

    small = {}
    for path in ("/grid/JN-01/follow-ups", f"/grid/buildings/FG-1/households/{household_id}"):
        page.goto(base + path)
        page.wait_for_load_state()
        small[path] = small_controls(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert len(page.evaluate(CONTROLS)) >= 4, path
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
