"""Validation of the layers: one clear line per problem, all problems at once, nothing loaded."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import shape
from support.validation_layers import (
    WEST,
    layer_collection,
    layer_feature,
    layer_square,
    valid_layers,
    write_layers,
)

from geo_app.cli import main as cli_main
from geo_app.state.community import CommunityState
from layers import LayerValidationError, load_community, validate_directory


@pytest.fixture
def layer_dir(tmp_path: Path) -> Path:
    return write_layers(tmp_path / "layers", valid_layers())


def _break(layer_dir: Path, name: str, mutate) -> str:
    """Apply ``mutate`` to one layer's document and return that file's path as text."""
    doc = valid_layers()[name]
    result = mutate(doc)
    write_layers(layer_dir, {name: doc if result is None else result})
    return str(layer_dir / f"{name}.geojson")


def _messages(layer_dir: Path) -> list[str]:
    issues = validate_directory(layer_dir)
    with pytest.raises(LayerValidationError) as caught:
        load_community(layer_dir)
    assert [str(i) for i in caught.value.issues] == [str(i) for i in issues]
    return [str(i) for i in issues]


def test_valid_layers_load(layer_dir):
    community = load_community(layer_dir)
    assert list(community.buildings["id"]) == ["B1", "B2"]
    assert community.buildings.crs.to_epsg() == 4326
    assert community.buildings.loc[1, "entrances"] is None
    assert community.stations.loc[0, "items"] == {"umbrella": 10, "first_aid_kit": 2}
    assert validate_directory(layer_dir) == []


def _set(path: list, value: object):
    def mutate(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


BUILDING0 = ["features", 0, "properties"]
BAD_INPUTS = [
    pytest.param(
        "buildings",
        lambda doc: "{not json",
        ['{f}: 不是有效的 JSON（第 1 行第 2 列）：属性名须用双引号括起（如 "name"）'],
        id="not-json",
    ),
    pytest.param(
        "buildings",
        lambda doc: doc["features"][0],
        ["{f}: 不是 GeoJSON FeatureCollection（type 为 “Feature”）"],
        id="not-feature-collection",
    ),
    pytest.param(
        "buildings",
        _set(["features", 1, "geometry"], {"type": "Point", "coordinates": [117.26, 31.96]}),
        ["{f}: 要素 #1 (id=B2): 字段 geometry: 几何类型应为 Polygon 或 MultiPolygon，实际为 Point"],
        id="wrong-geometry-type",
    ),
    pytest.param(
        "buildings",
        _set(["features", 0, "geometry", "coordinates"],
             [[[117.256, 31.957], [117.257, 31.958], [117.257, 31.957], [117.256, 31.958],
               [117.256, 31.957]]]),
        ["{f}: 要素 #0 (id=B1): 字段 geometry: 几何无效：自相交，位置 [117.2565 31.9575]"],
        id="self-intersection",
    ),
    pytest.param(
        "buildings",
        _set(["features", 0, "geometry", "coordinates"],
             [[[117.256, 31.957], [117.257, 31.957], [117.257, 31.958], [117.256, 31.958]]]),
        ["{f}: 要素 #0 (id=B1): 字段 geometry: 多边形环未闭合：首点 [117.256, 31.957] 与末点 "
         "[117.256, 31.958] 不同"],
        id="unclosed-ring",
    ),
    pytest.param(
        "stations",
        _set(["features", 0, "geometry", "coordinates"], [31.9565, 117.257]),
        ["{f}: 要素 #0 (id=S1): 字段 geometry: 坐标 [31.9565, 117.257] 的纬度超出 ±90°，"
         "疑似经纬度颠倒（GeoJSON 顺序为 [经度, 纬度]）"],
        id="lat-lon-swapped",
    ),
    pytest.param(
        "stations",
        _set(["features", 0, "geometry", "coordinates"], [13053000.0, 3757000.0]),
        ["{f}: 要素 #0 (id=S1): 字段 geometry: 坐标 [13053000.0, 3757000.0] 超出经纬度范围"
         "（经度 ±180°，纬度 ±90°），是否为投影坐标？"],
        id="out-of-range",
    ),
    pytest.param(
        "paths",
        _set(["crs"], {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}),
        ["{f}: 字段 crs: crs 为 urn:ogc:def:crs:EPSG::3857，GeoJSON 须为 WGS84 经纬度（RFC 7946），"
         "请先转换坐标"],
        id="crs-not-wgs84",
    ),
    pytest.param(
        "buildings",
        _set(["features", 1, "properties", "id"], "B1"),
        ["{f}: 要素 #1 (id=B1): 字段 id: id 重复（与要素 #0 相同）"],
        id="duplicate-id",
    ),
    pytest.param(
        "buildings",
        _set([*BUILDING0, "grid_id"], "340121400001-09"),
        ["{f}: 要素 #0 (id=B1): 字段 grid_id: 引用了不存在的 grids 编号 “340121400001-09”"],
        id="unknown-grid",
    ),
    pytest.param(
        "grids",
        _set(["features", 0, "properties", "parent"], "340121"),
        [f"{{f}}: 要素 #0 (id={WEST}): 字段 parent: "
         "引用了不存在的 boundary 或 grids 编号 “340121”"],
        id="unknown-parent",
    ),
    pytest.param(
        "buildings",
        lambda doc: doc["features"][0]["properties"].pop("households") and None,
        ["{f}: 要素 #0 (id=B1): 字段 households: 缺少必填字段"],
        id="missing-required",
    ),
    pytest.param(
        "buildings",
        _set([*BUILDING0, "floors"], "18"),
        ["{f}: 要素 #0 (id=B1): 字段 floors: 应为整数，实际为字符串 “18”"],
        id="wrong-type",
    ),
    pytest.param(
        "buildings",
        _set([*BUILDING0, "residents"], -3),
        ["{f}: 要素 #0 (id=B1): 字段 residents: 不能为负数（-3）"],
        id="negative-count",
    ),
    pytest.param(
        "stations",
        _set(["features", 0, "properties", "items", "umbrella"], -1),
        ["{f}: 要素 #0 (id=S1): 字段 items: 物资 umbrella 的数量不能为负数（-1）"],
        id="negative-stock",
    ),
    pytest.param(
        "stations",
        _set(["features", 0, "properties", "hours"], {"mon": "18:00-08:00"}),
        ["{f}: 要素 #0 (id=S1): 字段 hours: mon 的时段 “18:00-08:00” 结束时间早于开始时间"],
        id="bad-hours",
    ),
    pytest.param(
        "pois",
        _set(["features", 0, "properties", "category"], "网吧"),
        None,  # the message lists the allowed categories; checked by prefix below
        id="unknown-category",
    ),
]


@pytest.mark.parametrize(("layer", "mutate", "expected"), BAD_INPUTS)
def test_bad_input_is_reported_and_nothing_loads(layer_dir, layer, mutate, expected):
    filename = _break(layer_dir, layer, mutate)
    messages = _messages(layer_dir)
    if expected is None:
        assert len(messages) == 1
        prefix = f"{filename}: 要素 #0 (id=Q1): 字段 category: 取值 “网吧” 不在允许范围内"
        assert messages[0].startswith(prefix)
        assert "便利店" in messages[0]
    else:
        assert messages == [e.format(f=filename) for e in expected]


def test_missing_file(layer_dir):
    (layer_dir / "pois.geojson").unlink()
    assert _messages(layer_dir) == [f"{layer_dir / 'pois.geojson'}: 文件不存在"]


def test_all_errors_of_a_run_are_reported_together(layer_dir):
    bad = valid_layers()
    bad["buildings"]["features"][0]["properties"]["households"] = -1
    bad["buildings"]["features"][1]["properties"]["grid_id"] = "nowhere"
    bad["stations"]["features"][0]["properties"]["kind"] = "shop"
    bad["grids"]["features"][1]["properties"]["id"] = WEST  # duplicate
    write_layers(layer_dir, bad)
    messages = _messages(layer_dir)
    assert len(messages) == 4
    assert any("households: 不能为负数（-1）" in m for m in messages)
    assert any("grid_id: 引用了不存在的 grids 编号 “nowhere”" in m for m in messages)
    assert any("kind: 取值 “shop” 不在允许范围内" in m for m in messages)
    duplicate = "grids.geojson: 要素 #1 (id=340121400001-01): 字段 id: id 重复"
    assert any(duplicate in m for m in messages)


def test_a_bad_reload_keeps_the_good_layers(layer_dir, tmp_path):
    state = CommunityState(str(layer_dir), tmp_path / "cache")
    good = state.community
    _break(layer_dir, "buildings", _set([*BUILDING0, "floors"], 0))
    issues = state.reload()
    assert [i.field for i in issues] == ["floors"]
    assert state.community is good
    write_layers(layer_dir, valid_layers())
    assert state.reload() == []
    assert state.community is not good


def test_cli_validate_reports_every_issue_and_exits_nonzero(layer_dir):
    from click.testing import CliRunner

    runner = CliRunner()
    ok = runner.invoke(cli_main, ["validate", str(layer_dir)])
    assert ok.exit_code == 0, ok.output
    assert "全部图层校验通过" in ok.output

    bad = valid_layers()
    bad["buildings"]["features"][0]["properties"]["floors"] = "x"
    bad["pois"]["features"][0]["geometry"]["coordinates"] = [31.9, 117.2]
    write_layers(layer_dir, bad)
    result = runner.invoke(cli_main, ["validate", str(layer_dir)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[:-1] == [
        f"{layer_dir / 'buildings.geojson'}: 要素 #0 (id=B1): 字段 floors: "
        "应为整数，实际为字符串 “x”",
        f"{layer_dir / 'pois.geojson'}: 要素 #0 (id=Q1): 字段 geometry: "
        "坐标 [31.9, 117.2] 的纬度超出 ±90°，疑似经纬度颠倒（GeoJSON 顺序为 [经度, 纬度]）",
    ]
    assert lines[-1] == "共 2 个问题。"


def test_writes_are_atomic(layer_dir, monkeypatch):
    """A failed write leaves the previous layer file untouched."""
    from layers import GeoJSONDirectory

    source = GeoJSONDirectory(layer_dir)
    before = (layer_dir / "pois.geojson").read_bytes()

    class Boom(Exception):
        pass

    def failing_fsync(fd):
        raise Boom

    monkeypatch.setattr("os.fsync", failing_fsync)
    with pytest.raises(Boom):
        source.write("pois", json.dumps(copy.deepcopy(valid_layers()["boundary"])))
    assert (layer_dir / "pois.geojson").read_bytes() == before
    assert [p.name for p in layer_dir.iterdir() if p.name.startswith(".")] == []


def test_the_optional_fence_layer_may_be_absent_but_a_bad_one_is_refused(layer_dir):
    assert len(load_community(layer_dir).compounds) == 0  # absent: no fences
    fence = layer_feature("Point", [117.256, 31.957], id="FG", name="风格城市")
    write_layers(layer_dir, {"compounds": layer_collection(fence)})
    assert _messages(layer_dir) == [
        f"{layer_dir / 'compounds.geojson'}: 要素 #0 (id=FG): 字段 geometry: "
        "几何类型应为 Polygon 或 MultiPolygon，实际为 Point"
    ]


def test_array_checked_and_feature_checked_geometries_keep_feature_order(layer_dir):
    """Plain geometries are checked as arrays, others one by one: lines stay in feature order,
    each feature's property lines before its geometry line, a duplicate id last."""
    bad = valid_layers()
    first, second = bad["buildings"]["features"]
    bowtie = [[[117.256, 31.957], [117.257, 31.958], [117.257, 31.957], [117.256, 31.958],
               [117.256, 31.957]]]
    first["geometry"]["coordinates"] = bowtie  # plain, crosses itself at (117.2565, 31.9575)
    first["properties"]["households"] = -1
    far = copy.deepcopy(second)
    far["properties"]["id"] = "B3"
    far["geometry"]["coordinates"] = layer_square(500000, 3500000, 500010, 3500010)  # metres
    open_ring = copy.deepcopy(second)
    open_ring["properties"]["id"] = "B4"
    ring = layer_square(117.262, 31.958, 117.2625, 31.9585)[0]
    open_ring["geometry"]["coordinates"] = [ring[:-1]]
    multi = copy.deepcopy(second)
    multi["properties"]["id"] = "B5"
    multi["geometry"] = {"type": "MultiPolygon",
                         "coordinates": [layer_square(117.262, 31.959, 117.2625, 31.9595)]}
    again = copy.deepcopy(second)
    again["properties"]["id"] = "B5"
    swapped = copy.deepcopy(second)
    swapped["properties"]["id"] = "B6"
    swapped["geometry"]["coordinates"] = [[[lat, lon] for lon, lat in ring]
                                          for ring in second["geometry"]["coordinates"]]
    bad["buildings"]["features"] += [far, open_ring, multi, again, swapped]
    write_layers(layer_dir, bad)
    f = layer_dir / "buildings.geojson"
    assert _messages(layer_dir) == [
        f"{f}: 要素 #0 (id=B1): 字段 households: 不能为负数（-1）",
        f"{f}: 要素 #0 (id=B1): 字段 geometry: 几何无效：自相交，位置 [117.2565 31.9575]",
        f"{f}: 要素 #2 (id=B3): 字段 geometry: 坐标 [500000, 3500000] 超出经纬度范围"
        "（经度 ±180°，纬度 ±90°），是否为投影坐标？",
        f"{f}: 要素 #3 (id=B4): 字段 geometry: 多边形环未闭合：首点 [117.262, 31.958] "
        "与末点 [117.262, 31.9585] 不同",
        f"{f}: 要素 #5 (id=B5): 字段 id: id 重复（与要素 #4 相同）",
        f"{f}: 要素 #6 (id=B6): 字段 geometry: 坐标 [31.957, 117.262] 的纬度超出 ±90°，"
        "疑似经纬度颠倒（GeoJSON 顺序为 [经度, 纬度]）",
    ]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("paths", "步行路网图层没有任何要素：所有步行距离都沿路网计算，至少需要一个"),
        ("boundary", "社区边界图层没有任何要素：网格、楼栋与地图都以社区边界为准，至少需要一个"),
    ],
)
def test_a_layer_the_service_cannot_work_without_may_not_be_empty(layer_dir, name, words):
    path = _break(layer_dir, name, lambda doc: {**doc, "features": []})
    messages = [str(issue) for issue in validate_directory(layer_dir)]
    assert f"{path}: 字段 features: {words}" in messages


