"""操作日志 as the admin reads it over thousands of entries: numbered pages that never 500, the
actors that are no account told in words and offered in the person filter, and a deleted
station's stock entries still told by the station's name."""

from __future__ import annotations

import re

import pytest
from support.accounts import ACCOUNTS, csrf_token_of, logged_in
from support.grid_community import LAT, LON

from geo_app.store import get_store
from geo_app.store.audit import record


@pytest.fixture
def app(grid_app_factory, tmp_path):
    return grid_app_factory(
        accounts=ACCOUNTS,
        LAYER_HISTORY_DIR=str(tmp_path / "history"),
        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"),
    )


@pytest.fixture
def admin(app):
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/layers")
    return client


def _rows(html: str) -> list[tuple[str, str]]:
    """(操作人, 内容) of each row of the log's table."""
    return re.findall(r'<td data-label="操作人" class="nowrap">(.*?)</td><td data-label="内容">'
                      r"(.*?)</td>", html)


def _log(app, count: int, *, actor: str) -> None:
    with app.app_context(), get_store().write() as db:
        for n in range(count):
            record(db, actor=actor, action="stock.restocked", target="station:S-1/umbrella",
                   before={"count": n}, after={"count": n + 1})


def test_the_log_is_paged_with_numbers_and_a_total(app, admin):
    html = admin.get("/admin/audit?kind=stock").get_data(as_text=True)
    seeded = int(re.search(r"共 (\d+) 条", html).group(1))
    _log(app, 250, actor="admin")
    total = seeded + 250
    pages = -(-total // 100)
    first = admin.get("/admin/audit?kind=stock").get_data(as_text=True)
    assert f"共 {total} 条，最新的在前" in first
    assert len(_rows(first)) == 100
    assert f"第 1 / {pages} 页" in first
    # the pager keeps the filter
    assert "kind=stock&amp;page=2" in first
    last = admin.get(f"/admin/audit?kind=stock&page={pages}").get_data(as_text=True)
    assert len(_rows(last)) == total - 100 * (pages - 1)
    # the newest first: the last page ends with the oldest entry
    assert _rows(last)[-1][1].startswith("按图层初始化")  # the stock seeded at start


@pytest.mark.parametrize("page", ["99999999999999999999", "100000000"])
def test_a_page_past_the_end_is_the_last_page_never_a_500(app, admin, page):
    answer = admin.get(f"/admin/audit?page={page}")
    assert answer.status_code == 200
    assert _rows(answer.get_data(as_text=True))  # the last page, not an empty one


@pytest.mark.parametrize("page", ["abc", "-1", "0", "2.5"])
def test_a_page_that_is_no_number_is_told_in_chinese(admin, page):
    answer = admin.get(f"/admin/audit?page={page}")
    assert answer.status_code == 400
    assert "page 应为从 1 起的页码" in answer.get_data(as_text=True)


def test_an_unknown_kind_lists_the_kinds_in_words(admin):
    html = admin.get("/admin/audit?kind=xxx").get_data(as_text=True)
    assert "参数 kind：未知类别 “xxx”" in html
    assert "stock（库存）" in html and "layer（图层编辑）" in html


def test_actors_that_are_no_account_are_told_in_words_and_can_be_chosen(app, admin):
    _log(app, 1, actor="cli:root")
    _log(app, 1, actor="sample")
    html = admin.get("/admin/audit").get_data(as_text=True)
    who = {person for person, _ in _rows(html)}
    assert {"命令行（root）", "示例数据", "系统"} <= who
    assert not who & {"cli:root", "sample", "system"}
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                              html.split('name="person"')[1].split("</select>")[0]))
    assert options["cli:root"] == "命令行（root）"
    assert options["sample"] == "示例数据"
    assert options["system"] == "系统"
    chosen = admin.get("/admin/audit?person=cli:root").get_data(as_text=True)
    assert [person for person, _ in _rows(chosen)] == ["命令行（root）"]


def test_a_deleted_station_is_still_named_in_its_stock_entries(app, admin):
    headers = {"X-CSRFToken": admin.token}
    made = admin.post("/admin/api/layers/stations", headers=headers, json={
        "properties": {"name": "临时歇脚点", "kind": "rest_post", "contact": "0551-65550000",
                       "items": {"umbrella": 2}},
        "lon": LON + 0.001, "lat": LAT + 0.0012})
    assert made.status_code == 201, made.get_json()
    station = made.get_json()["id"]
    gone = admin.delete(f"/admin/api/layers/stations/{station}?stock=write_off", headers=headers)
    assert gone.status_code == 200, gone.get_json()
    told = [what for _, what in _rows(admin.get("/admin/audit?kind=stock").get_data(as_text=True))]
    assert told[:2] == ["登记库存报损 临时歇脚点 雨伞 2 把（2 → 0）",
                        "按图层初始化 临时歇脚点 的库存"]
    assert not any(station in what for what in told)
    csv_text = admin.get("/admin/audit.csv?kind=stock").get_data(as_text=True)
    assert "登记库存报损 临时歇脚点 雨伞 2 把" in csv_text
