"""``geo-app walk nearest`` at a terminal: inputs it cannot answer from are refused in Chinese,
naming the option and the file, before any work and without a traceback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.refusals import assert_refused

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR

PATHS = str(BUNDLED_DATA_DIR / "paths.geojson")
BUILDINGS = str(BUNDLED_DATA_DIR / "buildings.geojson")
STATIONS = str(BUNDLED_DATA_DIR / "stations.geojson")




def walk(*args: str) -> Result:
    return CliRunner().invoke(main, ["walk", "nearest", *args])


def write_points(path: Path, coordinates: list[tuple[float, float]]) -> str:
    features = [
        {"type": "Feature", "properties": {"id": f"P{i}"},
         "geometry": {"type": "Point", "coordinates": list(xy)}}
        for i, xy in enumerate(coordinates)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def test_walk_on_the_bundled_layers_prints_no_python_warning() -> None:
    result = walk("--network", PATHS, "--origins", BUILDINGS, "--targets", STATIONS)
    assert result.exit_code == 0, result.stderr
    assert "Warning" not in result.stderr and "geopandas" not in result.stderr
    assert result.stderr.strip() == "154 个起点，154 个找到最近目标。"


@pytest.mark.parametrize("option", ["--origins", "--targets"])
def test_walk_refuses_an_empty_layer_naming_it(tmp_path: Path, option: str) -> None:
    empty = write_points(tmp_path / "empty.geojson", [])
    files = {"--origins": BUILDINGS, "--targets": STATIONS, option: empty}
    result = walk("--network", PATHS, *[x for pair in files.items() for x in pair])
    assert_refused(result, f"{option} 文件 {empty} 中没有任何要素")
    assert result.stdout == ""


def test_walk_refuses_an_empty_network_naming_the_file(tmp_path: Path) -> None:
    empty = write_points(tmp_path / "paths.geojson", [])
    result = walk("--network", empty, "--origins", BUILDINGS, "--targets", STATIONS)
    assert_refused(result, f"--network 文件 {empty}", "路网中没有任何线段")


def test_walk_refuses_when_every_target_is_off_the_network(tmp_path: Path) -> None:
    # 117.40° E is about 12 km east of the community: no path within 300 m
    far = write_points(tmp_path / "far.geojson", [(117.40, 31.96), (117.41, 31.97)])
    result = walk("--network", PATHS, "--origins", BUILDINGS, "--targets", far)
    assert_refused(result, far, "2 个目标都距路网超过 300 米")
    assert result.stdout == ""


def test_walk_still_answers_when_some_origins_are_off_the_network(tmp_path: Path) -> None:
    origins = write_points(tmp_path / "o.geojson", [(117.40, 31.96), (117.2564187, 31.9616722)])
    result = walk("--network", PATHS, "--origins", origins, "--targets", STATIONS)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1] == ["P0", "", ""]  # the far origin: a row with no answer
    assert rows[2][1] == "PS-01"  # standing at station PS-01
    assert "1 个起点距路网超过 300 米" in result.stderr


def test_walk_refuses_an_output_in_a_missing_folder_before_working(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "out.csv"
    result = walk("--network", PATHS, "--origins", BUILDINGS, "--targets", STATIONS,
                  "-o", str(out))
    assert_refused(result, f"-o 文件 {out}", "不存在")
    assert "个起点" not in result.stderr  # refused before the walk, not after it


def test_walk_output_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    result = walk("--network", PATHS, "--origins", BUILDINGS, "--targets", STATIONS,
                  "-o", str(folder))
    assert_refused(result, "-o", str(folder), "是目录", code=2)


@pytest.mark.parametrize(("option", "value"), [("--max-attach", "nan"),
                                               ("--max-distance", "inf"),
                                               ("--max-distance", "-3")])
def test_walk_refuses_distances_that_are_not_distances(option: str, value: str) -> None:
    result = walk("--network", PATHS, "--origins", BUILDINGS, "--targets", STATIONS,
                  option, value)
    assert_refused(result, f"'{option}' 的取值无效", "应为正数（米）", code=2)
