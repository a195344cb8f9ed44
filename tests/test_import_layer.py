"""``geo-app import layer``: GIS files in other CRSs and encodings, checked before writing."""

from __future__ import annotations

import csv
import json
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod, Transformer

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.imports.errors import ImportInputError
from geo_app.imports.layer import import_layer
from layers import validate_directory

GEOD = Geod(ellps="WGS84")
FROM_4548 = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)
# Glatzel/pyxis crypto tests: one point near Shanghai in WGS84, GCJ-02 and BD-09
PYXIS_WGS = (121.0917077, 30.6107779)
PYXIS_GCJ = (121.09626935575027, 30.608604331756705)
PYXIS_BD = (121.10271732371203, 30.61484572185035)


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, target)
    return target


def grid_id(data_dir) -> str:
    grids = json.loads((data_dir / "grids.geojson").read_text(encoding="utf-8"))
    return grids["features"][0]["properties"]["id"]


def buildings_4548(data_dir) -> gpd.GeoDataFrame:
    """Two buildings as the planning bureau sends them: CGCS2000 GK metres, Chinese columns."""
    x0, y0 = 500_000.0 + 24_500, 3_536_000.0  # about 117.26°E, 31.95°N
    squares = [shapely.box(x0, y0, x0 + 20, y0 + 31), shapely.box(x0 + 40, y0, x0 + 60, y0 + 31)]
    return gpd.GeoDataFrame(
        {
            "编号": ["GH-1", "GH-2"],
            "名称": ["风格城市 31栋", "风格城市 32栋"],
            "小区": ["风格城市", "风格城市"],
            "层数": [18, 11],
            "单元数": [2, 1],
            "户数": [136, 44],
            "人口": [352, 120],
            "网格": [grid_id(data_dir)] * 2,
        },
        geometry=squares,
        crs="EPSG:4548",
    )


