"""The layer history page says what restoring each kept version would undo.

A real layer set is edited through the editor's API (the tiny community of
``support.grid_community``: S-1 风格城市党群服务站 and S-2 和园歇歇角 open 24h, POI-1 便利店,
buildings FG-1 … HY-2); each version's "恢复后" text compares the version with the current
layer by feature id, properties and geometry. The expected sentences are worked out by hand
from the edits below.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from support.grid_community import LAT, LON
from support.layer_editor import layer_editor_client

WEEKDAYS_ONLY = {"mon": "08:00-18:00", "tue": "08:00-18:00", "wed": "08:00-18:00",
                 "thu": "08:00-18:00", "fri": "08:00-18:00", "sat": "closed", "sun": "closed"}


@pytest.fixture
def editor(grid_app_factory, tmp_path):
    return layer_editor_client(grid_app_factory, tmp_path)


def _post(editor, url: str, body: dict) -> dict:
    answer = editor.post(url, json=body, headers={"X-CSRFToken": editor.token})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def _previews(editor, page: int = 1) -> list[tuple[str, str]]:
    """(version file, its 恢复后 text), newest first."""
    html = editor.get(f"/admin/layers/history?page={page}").get_data(as_text=True)
    rows = re.findall(r'<tr data-version="([^"]+)">.*?data-testid="restore-preview">(.*?)</td>',
                      html, flags=re.S)
    return [(name, unescape(text)) for name, text in rows]


def test_each_version_says_what_restoring_it_would_undo(editor):
    # 1. S-2 opens on weekdays only (kept: stations with S-2 open 24h)
    _post(editor, "/admin/api/layers/stations/S-2", {"properties": {"hours": WEEKDAYS_ONLY}})
    # 2. a new POI (kept: pois with POI-1 only)
    poi = _post(editor, "/admin/api/layers/pois", {
        "properties": {"name": "新开水果店", "category": "生鲜超市/菜店"},
        "lon": LON + 0.0025, "lat": LAT + 0.0012})["id"]
    # 3. S-1 renamed and moved (kept: stations with S-2 on weekdays, S-1 as it was)
    _post(editor, "/admin/api/layers/stations/S-1", {
        "properties": {"name": "风格城市党群服务中心"}, "lon": LON + 0.0011, "lat": LAT + 0.0015})

    previews = _previews(editor)
    assert [name.rsplit("-", 1)[1] for name, _ in previews] == [
        "stations.geojson", "pois.geojson", "stations.geojson"]
    (_, before_rename), (_, before_poi), (_, before_hours) = previews
    assert before_rename == ("恢复后：服务站点 风格城市党群服务中心（S-1）的名称改回 "
                             "“风格城市党群服务站”、位置改回原处")
    assert before_poi == f"恢复后：删除新增的便民设施 新开水果店（{poi}）"
    # the oldest stations version also undoes the later rename: both differ from it
    assert before_hours == ("恢复后：服务站点 风格城市党群服务中心（S-1）的名称改回 "
                            "“风格城市党群服务站”、位置改回原处；"
                            "服务站点 和园歇歇角（S-2）的开放时间改回 24 小时开放")


def test_a_deleted_feature_comes_back_and_a_restored_version_matches(editor):
    poi = _post(editor, "/admin/api/layers/pois", {
        "properties": {"name": "修鞋摊", "category": "维修点"},
        "lon": LON + 0.0025, "lat": LAT + 0.0012})["id"]
    answer = editor.delete(f"/admin/api/layers/pois/{poi}", headers={"X-CSRFToken": editor.token})
    assert answer.status_code == 200, answer.get_json()
    (_, before_delete), (_, before_create) = _previews(editor)
    assert before_delete == f"恢复后：恢复已删除的便民设施 修鞋摊（{poi}）"
    assert before_create == "与当前图层相同，恢复不会改变任何内容"  # created, then deleted


def test_many_changes_are_counted_after_the_first_three(editor):
    residents = {"FG-1": 61, "FG-2": 56, "FG-3": 51, "HY-1": 91, "HY-2": 171}
    for building, count in residents.items():
        _post(editor, f"/admin/api/layers/buildings/{building}",
              {"properties": {"residents": count}})
    oldest = _previews(editor)[-1][1]  # before the first change: all five differ
    assert oldest == ("恢复后：楼栋 风格城市 1栋（FG-1）的常住人口改回 60；"
                      "楼栋 风格城市 2栋（FG-2）的常住人口改回 55；"
                      "楼栋 风格城市 3栋（FG-3）的常住人口改回 50；另有 2 处楼栋修改")


def test_the_history_is_paged(editor, monkeypatch):
    from geo_app.web.views import layer_editor

    monkeypatch.setattr(layer_editor, "HISTORY_PAGE_ROWS", 2)
    for count in (61, 62, 63):
        _post(editor, "/admin/api/layers/buildings/FG-1", {"properties": {"residents": count}})
    first, second = _previews(editor, 1), _previews(editor, 2)
    assert [text for _, text in first] == [
        "恢复后：楼栋 风格城市 1栋（FG-1）的常住人口改回 62",
        "恢复后：楼栋 风格城市 1栋（FG-1）的常住人口改回 61"]
    assert [text for _, text in second] == ["恢复后：楼栋 风格城市 1栋（FG-1）的常住人口改回 60"]
