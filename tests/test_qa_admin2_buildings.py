"""楼栋划分 at district scale: the page is searched, filtered by grid and paged (one <select> of
every grid per row made a 24,576-building district a 370 MB page taking 40 s), and a save
returns to the same search and page."""

from __future__ import annotations

import re

import pytest
from support.accounts import AuthActions, csrf_token_of

from geo_app.store import get_store
from geo_app.store.audit import entries


@pytest.fixture
def app(grid_app_factory):
    return grid_app_factory(ROSTER_PAGE_ROWS=2)  # 5 buildings: pages of 2, 2 and 1


@pytest.fixture
def admin(app):
    client = app.test_client()
    assert AuthActions(client).login("admin").status_code == 302
    client.token = csrf_token_of(client, "/admin/")
    return client


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-building-id="([^"]+)"', html)


def _flashes(html: str) -> list[str]:
    return re.findall(r'data-testid="flash">(.*?)</p>', html)


def test_the_building_list_is_paged(admin):
    pages = [admin.get(f"/admin/buildings?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert [_rows(html) for html in pages] == [["FG-1", "FG-2"], ["FG-3", "HY-1"], ["HY-2"]]
    assert "共 5 栋，此页为第 3–4 栋" in pages[1]
    assert "第 2 / 3 页" in pages[1]
    # past the last page: the last page, not an empty one
    assert _rows(admin.get("/admin/buildings?page=99").get_data(as_text=True)) == ["HY-2"]


def test_search_and_grid_filter_narrow_the_list(admin):
    html = admin.get("/admin/buildings?grid=JN-02").get_data(as_text=True)
    assert _rows(html) == ["HY-1", "HY-2"]
    assert "找到 2 栋（共 5 栋）" in html
    assert _rows(admin.get("/admin/buildings?q=和园 2").get_data(as_text=True)) == ["HY-2"]
    assert _rows(admin.get("/admin/buildings?q=FG-3").get_data(as_text=True)) == ["FG-3"]
    assert _rows(admin.get("/admin/buildings?q=风格城市&grid=JN-02").get_data(as_text=True)) == []
    assert "没有符合条件的楼栋" in admin.get("/admin/buildings?q=无此楼").get_data(as_text=True)


@pytest.mark.parametrize(("query", "parameter", "words"), [
    ("grid=JN-99", "grid", "网格 “JN-99” 不存在"),
    ("page=abc", "page", "页码"),
    ("page=99999999999999999999999", "page", None),
])
def test_bad_filters_are_told_in_chinese(admin, query, parameter, words):
    answer = admin.get(f"/admin/buildings?{query}")
    html = answer.get_data(as_text=True)
    if words is None:  # a huge page number is the last page, never a 500
        assert answer.status_code == 200 and _rows(html) == ["HY-2"]
        return
    assert answer.status_code == 400
    assert words in html and "Traceback" not in html


def test_a_save_returns_to_the_same_search_and_page_and_names_the_building(app, admin):
    answer = admin.post("/admin/buildings/HY-2", data={
        "csrf_token": admin.token, "grid": "JN-01", "back_grid": "JN-02", "back_page": "1",
        "back_q": "和园"})
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/admin/buildings?")
    for part in ("grid=JN-02", "page=1", "q=%E5%92%8C%E5%9B%AD"):
        assert part in answer.headers["Location"]
    html = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert _flashes(html) == ["楼栋 和园 2栋（HY-2）已划入 风格城市网格"]
    assert _rows(html) == ["HY-1"]  # HY-2 now lies in JN-01, outside the filter


def test_moving_a_building_to_a_grid_that_does_not_exist_changes_nothing(app, admin):
    with app.app_context(), get_store().read() as db:
        before = len(entries(db, limit=1000))
    html = admin.post("/admin/buildings/FG-1", data={"csrf_token": admin.token, "grid": "JN-99"},
                      follow_redirects=True).get_data(as_text=True)
    assert any("未保存" in f and "JN-99" in f for f in _flashes(html))
    with app.app_context(), get_store().read() as db:
        assert len(entries(db, limit=1000)) == before
    assert 'selected>风格城市网格' in html.split('data-building-id="FG-1"')[1].split("</tr>")[0]
