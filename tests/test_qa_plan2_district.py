"""QA pass 2 (planners) with many grids: the printed report is the one A4 page its link
promises (64 grids printed on 3 pages before), and the wide 15-minute table keeps its row
names in view while it scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from support.browser import served
from support.planner_page import synthetic_district

PRINT = "/planner/print?threshold=500&k=50"


@pytest.fixture(scope="module")
def district_server(app_factory, tmp_path_factory) -> Iterator[str]:
    """The 16 × 16 block community: 1,536 buildings in 16 grids, served on loopback."""
    data = tmp_path_factory.mktemp("print16")
    assert synthetic_district(16, data)["grids"] == 16
    with served(app_factory(DATA_DIR=str(data))) as base:
        yield base


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_the_link_promises_one_page(live_server, browser) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/planner?threshold=500&k=2")
    assert "A4 一页" in page.get_by_test_id("print-link").inner_text()
    page.close()


def test_many_grids_and_sites_print_on_one_a4_page(district_server, browser) -> None:
    report = browser.new_page().request.get(
        f"{district_server}/planner/report.json?threshold=500&k=50").json()
    sites = report["siting"]["maximal_covering"]["exact"]["sites"]
    assert len(report["grids"]) == 16 and len(sites) > 6
    page = browser.new_page()
    page.goto(f"{district_server}{PRINT}")
    assert _pages(page.pdf(prefer_css_page_size=True)) == 1
    # the grids left out are said, and the ones printed are the lowest shares, lowest first
    caption = page.get_by_test_id("print-more-grids").inner_text()
    assert "共 16 个网格，列出居民覆盖率最低的 10 个" in caption and "分网格覆盖 CSV" in caption
    lowest = sorted(report["grids"], key=lambda g: g["network"]["residents_share"])[:10]
    printed = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert printed[:-1] == [g["name"] for g in lowest] and printed[-1] == "全社区"
    assert page.locator(".two ol li").count() == 6
    more = page.get_by_test_id("print-more-sites").inner_text()
    assert f"另有 {len(sites) - 6} 处（图上编号 7–{len(sites)}）" in more
    page.close()


def test_a_community_with_few_grids_prints_all_of_them(live_server, browser) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/planner/print?threshold=500&k=2")
    assert _pages(page.pdf(prefer_css_page_size=True)) == 1
    assert page.locator("table tbody tr").count() == 7  # 6 grids and 全社区
    assert page.get_by_test_id("print-more-grids").count() == 0
    page.close()


#: After scrolling the 15-minute table to its right end: each body row's name (the category,
#: or the group's) when it shows, uncovered, at the table's left edge, else null.
LEFT_EDGE = """() => {
  const wrap = document.querySelector('[data-testid=circle-table]').parentElement;
  wrap.scrollLeft = wrap.scrollWidth;
  const view = wrap.getBoundingClientRect();
  return [[wrap.scrollWidth, wrap.clientWidth], [...wrap.querySelectorAll('tbody tr')]
    .map((row) => {
      const name = row.querySelector('th span') || row.firstElementChild;
      const box = name.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + 4, box.top + box.height / 2);
      const atEdge = box.left >= view.left - 0.5 && box.left < view.left + 20;
      return atEdge && name.contains(hit) ? name.textContent.trim() : null;
    })];
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 667)])
def test_the_wide_circle_table_keeps_its_row_names_in_view(
    district_server, offline_page, width, height
) -> None:
    """With 16 grids (64 in a district) the table is wider than the page: scrolled to the
    right its rows were rows of bare percentages, the categories scrolled out of view."""
    view = offline_page(width=width, height=height)
    page = view.page
    page.goto(f"{district_server}/planner?threshold=500&k=2")
    page.get_by_test_id("circle-table").scroll_into_view_if_needed()
    widths, edge = page.evaluate(LEFT_EDGE)
    heads = page.locator("[data-testid=circle-table] tbody tr > :first-child").all_inner_texts()
    assert widths[0] > widths[1] + 150, widths  # scrolls further than the name column
    assert len(edge) == len(heads) > 20
    assert edge == [text.strip() for text in heads]  # 基本保障类, 便利店, …, 等级
    assert edge[0] == "基本保障类" and edge[-1] == "等级"
    assert view.errors == []
