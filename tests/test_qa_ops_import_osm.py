"""``geo-app import osm`` at a terminal: an area with nothing to walk on, a file that is not an
extract and a --bbox out of range are refused in Chinese naming the option, with nothing
written and no traceback; an area with streets but no buildings still imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.geo import lonlat
from support.refusals import assert_refused

from geo_app.cli import main

#: Two streets crossing near 金宁社区 (plan metres), no building at all.
STREETS = {1: (0, 0), 2: (300, 0), 3: (150, -150), 4: (150, 150), 5: (150, 0)}


def extract(tmp_path: Path) -> Path:
    nodes = "".join(
        f'<node id="{i}" version="1" lat="{round(lonlat(*xy)[1], 7)}" '
        f'lon="{round(lonlat(*xy)[0], 7)}"/>'
        for i, xy in STREETS.items()
    )
    ways = (
        '<way id="10" version="1"><nd ref="1"/><nd ref="5"/><nd ref="2"/>'
        '<tag k="highway" v="residential"/><tag k="name" v="金宁路"/></way>'
        '<way id="11" version="1"><nd ref="3"/><nd ref="5"/><nd ref="4"/>'
        '<tag k="highway" v="footway"/></way>'
    )
    path = tmp_path / "streets.osm"
    path.write_text(f'<?xml version="1.0"?><osm version="0.6">{nodes}{ways}</osm>', "utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["import", "osm", *args])




def test_a_bbox_outside_the_extract_is_refused_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "layers"
    result = run(str(extract(tmp_path)), "--out", str(out), "--bbox", "24.9,60.16,24.95,60.18")
    assert_refused(result, "未导入", "--bbox 24.9,60.16,24.95,60.18 范围内没有可步行的道路",
                   "未写入任何文件")
    assert not out.exists()


def test_a_boundary_outside_the_extract_is_refused(tmp_path: Path) -> None:
    boundary = tmp_path / "helsinki.geojson"
    ring = [[24.9, 60.16], [24.95, 60.16], [24.95, 60.18], [24.9, 60.18], [24.9, 60.16]]
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "X", "name": "X"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    out = tmp_path / "layers"
    result = run(str(extract(tmp_path)), "--out", str(out), "--boundary", str(boundary))
    assert_refused(result, f"--boundary {boundary} 范围内没有可步行的道路")
    assert not out.exists()


def test_streets_without_buildings_import(tmp_path: Path) -> None:
    out = tmp_path / "layers"
    result = run(str(extract(tmp_path)), "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    paths = json.loads((out / "paths.geojson").read_text(encoding="utf-8"))["features"]
    buildings = json.loads((out / "buildings.geojson").read_text(encoding="utf-8"))["features"]
    assert buildings == []
    assert {f["properties"].get("name") for f in paths} >= {"金宁路"}


def test_a_file_that_is_not_an_extract_is_refused_by_its_ending(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# 不是地图")
    result = run(str(notes), "--out", str(tmp_path / "layers"))
    assert_refused(result, f"{notes}：不是 OpenStreetMap 提取文件", "实际扩展名为 .md")
    assert "Could not detect" not in result.stderr


def test_a_damaged_extract_is_called_damaged(tmp_path: Path) -> None:
    broken = tmp_path / "city.osm.pbf"
    broken.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    result = run(str(broken), "--out", str(tmp_path / "layers"))
    assert_refused(result, f"{broken}：无法读取 OpenStreetMap 数据，文件不完整或已损坏")


@pytest.mark.parametrize("bbox", ["200,60,201,61", "nan,31.9,117.3,32.0", "117.2,-95,117.3,32"])
def test_a_bbox_out_of_range_says_so(tmp_path: Path, bbox: str) -> None:
    result = run(str(extract(tmp_path)), "--out", str(tmp_path / "o"), "--bbox", bbox)
    assert_refused(result, f"--bbox '{bbox}'：经度应在 -180–180°、纬度应在 -90–90° 之间")
