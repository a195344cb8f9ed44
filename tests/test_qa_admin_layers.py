"""QA pass (admin): the layer editor refuses entrances far from their building and blank names.

The tiny community of support.grid_community (plain lon/lat offsets from LON, LAT): building
FG-1 is the square LON+0.0003…+0.0006 × LAT+0.0005…+0.0008; station S-1 风格城市党群服务站.
Before, an entrance typed at (116.0, 31.0) — 160 km away — was saved and became the
building's walking origin, and a station could be renamed "   ".
"""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from pyproj import Geod
from support.grid_community import LAT, LON
from support.layer_editor import layer_editor_client

TOP = LAT + 0.0008  # FG-1's northern edge
MIDDLE = LON + 0.00045


@pytest.fixture
def editor(grid_app_factory, tmp_path):
    return layer_editor_client(grid_app_factory, tmp_path)


def _files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.glob("*.geojson"))}


def _save_entrance(editor, lon: float, lat: float) -> str:
    response = editor.post("/admin/layers/buildings/FG-1", follow_redirects=True,
                           data={"csrf_token": editor.token, "entrances": f"{lon}, {lat}"})
    return unescape(response.get_data(as_text=True))


def test_an_entrance_far_from_its_building_is_refused(editor):
    before = _files(editor.data_dir)
    lat = TOP + 0.0006  # due north of the edge, inside the community
    metres = Geod(ellps="WGS84").inv(MIDDLE, TOP, MIDDLE, lat)[2]
    assert 60 < metres < 70  # about 66.5 m: 0.0006° of latitude
    page = _save_entrance(editor, MIDDLE, lat)
    assert (f"未保存：楼栋 FG-1 的出入口第 1 个 ({MIDDLE}, {lat}) 离楼栋 {metres:,.0f} 米"
            "（应在 50 米以内），经纬度是否有误？") in page
    page = _save_entrance(editor, 116.0, 31.0)
    assert "未保存：楼栋 FG-1 的出入口第 1 个 (116.0, 31.0) 离楼栋" in page
    assert _files(editor.data_dir) == before


def test_an_entrance_by_its_building_is_saved(editor):
    page = _save_entrance(editor, MIDDLE, TOP + 0.0003)  # about 33 m north of the edge
    assert "已保存楼栋 风格城市 1栋（FG-1）：出入口，" in page


@pytest.mark.parametrize("name", ["   ", "\u3000"])
def test_a_blank_station_name_is_refused_and_nothing_changes(editor, name):
    before = _files(editor.data_dir)
    response = editor.post("/admin/api/layers/stations/S-1",
                           headers={"X-CSRFToken": editor.token},
                           json={"properties": {"name": name}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == "name" and "字段 name: 缺少必填字段" in body["error"]
    assert _files(editor.data_dir) == before
    names = {s["name"] for s in editor.get("/api/stations").get_json()["stations"]}
    assert "风格城市党群服务站" in names


def test_names_are_saved_without_surrounding_blanks(editor):
    response = editor.post("/admin/api/layers/stations/S-1",
                           headers={"X-CSRFToken": editor.token},
                           json={"properties": {"name": "  风格城市党群服务中心 "}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["after"]["properties"]["name"] == "风格城市党群服务中心"
