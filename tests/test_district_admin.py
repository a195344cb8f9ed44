"""District scale, checked on the bundled sample: the layer editor's data cut to the map's view
(``/admin/api/layers?bbox=``), the 楼栋属性 list paged and searched, the QR poster index paged.

Expected sets are worked out from the layer files with shapely, one geometry at a time (the
service uses an STR-tree), and with pandas string matching for the searches.
"""

from __future__ import annotations

import re

import pytest
import shapely
from support.accounts import ensure_account, logged_in
from support.refusals import assert_api_refusal

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.state.community import get_community
from geo_app.store import get_store
from layers import load_community

ADMIN, PASSWORD = "district_admin", "district-test-secret-1"
SAMPLE = load_community(BUNDLED_DATA_DIR)
VIEW_LAYERS = ("paths", "buildings", "pois")
WHOLE_LAYERS = ("boundary", "grids", "compounds", "stations")


def _admin(app):
    with app.app_context(), get_store().write() as db:
        ensure_account(db, get_community(), username=ADMIN, password=PASSWORD, role="admin")
    return logged_in(app, ADMIN, PASSWORD)


@pytest.fixture(scope="module")
def admin(app_factory):
    return _admin(app_factory())


def _ids(collection: dict) -> list[str]:
    return [f["properties"]["id"] for f in collection["features"]]


def _intersecting(layer: str, box: tuple[float, float, float, float]) -> list[str]:
    """The ids of ``layer``'s features intersecting ``box``, in file order, one at a time."""
    area = shapely.box(*box)
    frame = SAMPLE.layer(layer)
    return [str(i) for i, geometry in zip(frame["id"], frame.geometry, strict=True)
            if geometry.intersects(area)]


def _bbox(box: tuple[float, float, float, float]) -> str:
    return ",".join(repr(float(v)) for v in box)


# ---------------------------------------------------------------------- the editor's data


def test_without_a_box_every_feature_of_every_layer_is_sent_as_before(admin):
    layers = admin.get("/admin/api/layers").get_json()["layers"]
    assert set(layers) == {"boundary", "grids", "compounds", "paths", "buildings", "pois",
                           "stations"}
    for name, collection in layers.items():
        assert _ids(collection) == [str(i) for i in SAMPLE.layer(name)["id"]], name
    assert layers["stations"]["movable"] and layers["stations"]["editable"]
    assert not layers["paths"]["editable"]


def test_a_box_sends_exactly_the_buildings_paths_and_pois_intersecting_it(admin):
    west, south, _, north = SAMPLE.buildings.total_bounds
    # the south-west quarter, its east edge on the east side of one building (touching counts)
    edge = SAMPLE.buildings.geometry.iloc[len(SAMPLE.buildings) // 2].bounds[2]
    box = (float(west), float(south), float(edge), float((south + north) / 2))
    answer = admin.get(f"/admin/api/layers?bbox={_bbox(box)}")
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    expected = {name: _intersecting(name, box) for name in VIEW_LAYERS}
    assert 0 < len(expected["buildings"]) < len(SAMPLE.buildings)
    for name in VIEW_LAYERS:
        assert _ids(data["layers"][name]) == expected[name], name
    for name in WHOLE_LAYERS:  # few, and always whole
        assert _ids(data["layers"][name]) == [str(i) for i in SAMPLE.layer(name)["id"]]
    assert data["view"] == {"bbox": list(box), "complete": True, "limit": 6000,
                            "found": {name: len(ids) for name, ids in expected.items()}}


def test_only_the_layers_asked_for_are_sent(admin):
    box = tuple(SAMPLE.boundary.total_bounds)
    data = admin.get(f"/admin/api/layers?bbox={_bbox(box)}&layers=buildings,stations").get_json()
    assert set(data["layers"]) == {"buildings", "stations"}
    assert _ids(data["layers"]["buildings"]) == list(SAMPLE.buildings["id"])
    assert data["view"]["found"] == {"buildings": len(SAMPLE.buildings)}


def test_a_box_holding_more_than_the_limit_sends_none_of_them_and_says_how_many(app_factory):
    client = _admin(app_factory(EDITOR_VIEW_MAX_FEATURES=100))
    box = tuple(SAMPLE.boundary.total_bounds)
    data = client.get(f"/admin/api/layers?bbox={_bbox(box)}").get_json()
    assert data["view"]["complete"] is False
    assert data["view"]["found"] == {"paths": 77, "buildings": 154, "pois": 46}  # the files'
    assert all(data["layers"][name]["features"] == [] for name in VIEW_LAYERS)
    assert len(data["layers"]["stations"]["features"]) == len(SAMPLE.stations)
    # a box of one building and what touches it is within the limit
    one = SAMPLE.buildings.geometry.iloc[0].bounds
    small = client.get(f"/admin/api/layers?bbox={_bbox(one)}").get_json()
    assert small["view"]["complete"] is True
    assert _ids(small["layers"]["buildings"]) == _intersecting("buildings", one)


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("bbox=117.25,31.95,117.27", "bbox", "应为 西,南,东,北 四个经纬度数值"),
        ("bbox=东,南,西,北", "bbox", "应为 西,南,东,北 四个经纬度数值"),
        ("bbox=117.27,31.95,117.25,31.97", "bbox", "应为 西 < 东、南 < 北"),
        ("bbox=31.95,117.25,31.97,117.27", "bbox", "纬度应在 -90–90°"),
        ("bbox=117.25,31.95,inf,31.97", "bbox", "四个经纬度数值"),
        ("layers=buildings,roads", "layers", "图层 “roads” 不存在"),
        ("bbox=117.25,31.95,117.27,31.97&zoom=16", "zoom", "未知参数 zoom"),
    ],
)
def test_a_bad_box_or_layer_is_a_400_naming_the_parameter(admin, query, parameter, words):
    answer = admin.get(f"/admin/api/layers?{query}")
    assert_api_refusal(answer, parameter, words)


