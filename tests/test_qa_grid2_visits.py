"""Grid QA 2, the 走访 page of a grid leader: a grid of 600 households has hundreds of care
households overdue (the sample 风格城市 grid: 524), all listed in one run of cards on a phone,
with the visit records below them. The overdue list now comes in pages (ROSTER_PAGE_ROWS),
never-visited first, and the page says how many visits it lists.

The tiny community's invented roster, nobody visited yet: every care household is overdue.
Pages of one row here (the roster tags four households); the expected pages are worked out
from the count in the store.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.accounts import logged_in
from support.roster import roster_app

from geo_app.store import get_store
from geo_app.store.models import Household

ROWS = 1
CARE = {"独居老人", "困难家庭", "残疾人"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return roster_app(tmp_path_factory.mktemp("qa_grid2_visits"), ROSTER_PAGE_ROWS=ROWS)


def _care_households(app) -> set[str]:
    """JN-01's living households with a care tag (FG-1 … FG-3), read from the store."""
    with app.app_context(), get_store().read() as db:
        return {h.id for h in db.scalars(select(Household).where(
                    Household.building_id.in_(["FG-1", "FG-2", "FG-3"]),
                    Household.moved_out_at.is_(None)))
                if CARE & set(h.tags or ())}


def _rows(page: str) -> list[str]:
    table = page[page.index('data-testid="overdue-visits"'):]
    return re.findall(r'<tr data-household-id="([^"]+)">', table[:table.index("</table>")])


def test_the_overdue_care_households_come_in_pages(app):
    care = _care_households(app)
    assert len(care) > 2 * ROWS  # the sample roster tags enough households for three pages
    pages = -(-len(care) // ROWS)
    leader = logged_in(app, "leader1")
    seen: list[str] = []
    for number in range(1, pages + 1):
        page = leader.get(f"/grid/JN-01/visits?page={number}").get_data(as_text=True)
        rows = _rows(page)
        assert len(rows) == (ROWS if number < pages else len(care) - ROWS * (pages - 1))
        assert f"逾期未走访的重点关注户（{len(care)}）" in page
        assert f"第 {number} / {pages} 页" in page
        seen += rows
    assert len(seen) == len(set(seen)) and set(seen) == care  # each exactly once

    mine = leader.get("/grid/JN-01/visits?mine=1").get_data(as_text=True)
    assert re.search(r'href="\?mine=1&amp;page=2" rel="next"', mine)  # keeps 我的

    bad = leader.get("/grid/JN-01/visits?page=abc")
    assert bad.status_code == 400 and "page 应为从 1 起的页码" in bad.get_data(as_text=True)