def test_an_entrance_far_from_its_building_is_a_validation_issue(layer_dir):
    """Residents of a building start walking at its entrance: one typed 0.01° off (about a
    kilometre) passed `geo-app validate` and moved every answer for them. The distance is
    worked out here with pyproj's geodesic (independent of the validator's UTM metres)."""
    far = [117.2562, 31.9669]  # B1's entrance with its latitude typo'd by 0.01°
    path = _break(layer_dir, "buildings",
                  _set(["features", 0, "properties", "entrances"], [[117.2562, 31.9569], far]))
    outline = shape(valid_layers()["buildings"]["features"][0]["geometry"])
    nearest = outline.exterior.interpolate(outline.exterior.project(
        shape({"type": "Point", "coordinates": far})))
    metres = Geod(ellps="WGS84").inv(far[0], far[1], nearest.x, nearest.y)[2]
    (message,) = _messages(layer_dir)
    shown = float(message.split("离楼栋 ")[1].split(" 米")[0].replace(",", ""))
    assert message.startswith(f"{path}: 要素 #0 (id=B1): 字段 entrances: 第 2 个出入口 "
                              f"({far[0]}, {far[1]}) 离楼栋 ")
    assert abs(shown - metres) <= 0.01 * metres and "应在 50 米以内" in message