def test_full_width_digits_and_commas_are_read(admin):
    box = "１１７．２５，３１．９５，１１７．２７，３１．９７"
    assert admin.get(f"/admin/api/layers?bbox={box}").get_json()["view"]["bbox"] == [
        117.25, 31.95, 117.27, 31.97]


# ---------------------------------------------------------------------- 楼栋属性 list


def _listed(client, query: str = "") -> list[str]:
    html = client.get(f"/admin/layers/buildings{query}").get_data(as_text=True)
    return re.findall(r'href="/admin/layers/buildings/([^"]+)"', html)


def test_the_building_list_is_paged_a_hundred_a_page_and_lists_each_building_once(admin):
    first, second = _listed(admin), _listed(admin, "?page=2")
    assert len(first) == 100 and len(second) == len(SAMPLE.buildings) - 100
    assert first + second == list(SAMPLE.buildings["id"])
    html = admin.get("/admin/layers/buildings").get_data(as_text=True)
    assert "共 154 栋，此页为第 1–100 栋" in html and "第 1 / 2 页" in html
    assert _listed(admin, "?page=9") == second  # past the last: the last


def test_the_building_list_searches_names_ids_and_compounds_and_filters_by_grid(admin):
    buildings = SAMPLE.buildings
    compound = str(buildings["compound"].iloc[0])
    expected = buildings.loc[buildings["name"].str.contains(compound)
                             | buildings["id"].str.contains(compound)
                             | buildings["compound"].str.contains(compound), "id"]
    assert _listed(admin, f"?q={compound}") == list(expected)
    grid = str(SAMPLE.grids["id"].iloc[1])
    assert _listed(admin, f"?grid={grid}") == list(buildings.loc[buildings["grid_id"] == grid,
                                                                  "id"])
    html = admin.get(f"/admin/layers/buildings?q={compound}").get_data(as_text=True)
    assert f"找到 {len(expected)} 栋（共 154 栋）" in html
    assert _listed(admin, "?q=没有这样的楼") == []


@pytest.mark.parametrize(
    ("query", "words"),
    [("?grid=NOPE", "网格 “NOPE” 不存在"), ("?page=abc", "page 应为从 1 起的页码")],
)
def test_a_bad_list_filter_is_a_chinese_400_page(admin, query, words):
    answer = admin.get(f"/admin/layers/buildings{query}")
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)


def test_the_pages_keep_the_search(app_factory):
    client = _admin(app_factory(ROSTER_PAGE_ROWS=5))
    compound = str(SAMPLE.buildings["compound"].iloc[0])
    html = client.get(f"/admin/layers/buildings?q={compound}").get_data(as_text=True)
    link = re.search(r'href="\?([^"]*page=2[^"]*)"', html)
    assert link is not None
    assert "q=" in link.group(1) and "page=2" in link.group(1)


# ---------------------------------------------------------------------- the poster index


def _grid_blocks(html: str) -> dict[str, set[str]]:
    return {
        grid: set(re.findall(r'href="/posters/building/([^"]+)"', block))
        for grid, block in re.findall(r'data-grid-id="([^"]+)">(.*?)</details>', html, re.S)
    }


def test_the_poster_index_pages_grids_with_all_their_buildings(app_factory):
    client = app_factory(POSTER_INDEX_GRIDS=4).test_client()
    pages = [client.get(f"/posters/?page={n}").get_data(as_text=True) for n in (1, 2)]
    blocks = [_grid_blocks(html) for html in pages]
    grids = list(SAMPLE.grids["id"])
    assert list(blocks[0]) == grids[:4] and list(blocks[1]) == grids[4:]
    for grid, listed in {**blocks[0], **blocks[1]}.items():
        assert listed == set(SAMPLE.buildings.loc[SAMPLE.buildings["grid_id"] == grid, "id"])
    for html in pages:  # the stations on every page
        assert set(re.findall(r'href="/posters/station/([^"]+)"', html)) == set(
            SAMPLE.stations["id"])
    assert "第 1 / 2 页" in pages[0] and "共 6 个网格，此页为第 1–4 个" in pages[0]
    assert "第 2 / 2 页" in pages[1] and 'rel="prev"' in pages[1]


def test_the_sample_poster_index_is_one_page(client):
    html = client.get("/posters/").get_data(as_text=True)
    assert list(_grid_blocks(html)) == list(SAMPLE.grids["id"])
    assert 'data-testid="poster-pager"' not in html and "个网格，此页" not in html
