"""Grid QA 3, the 微协商 staff lists: /staff/views, /staff/meetings and /staff/items listed every
row of the grid on one page (the sample 风格城市 grid: 47 views, 18 meetings, 32 items, and a
year of them in a busy grid). They come in pages of ``ROSTER_PAGE_ROWS`` as the roster does,
newest first, with the total shown and the filters kept in the page links.

The tiny community (tests/support/governance), the clock pinned to 2025-06-02 10:00 北京时间,
pages of two rows. JN-01 gets five views made 1, 2, 4, 5 and 6 days ago (环境卫生: answer due
within 72 hours, so the last three are overdue), the second of them published; JN-02 two views.
Five meetings and three items in JN-01, one of each in JN-02.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from support.accounts import logged_in
from support.governance import IN_JN01, IN_JN02, MOMENT, governance_app, make_view

from geo_app.governance.items import ItemInput, create_item
from geo_app.governance.meetings import MeetingInput, create_meeting
from geo_app.governance.reach import Reach
from geo_app.governance.views import Step
from geo_app.store import get_store
from geo_app.web.governance_support import categories

ROWS = 2
VIEW_DAYS = (1, 2, 4, 5, 6)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = governance_app(tmp_path_factory.mktemp("qa_grid3_paging"), ROSTER_PAGE_ROWS=ROWS)
    made: dict[str, list[int]] = {"views": [], "views2": [], "meetings": [], "items": []}
    for days in VIEW_DAYS:  # made oldest last: the ids do not follow the times
        steps = (Step(to="published"),) if days == 2 else ()
        view_id, _ = make_view(app, text=f"{days} 天前的意见", steps=steps,
                               at=MOMENT - timedelta(days=days))
        made["views"].append(view_id)
    for hours in (3, 30):
        made["views2"].append(make_view(app, grid_id="JN-02", point=IN_JN02,
                                        at=MOMENT - timedelta(hours=hours))[0])
    with app.app_context(), get_store().write() as db:
        for days, grid, point in ((9, "JN-01", IN_JN01), (1, "JN-01", IN_JN01),
                                  (20, "JN-01", IN_JN01), (3, "JN-01", IN_JN01),
                                  (7, "JN-01", IN_JN01), (2, "JN-02", IN_JN02)):
            meeting = create_meeting(
                db, MeetingInput(kind="meeting", held_at=MOMENT - timedelta(days=days),
                                 topic=f"{days} 天前的座谈", place_name="议事角",
                                 lon=point[0], lat=point[1]),
                grid_id=grid, actor="setup", now=MOMENT)
            if grid == "JN-01":
                made["meetings"].append((days, meeting.id))
        for days, grid, point in ((4, "JN-01", IN_JN01), (1, "JN-01", IN_JN01),
                                  (8, "JN-01", IN_JN01), (2, "JN-02", IN_JN02)):
            item = create_item(
                db, ItemInput(title=f"{days} 天前的项目", category="environment",
                              owner="物业", budget_source="居民自筹", lon=point[0],
                              lat=point[1]),
                grid_id=grid, actor="setup", at=MOMENT - timedelta(days=days),
                categories=categories(), budget_sources=["居民自筹"],
                reach=lambda place: Reach(300.0, (), 0.0, True), radius_m=300.0)
            if grid == "JN-01":
                made["items"].append((days, item.id))
    return app, made


def _walk(client, path: str, row: re.Pattern[str], section: str) -> tuple[list[int], list[str]]:
    """Follow the 下一页 links from ``path``: every row id in order, and each page's html."""
    ids: list[int] = []
    pages: list[str] = []
    url: str | None = path
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, url
        html = answer.get_data(as_text=True)
        pages.append(html)
        part = html[html.index(section):]
        ids += [int(i) for i in row.findall(part[:part.index(END[section])])]
        link = re.search(r'<a href="\?([^"]+)" rel="next">', html)
        url = f"{path.split('?')[0]}?{link.group(1).replace('&amp;', '&')}" if link else None
        assert len(pages) <= 10
    return ids, pages


#: Where each list's rows end.
END = {'data-testid="views-table"': "</table>", 'data-testid="staff-items"': "</table>",
       'data-testid="meetings"': "</ul>"}
VIEW_ROW = re.compile(r'<tr data-view-id="(\d+)"')
MEETING_ROW = re.compile(r'href="/staff/meetings/(\d+)"')
ITEM_ROW = re.compile(r'href="/staff/items/(\d+)"')


