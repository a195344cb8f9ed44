"""Five rough edges operators and planners reported: bad JSON explained in Chinese, ``--crs``
against a file's own CRS, ``seed-sample``'s silence, the total row's code in grids.csv, and
full-width digits in query numbers."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod, Transformer
from support.accounts import logged_in
from support.governance import governance_app
from support.refusals import assert_refused

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR
from layers.json_errors import json_error_reason
from layers.schema import SCHEMA_BY_NAME
from layers.validate import parse_layer

GEOD = Geod(ellps="WGS84")
TO_4548 = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
#: A point of the sample community (WGS84) — 风格城市, by the boundary road.
HERE = (117.2535, 31.9615)
# Glatzel/pyxis crypto tests: one point near Shanghai in WGS84 and in GCJ-02
PYXIS_WGS = (121.0917077, 30.6107779)
PYXIS_GCJ = (121.09626935575027, 30.608604331756705)


# ------------------------------------------------------------- 1. bad JSON in Chinese

LAYER_TEXT = '{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",}\n ]\n}'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # columns counted by hand, from 1, as an editor shows them
        ('{"type" "FeatureCollection"}', "（第 1 行第 9 列）：缺少冒号"),
        ('{"type": "FeatureCollection" "features": []}', "（第 1 行第 30 列）：缺少逗号"),
        ("{type: 1}", "（第 1 行第 2 列）：属性名须用双引号"),
        ('{"type": "FeatureCollection', "（第 1 行第 10 列）：字符串未结束"),
        ('{"type": "A"}\n{"type": "B"}', "（第 2 行第 1 列）：多余的内容"),
        ('{"name": "C:\\data"}', "（第 1 行第 13 列）：非法转义 \\d"),
        ('{"name": "\\u12"}', "（第 1 行第 12 列）：非法转义（\\u 后须为 4 位十六进制数字"),
        ('{"type": }', "（第 1 行第 10 列）：缺少值"),
        ('{"name": "a\nb"}', "（第 1 行第 12 列）：字符串中含换行"),
        (LAYER_TEXT, "（第 3 行第 22 列）：多余的逗号（} 前的最后一项后面不能有逗号）"),
        ('{"features": [1, 2,]}', "（第 1 行第 20 列）：多余的逗号（] 前"),
        ('{"type"："FeatureCollection"}',
         "（第 1 行第 8 列）：此处是中文标点“：”，JSON 须用英文标点 :"),
        ("", "（第 1 行第 1 列）：内容为空"),
    ],
)
def test_a_layer_that_is_not_json_is_explained_in_chinese(raw, expected):
    issues = parse_layer(SCHEMA_BY_NAME["pois"], raw.encode("utf-8"), "pois.geojson").issues
    assert len(issues) == 1
    assert str(issues[0]).startswith(f"pois.geojson: 不是有效的 JSON{expected}")
    assert "Expecting" not in str(issues[0]) and "char" not in str(issues[0])


def test_a_gbk_layer_says_it_is_not_utf8():
    raw = '{"type": "FeatureCollection", "name": "名单"}'.encode("gbk")
    [issue] = parse_layer(SCHEMA_BY_NAME["pois"], raw, "pois.geojson").issues
    # 39 ASCII bytes, then 名 in GBK: 0xc3 0xfb, and 0xfb cannot follow 0xc3 in UTF-8
    assert str(issue) == (
        "pois.geojson: 不是有效的 JSON：不是 UTF-8 编码的文本（第 40 个字节 0xc3 无法解码），"
        "请以 UTF-8 保存（GBK/GB18030 编码的文件请先转换）"
    )


#: Every message CPython's json/decoder.py and Modules/_json.c raise (3.11–3.14), with the
#: text as it stands at the place each one is reported, and the Chinese words expected.
CPYTHON_MESSAGES = [
    ("Expecting ',' delimiter", '[1 2]', 3, "缺少逗号"),
    ("Expecting ':' delimiter", '{"a" 1}', 5, "缺少冒号"),
    ("Expecting property name enclosed in double quotes", "{a}", 1, "属性名须用双引号"),
    ("Expecting value", "[}", 1, "缺少值"),
    ("Unterminated string starting at", '"abc', 0, "字符串未结束"),
    ("Invalid control character at", '"a\tb"', 2, "字符串中含制表符"),
    ("Invalid control character '\\t' at", '"a\tb"', 3, "字符串中含制表符"),
    ("Invalid \\escape", '"\\q"', 1, "非法转义 \\q"),
    ("Invalid \\escape: 'q'", '"\\q"', 2, "非法转义 \\q"),
    ("Invalid \\uXXXX escape", '"\\u12"', 2, "非法转义（\\u"),
    ("Extra data", "[] []", 3, "多余的内容"),
    ("Unexpected UTF-8 BOM (decode using utf-8-sig)", "\ufeff[]", 0, "UTF-8 BOM"),
    ("Illegal trailing comma before end of object", '{"a": 1,}', 7, "多余的逗号（} 前"),
    ("Illegal trailing comma before end of array", "[1,]", 2, "多余的逗号（] 前"),
]


@pytest.mark.parametrize(("msg", "doc", "pos", "words"), CPYTHON_MESSAGES)
def test_every_message_of_the_json_parser_has_chinese_words(msg, doc, pos, words):
    reason = json_error_reason(json.JSONDecodeError(msg, doc, pos))
    assert words in reason
    assert msg.split()[0] not in reason  # Expecting, Invalid, Unterminated, Extra, Illegal …


def test_an_unknown_parser_message_is_passed_on_rather_than_guessed():
    assert json_error_reason(json.JSONDecodeError("Something new", "[]", 0)) == "Something new"


def test_a_bad_json_request_body_is_explained_in_chinese(tmp_path):
    admin = logged_in(governance_app(tmp_path), "admin")
    response = admin.post("/admin/api/stock", data=b'{"station" "S-1"}',
                          content_type="application/json")
    assert response.status_code == 400
    # the space after "station" is column 11; the parser stops at the quote in column 12
    assert response.get_json() == {
        "error": "请求体不是有效的 JSON（第 1 行第 12 列）：缺少冒号（属性名后须跟英文冒号 :）",
        "parameter": "body",
    }


# ------------------------------------------------------------- 2. --crs against the file's CRS


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, target)
    return target


def _pois(path, lonlat, *, crs):
    """One shop at ``lonlat`` (given in ``crs``), written to ``path`` by GDAL."""
    gpd.GeoDataFrame({"name": ["小卖部"], "category": ["便利店"]},
                     geometry=[shapely.Point(*lonlat)], crs=crs).to_file(path)
    return path


def _import(path, data_dir, *crs):
    return CliRunner().invoke(
        main, ["import", "layer", str(path), "--as", "pois", "--out", str(data_dir), *crs]
    )


def _written_point(data_dir):
    doc = json.loads((data_dir / "pois.geojson").read_text(encoding="utf-8"))
    [feature] = doc["features"]
    return feature["geometry"]["coordinates"]


def test_crs_different_from_the_files_own_is_refused(data_dir, tmp_path):
    path = _pois(tmp_path / "商店.gpkg", TO_4548.transform(*HERE), crs="EPSG:4548")
    before = (data_dir / "pois.geojson").read_bytes()
    result = _import(path, data_dir, "--crs", "EPSG:4326")
    assert_refused(result, str(path), "文件声明的坐标系是", "EPSG:4548", "--crs EPSG:4326",
                   "请去掉 --crs", "改正坐标系")
    assert (data_dir / "pois.geojson").read_bytes() == before
    gcj = _import(path, data_dir, "--crs", "gcj02")  # 高德 lon/lat on a file in metres
    assert_refused(gcj, str(path), "EPSG:4548", "--crs gcj02", "请去掉 --crs")


def test_crs_the_same_as_the_files_own_is_fine(data_dir, tmp_path):
    path = _pois(tmp_path / "商店.gpkg", TO_4548.transform(*HERE), crs="EPSG:4548")
    result = _import(path, data_dir, "--crs", "EPSG:4548")
    assert result.exit_code == 0, result.output
    assert GEOD.inv(*_written_point(data_dir), *HERE)[2] < 0.01


def test_crs_names_the_crs_of_a_geojson_without_crs_member(data_dir, tmp_path):
    path = tmp_path / "商店.geojson"  # RFC 7946 GeoJSON has no crs member: it declares none
    x, y = TO_4548.transform(*HERE)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "小卖部", "category": "便利店"},
        "geometry": {"type": "Point", "coordinates": [x, y]}}]}), encoding="utf-8")
    result = _import(path, data_dir, "--crs", "EPSG:4548")
    assert result.exit_code == 0, result.output
    assert GEOD.inv(*_written_point(data_dir), *HERE)[2] < 0.01


def test_gcj02_on_a_file_labelled_wgs84_is_read_as_gcj02_and_said(data_dir, tmp_path):
    path = _pois(tmp_path / "高德.geojson", PYXIS_GCJ, crs="EPSG:4326")
    assert '"crs"' in path.read_text(encoding="utf-8")  # GDAL labels it WGS84 (CRS84)
    result = _import(path, data_dir, "--crs", "gcj02")
    assert result.exit_code == 0, result.output
    assert "说明：高德.geojson 声明的坐标系为 WGS 84" in result.stderr
    assert "已按 --crs gcj02 读作 高德/腾讯 GCJ-02 经纬度并转换为 WGS84" in result.stderr
    assert GEOD.inv(*_written_point(data_dir), *PYXIS_WGS)[2] < 1.0


# ------------------------------------------------------------- 3. seed-sample's progress


def test_seed_sample_reports_its_steps_on_stderr(tmp_path):
    app = governance_app(tmp_path)  # the tiny community: 5 buildings, 2 grids
    result = app.test_cli_runner().invoke(main, ["seed-sample"])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert steps == [
        "[1/5] 读取配置、图层与数据库 …",
        "[2/5] 生成示例住户台账（尚无台账的楼栋） …",
        "[3/5] 生成风格城市微协商示例（走访、座谈、社情民意、治理项目） …",
        "[4/5] 生成志愿者、队伍、活动、积分与兑换记录 …",
        "[5/5] 生成各网格需要跟进的示例走访 …",
    ]
    assert "      5 栋楼、2 个网格、" in result.stderr
    assert result.stderr.count("用时") == 5
    assert "[1/5]" not in result.stdout and "已为 5 栋楼生成示例住户。" in result.stdout


# ------------------------------------------------------------- 4. grids.csv's total row


@pytest.fixture(scope="module")
def reader(app_factory):
    """The bundled sample, its clock pinned to a Monday morning (answers that say the time)."""
    monday = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    return app_factory(CLOCK=lambda: monday).test_client()


def _csv_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_total_row_of_grids_csv_has_no_english_code(reader):
    response = reader.get("/planner/grids.csv?threshold=500")
    rows = _csv_rows(response)
    assert (rows[-1]["网格"], rows[-1]["网格编码"]) == ("全社区", "")
    assert all(r["网格编码"] for r in rows[:-1])
    assert "community" not in response.get_data(as_text=True)


# ------------------------------------------------------------- 5. full-width digits


def test_full_width_threshold_and_k_on_the_planner(reader):
    assert reader.get("/planner?threshold=５００&k=２").status_code == 200
    ascii_rows = _csv_rows(reader.get("/planner/grids.csv?threshold=500&k=2"))
    wide = _csv_rows(reader.get("/planner/grids.csv",
                                query_string={"threshold": "\u3000５００．０", "k": "２\u3000"}))
    assert wide == ascii_rows
    refused = reader.get("/planner?k=２．５")
    assert refused.status_code == 400
    assert "建议新增站点数（k）应为整数" in refused.get_data(as_text=True)


def test_full_width_numbers_in_the_public_api(reader):
    lon, lat = HERE
    ascii_answer = reader.get("/api/nearest", query_string={"lon": lon, "lat": lat, "k": 2})
    wide_lon = str(lon).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    wide = reader.get("/api/nearest", query_string={"lon": wide_lon, "lat": lat, "k": "２"})
    assert ascii_answer.status_code == wide.status_code == 200
    assert wide.get_json() == ascii_answer.get_json()
    negative = reader.get("/api/nearest", query_string={"lon": lon, "lat": lat, "k": "－２"})
    assert negative.status_code == 400
    assert negative.get_json()["parameter"] == "k"
    assert "超出范围" in negative.get_json()["error"]  # a number, read with its sign