@pytest.mark.parametrize("with_cpg", [True, False])
def test_shapefile_in_4548_with_gbk_attributes(data_dir, tmp_path, with_cpg):
    source = buildings_4548(data_dir)
    shp = tmp_path / "shp" / "楼栋.shp"
    shp.parent.mkdir()
    source.to_file(shp, encoding="GBK")
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    if not with_cpg:
        shp.with_suffix(".cpg").unlink()  # GBK guessed from the bytes
    result = import_layer(shp, as_layer="buildings", out=data_dir)
    assert result.issues == [], result.issues
    assert validate_directory(data_dir) == []
    written = json.loads((data_dir / "buildings.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in written["features"]]
    assert [p["name"] for p in props] == ["风格城市 31栋", "风格城市 32栋"]
    assert props[0] == {
        "id": "GH-1", "name": "风格城市 31栋", "compound": "风格城市", "floors": 18, "units": 2,
        "households": 136, "residents": 352, "grid_id": grid_id(data_dir),
    }
    # the corners, reprojected by PROJ here, agree to a centimetre
    for feature, square in zip(written["features"], source.geometry, strict=True):
        got = np.array(feature["geometry"]["coordinates"][0])
        x, y = np.asarray(square.exterior.coords).T
        expected = np.column_stack(FROM_4548.transform(x, y))
        order = np.lexsort(got.T)
        distance = GEOD.inv(*got[order].T, *expected[np.lexsort(expected.T)].T)[2]
        assert np.max(distance) < 0.02


@pytest.mark.parametrize(("crs", "given"), [("gcj02", PYXIS_GCJ), ("bd09", PYXIS_BD)])
def test_csv_digitised_on_amap_or_baidu(data_dir, tmp_path, crs, given):
    path = tmp_path / "stations.csv"
    path.write_text(
        "编号,名称,类型,所属网格,联系电话,物资,开放时间,经度,纬度\n"
        f"S9,新站,党群服务站,{grid_id(data_dir)},0551-1234567,\"雨伞:3,充电宝:1\",24h,"
        f"{given[0]},{given[1]}\n",
        encoding="utf-8",
    )
    result = import_layer(path, as_layer="stations", out=data_dir, crs=crs)
    assert result.issues == []
    feature = json.loads((data_dir / "stations.geojson").read_text(encoding="utf-8"))[
        "features"
    ][0]
    assert feature["properties"]["kind"] == "party_service_station"
    assert feature["properties"]["items"] == {"umbrella": 3, "power_bank": 1}
    lon, lat = feature["geometry"]["coordinates"]
    assert GEOD.inv(lon, lat, *PYXIS_WGS)[2] < 1.0


def test_bad_rows_reported_nothing_written(data_dir, tmp_path):
    before = (data_dir / "stations.geojson").read_bytes()
    path = tmp_path / "stations.csv"
    path.write_text(
        "id,name,kind,grid_id,contact,items,lon,lat\n"
        f"A,站一,party_service_station,{grid_id(data_dir)},123,\"{{}}\",117.26,31.96\n"
        f"B,站二,kiosk,{grid_id(data_dir)},,\"{{}}\",117.27,31.96\n"
        f"C,站三,rest_post,nowhere,123,\"{{}}\",117.26,131.96\n",
        encoding="utf-8",
    )
    report = tmp_path / "problems.csv"
    result = CliRunner().invoke(
        main,
        ["import", "layer", str(path), "--as", "stations", "--out", str(data_dir),
         "--report", str(report)],
    )
    assert result.exit_code == 1
    assert (data_dir / "stations.geojson").read_bytes() == before
    target = str(data_dir / "stations.geojson")
    expected = [
        f"{target}: 要素 #1 (id=B): 字段 kind: 取值 “kiosk” 不在允许范围内"
        "（party_service_station、rest_post）",
        f"{target}: 要素 #1 (id=B): 字段 contact: 缺少必填字段",
        f"{target}: 要素 #2 (id=C): 字段 geometry: 坐标 [117.26, 131.96] 超出经纬度范围",
    ]
    for line in expected:
        assert line in result.stderr
    assert "未写入" in result.stderr
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["文件", "要素序号", "源文件行", "编号", "字段", "问题"]
    assert [(r[1], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("1", "3", "B", "kind"), ("1", "3", "B", "contact"), ("2", "4", "C", "geometry"),
    ]


def test_references_checked_against_the_directory(data_dir, tmp_path):
    path = tmp_path / "s.geojson"
    gpd.GeoDataFrame(
        {"id": ["Z"], "name": ["站"], "kind": ["rest_post"], "grid_id": ["no-such-grid"],
         "contact": ["1"], "items": ['{"umbrella": 1}']},
        geometry=[shapely.Point(117.26, 31.96)], crs=4326,
    ).to_file(path, driver="GeoJSON")
    result = import_layer(path, as_layer="stations", out=data_dir)
    assert [str(i) for i in result.issues] == [
        f"{data_dir / 'stations.geojson'}: 要素 #0 (id=Z): 字段 grid_id: "
        "引用了不存在的 grids 编号 “no-such-grid”"
    ]
    assert result.written is None


def test_map_option_and_generated_ids(tmp_path):
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(
        {"道路类别": ["街道人行道", "步行道"], "路名": ["金宁路", None]},
        geometry=[shapely.LineString([(117.26, 31.96), (117.27, 31.96)]),
                  shapely.LineString([(117.26, 31.96), (117.26, 31.97)])],
        crs=4326,
    ).to_file(path, driver="GeoJSON")
    out = tmp_path / "new"
    result = import_layer(
        path, as_layer="paths", out=out, mapping=["kind=道路类别", "name=路名"]
    )
    assert result.issues == []
    props = [f["properties"] for f in json.loads((out / "paths.geojson").read_text())["features"]]
    assert props == [
        {"id": "paths-0001", "kind": "street", "name": "金宁路"},
        {"id": "paths-0002", "kind": "footpath"},
    ]


@pytest.mark.parametrize(
    ("kwargs", "parameter", "words"),
    [
        ({"mapping": ["nope=x"]}, "--map", "没有字段 “nope”"),
        ({"mapping": ["name"]}, "--map", "格式应为 字段=列名"),
        ({"crs": "EPSG:999999"}, "--crs", "无法识别"),
    ],
)
def test_bad_options_name_the_option(tmp_path, kwargs, parameter, words):
    path = tmp_path / "p.geojson"
    gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.Point(117.26, 31.96)], crs=4326
    ).to_file(path, driver="GeoJSON")
    with pytest.raises(ImportInputError, match=words) as caught:
        import_layer(path, as_layer="pois", out=tmp_path / "o", **kwargs)
    assert caught.value.parameter == parameter


def test_projected_file_without_crs_asks_for_one(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,name,category,x,y\nP,店,便利店,524500,3536000\n", encoding="utf-8")
    with pytest.raises(ImportInputError, match="请用 --crs") as caught:
        import_layer(path, as_layer="pois", out=tmp_path / "o")
    assert caught.value.parameter == "--crs"
    result = import_layer(path, as_layer="pois", out=tmp_path / "o", crs="EPSG:4548")
    assert result.issues == [] and result.written is not None
