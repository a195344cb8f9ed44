"""``geo-app import layer`` at a terminal, with files a planner's GIS writes: a GeoPackage in
EPSG:4548 with Chinese headers and a few bad cells lists exactly those cells; a file with no
feature never replaces a layer; a file GDAL cannot read is called what it is."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner, Result

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR

HEADERS = {"id": "编号", "name": "名称", "compound": "小区", "floors": "层数", "units": "单元",
           "households": "户数", "residents": "人口", "grid_id": "所属网格"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, target)
    return target


def planners_buildings() -> gpd.GeoDataFrame:
    """The sample's buildings as a planning bureau's file: Chinese headers, CGCS2000 / 3° GK."""
    frame = gpd.read_file(BUNDLED_DATA_DIR / "buildings.geojson")
    return frame[[*HEADERS, "geometry"]].rename(columns=HEADERS).to_crs("EPSG:4548")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["import", "layer", *args])


def test_one_empty_number_cell_is_one_problem_not_every_row(data_dir, tmp_path) -> None:
    frame = planners_buildings()
    frame.loc[1, "户数"] = None  # an empty cell: the column is read back as floats
    frame.loc[0, "层数"] = -3
    frame.loc[2, "所属网格"] = "nope"
    path = tmp_path / "楼栋.gpkg"
    frame.to_file(path)
    before = (data_dir / "buildings.geojson").read_bytes()
    report = tmp_path / "problems.csv"
    result = run(str(path), "--as", "buildings", "--out", str(data_dir), "--report", str(report))
    assert result.exit_code == 1, result.stderr
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert sorted((r[3], r[4], r[5]) for r in rows) == [
        ("FG-01", "floors", "不能小于 1（-3）"),
        ("FG-02", "households", "缺少必填字段"),
        ("FG-03", "grid_id", "引用了不存在的 grids 编号 “nope”"),
    ]
    assert "实际为小数" not in result.stderr
    assert "共 3 个问题，未写入" in result.stderr
    assert (data_dir / "buildings.geojson").read_bytes() == before


def test_a_good_epsg4548_file_is_written_with_integers(data_dir, tmp_path) -> None:
    frame = planners_buildings()
    frame.loc[5, "人口"] = 0  # zeros are values, not empty cells
    path = tmp_path / "楼栋.gpkg"
    frame.to_file(path)
    result = run(str(path), "--as", "buildings", "--out", str(data_dir))
    assert result.exit_code == 0, result.stderr
    written = gpd.read_file(data_dir / "buildings.geojson")
    assert written["households"].dtype.kind == "i"
    assert int(written.loc[5, "residents"]) == 0


@pytest.mark.parametrize("text", ['{"type": "FeatureCollection", "features": []}', None])
def test_a_file_without_features_never_replaces_the_layer(data_dir, tmp_path, text) -> None:
    if text is None:
        path = tmp_path / "pois.csv"
        path.write_text("id,name,category,lon,lat\n", encoding="utf-8")
    else:
        path = tmp_path / "pois.geojson"
        path.write_text(text)
    before = (data_dir / "pois.geojson").read_bytes()
    result = run(str(path), "--as", "pois", "--out", str(data_dir))
    assert result.exit_code == 1
    assert f"{path}：没有任何要素，未写入" in result.stderr
    assert (data_dir / "pois.geojson").read_bytes() == before


def test_a_file_gdal_does_not_know_is_named_and_explained(data_dir, tmp_path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04 not a map")
    result = run(str(path), "--as", "pois", "--out", str(data_dir))
    assert result.exit_code == 1
    assert f"{path}：不是可识别的 GIS 文件（可用 GeoPackage、Shapefile" in result.stderr
    assert "not recognized" not in result.stderr
