"""What the admin reads after a save: the station, building and fields in words (not
``S-1``, ``floors``), and a refused layer save said once (not "未保存：图层校验未通过，
未保存：")."""

from __future__ import annotations

import re

import pytest
from support.accounts import ACCOUNTS, csrf_token_of, logged_in


@pytest.fixture
def admin(grid_app_factory):
    """The admin on the tiny community (its layers in a temporary folder, so editable)."""
    client = logged_in(grid_app_factory(accounts=ACCOUNTS), "admin")
    client.token = csrf_token_of(client, "/admin/stock")
    return client


def _flashes(client, url: str, **form: str) -> list[str]:
    html = client.post(url, data={"csrf_token": client.token, **form},
                       follow_redirects=True).get_data(as_text=True)
    return re.findall(r'data-testid="flash">(.*?)</p>', html)


def test_a_stock_movement_names_the_station_and_the_movement(admin):
    token = re.search(r'name="submission" value="([^"]+)"',
                      admin.get("/admin/stock").get_data(as_text=True)).group(1)
    said = _flashes(admin, "/admin/stock", station="S-1", item="umbrella",
                    movement="restocked", quantity="2", submission=token)
    assert said == ["已登记：风格城市党群服务站 补货 雨伞 10 → 12"]


def test_a_building_save_names_the_building_and_the_fields_in_words(admin):
    said = _flashes(admin, "/admin/layers/buildings/FG-2", floors="7", residents="56")
    assert said == ["已保存楼栋 风格城市 2栋（FG-2）：层数、常住人口，服务已使用新数据"]


def test_a_refused_building_save_says_not_saved_once(admin):
    said = _flashes(admin, "/admin/layers/buildings/FG-2", floors="0")
    assert len(said) == 1
    assert said[0].startswith("图层校验未通过，未保存：楼栋图层: ")
    assert said[0].count("未保存") == 1
    # a refusal the form itself finds keeps its 未保存
    assert _flashes(admin, "/admin/layers/buildings/FG-2", floors="七") == [
        "未保存：层数（floors）须为整数，收到 “七”"]


def test_a_name_too_long_for_a_poster_is_refused_and_nothing_changes(admin):
    long_name = "风格城市" + "长" * 296
    said = _flashes(admin, "/admin/layers/buildings/FG-2", name=long_name)
    assert said == ["未保存：名称最多 50 个字，收到 300 个字（“风格城市长长长长长长长长”…）："
                    "地图标签、海报和名单放不下"]
    page = admin.get("/admin/layers/buildings/FG-2").get_data(as_text=True)
    assert 'value="风格城市 2栋"' in page
    # fifty characters, HTML and emoji are a name like any other (shown as text)
    assert _flashes(admin, "/admin/layers/buildings/FG-2", name="<b>楼</b>😀" + "长" * 41)[0] \
        .startswith("已保存楼栋 &lt;b&gt;楼&lt;/b&gt;😀")  # escaped: text, not markup
