"""The grid's roster in pages: a grid of thousands of households was one 2 MB page on a
steward's phone. Pages keep the filters, a bad page number is a Chinese 400, and every found
household is on exactly one page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.accounts import add_accounts, login
from support.apps import make_grid_app

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.models import Household
from geo_app.store.sample import facts_from_layer, seed_people

ROWS = 4
ROW = re.compile(r'<tr data-household-id="([^"]+)"')


@pytest.fixture(scope="module")
def leader(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("roster_pages"), ROSTER_PAGE_ROWS=ROWS)
    add_accounts(app)
    with app.app_context(), get_store().write() as db:
        seed_people(db, facts_from_layer(get_community().buildings), actor="test")
        grid_households = [h for h in db.scalars(select(Household))
                           if h.building_id.startswith("FG")]  # FG-1..3 are JN-01's
        for household in grid_households:  # exactly six tagged: two pages of them
            household.tags = ["独居老人"] if household in grid_households[:ROWS + 2] else []
        expected = len(grid_households)
    client = app.test_client()
    assert login(client, "leader1").status_code == 302
    client.expected = expected
    return client


def _page(client, query: str) -> str:
    answer = client.get(f"/grid/JN-01/roster?{query}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_every_household_is_on_exactly_one_page(leader):
    pages = -(-leader.expected // ROWS)
    assert pages >= 3
    seen: list[str] = []
    for number in range(1, pages + 1):
        page = _page(leader, f"page={number}")
        rows = ROW.findall(page)
        assert len(rows) == (ROWS if number < pages else leader.expected - ROWS * (pages - 1))
        assert f"第 {number} / {pages} 页" in page
        assert ('rel="next"' in page) == (number < pages)
        assert ('rel="prev"' in page) == (number > 1)
        seen += rows
    assert len(seen) == len(set(seen)) == leader.expected
    first = _page(leader, "")
    assert f"{leader.expected} 户（共 {leader.expected} 户），本页第 1–{ROWS} 户" in first
    assert ROW.findall(first) == seen[:ROWS]
    assert ROW.findall(_page(leader, f"page={pages + 5}")) == seen[ROWS * (pages - 1):]


def test_pages_keep_the_filter(leader):
    first = _page(leader, "tag=独居老人")
    assert len(ROW.findall(first)) == ROWS
    assert "6 户" in first and "第 1 / 2 页" in first
    following = re.search(r'href="\?([^"]+)" rel="next"', first).group(1)
    assert following == "tag=%E7%8B%AC%E5%B1%85%E8%80%81%E4%BA%BA&amp;page=2"
    second = _page(leader, following.replace("&amp;", "&"))
    assert len(ROW.findall(second)) == 2
    assert not set(ROW.findall(first)) & set(ROW.findall(second))


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5"])
def test_a_bad_page_number_is_a_chinese_400_naming_page(leader, bad):
    answer = leader.get(f"/grid/JN-01/roster?page={bad}")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "page 应为从 1 起的页码" in page and "Traceback" not in page