def test_the_views_come_in_pages_newest_first_each_once(site):
    app, made = site
    ids, pages = _walk(logged_in(app, "leader1"), "/staff/views", VIEW_ROW,
                       'data-testid="views-table"')
    assert ids == made["views"]  # made 1, 2, 4, 5, 6 days ago: already newest first
    assert [len(VIEW_ROW.findall(p)) for p in pages] == [2, 2, 1]
    assert "共 5 条，最新的在前；本页第 1–2 条" in pages[0]
    assert "第 3 / 3 页" in pages[2] and "本页第 5–5 条" in pages[2]
    # the overdue list above the table still names all three, on every page
    for page in pages:
        overdue = page[page.index('data-testid="overdue"'):]
        assert "超期未反馈 3 条" in page
        assert {int(i) for i in re.findall(r"/staff/views/(\d+)", overdue[:overdue.index(
            "</ul>")])} == set(made["views"][2:])


def test_the_views_filters_are_kept_in_the_page_links(site):
    app, made = site
    leader = logged_in(app, "leader1")
    ids, pages = _walk(leader, "/staff/views?state=submitted", VIEW_ROW,
                       'data-testid="views-table"')
    assert ids == [v for v, d in zip(made["views"], VIEW_DAYS, strict=True) if d != 2]
    assert len(pages) == 2 and "共 4 条" in pages[0]
    link = re.search(r'<a href="\?([^"]+)" rel="next">', pages[0]).group(1).replace("&amp;", "&")
    assert dict(parse_qsl(link)) == {"state": "submitted", "page": "2"}
    ids, pages = _walk(leader, "/staff/views?overdue=1", VIEW_ROW, 'data-testid="views-table"')
    # the overdue ones (4, 5, 6 days old, one category): the most overdue, the oldest, first
    assert ids == made["views"][2:][::-1] and "共 3 条" in pages[0]
    assert 'name="overdue" value="1"' in pages[0]  # the filter form keeps it too
    admin = logged_in(app, "admin")
    every, pages = _walk(admin, "/staff/views", VIEW_ROW, 'data-testid="views-table"')
    assert sorted(every) == sorted(made["views"] + made["views2"]) and len(pages) == 4
    assert len(set(every)) == len(every)
    ids, pages = _walk(admin, "/staff/views?grid=JN-02", VIEW_ROW, 'data-testid="views-table"')
    assert ids == made["views2"] and len(pages) == 1 and "共 2 条" in pages[0]
    ids, _ = _walk(admin, "/staff/views?grid=JN-01&state=submitted", VIEW_ROW,
                   'data-testid="views-table"')
    assert len(ids) == 4


def test_the_meetings_come_in_pages_newest_first(site):
    app, made = site
    ids, pages = _walk(logged_in(app, "steward1"), "/staff/meetings", MEETING_ROW,
                       'data-testid="meetings"')
    assert ids == [m for _, m in sorted(made["meetings"])]  # held 1, 3, 7, 9, 20 days ago
    assert [len(MEETING_ROW.findall(p[p.index('data-testid="meetings"'):]))
            for p in pages] == [2, 2, 1]
    assert "共 5 次，最新的在前" in pages[0]
    admin, _ = _walk(logged_in(app, "admin"), "/staff/meetings?grid=JN-01", MEETING_ROW,
                     'data-testid="meetings"')
    assert admin == ids


def test_the_items_come_in_pages_latest_update_first(site):
    app, made = site
    ids, pages = _walk(logged_in(app, "leader1"), "/staff/items", ITEM_ROW,
                       'data-testid="staff-items"')
    assert ids == [i for _, i in sorted(made["items"])]  # updated 1, 4, 8 days ago
    assert len(pages) == 2 and "共 3 个，最近更新的在前；本页第 1–2 个" in pages[0]


def test_a_page_that_is_no_number_is_refused_in_chinese(site):
    app, _ = site
    leader = logged_in(app, "leader1")
    for path, last in (("/staff/views", 3), ("/staff/meetings", 3), ("/staff/items", 2)):
        answer = leader.get(f"{path}?page=0")
        assert answer.status_code == 400
        assert "page 应为从 1 起的页码" in answer.get_data(as_text=True)
        past = leader.get(f"{path}?page=99").get_data(as_text=True)  # past the end: the last
        assert f"第 {last} / {last} 页" in past
