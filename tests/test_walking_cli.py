"""``geo-app walk nearest`` on files, checked against the networkx reference."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from support.geo import line, lonlat, lonlats
from support.oracle import ReferenceNetwork

from geo_app.cli import main


def write(path: Path, frame: gpd.GeoDataFrame) -> str:
    frame.to_file(path, driver="GeoJSON")
    return str(path)


def invoke(**options: str):
    args = [item for key, value in options.items() for item in (f"--{key}", value)]
    return CliRunner().invoke(main, ["walk", "nearest", *args])


def run(*args: str) -> tuple[list[list[str]], str]:
    result = CliRunner().invoke(main, ["walk", "nearest", *args])
    assert result.exit_code == 0, result.output + result.stderr
    return list(csv.reader(io.StringIO(result.stdout))), result.stderr


@pytest.fixture
def files(tmp_path):
    lines = [
        line((0, 0), (400, 0), (800, 0)),
        line((400, 0), (400, 600)),
        line((0, 2000), (700, 2000)),
    ]
    network = write(tmp_path / "paths.geojson", gpd.GeoDataFrame(geometry=lines, crs=4326))
    building = shapely.Polygon(lonlats([(380, 100), (360, 100), (360, 140), (380, 140)]))
    origins = gpd.GeoDataFrame(
        {"id": ["a", "b", None, "d", "e"], "entrances": [None, None, None, None, None]},
        geometry=[
            shapely.Point(lonlat(100, 10)),  # 10 m off the main line
            building,  # centroid (370, 120): 30 m from the spur
            shapely.Point(lonlat(800, 900)),  # too far from every path
            shapely.Point(lonlat(100, 2010)),  # on the separate northern part
            shapely.Point(lonlat(790, -5)),
        ],
        crs=4326,
    )
    targets = gpd.GeoDataFrame(
        {"name": ["西", "北"]},  # no id property: ids are the indexes
        geometry=[shapely.Point(lonlat(0, 20)), shapely.Point(lonlat(400, 500))],
        crs=4326,
    )
    return (
        lines,
        network,
        write(tmp_path / "o.geojson", origins),
        write(tmp_path / "t.geojson", targets),
        tmp_path,
    )


def test_nearest_rows_in_input_order_with_hand_distances(files):
    _, network, origins, targets, _ = files
    rows, stderr = run("--network", network, "--origins", origins, "--targets", targets)
    assert rows[0] == ["origin_id", "target_id", "distance_m"]
    by_id = {r[0]: r for r in rows[1:]}
    assert [r[0] for r in rows[1:]] == ["a", "b", "2", "d", "e"]
    # a: 10 + 100 + 20 to the western target (index 0).
    assert by_id["a"][1] == "0"
    assert float(by_id["a"][2]) == pytest.approx(130, abs=0.01)
    # b: the building's centroid 30 m from the spur at y = 120, 380 m up to the northern target.
    assert by_id["b"][1] == "1"
    assert float(by_id["b"][2]) == pytest.approx(30 + 380, abs=0.01)
    assert by_id["2"][1:] == ["", ""]
    assert by_id["d"][1:] == ["", ""]
    assert by_id["e"][1] == "0"  # 5 + 790 + 20 west, rather than 5 + 390 + 500 north
    assert float(by_id["e"][2]) == pytest.approx(815, abs=0.01)
    assert "1 个起点距路网超过 300 米" in stderr
    assert "1 个起点路网上没有可达目标" in stderr


def test_limits_and_output_file(files):
    _, network, origins, targets, tmp = files
    out = tmp / "out.csv"
    result = invoke(
        network=network,
        origins=origins,
        targets=targets,
        **{"max-distance": "700", "max-attach": "1000", "output": str(out)},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    by_id = {r[0]: r[1:] for r in rows[1:]}
    assert by_id["a"][0] == "0"
    assert by_id["e"] == ["", ""]  # 815 m > 700 m
    # With a 1 km attachment limit the far origin attaches to the spur's end (400, 600): 400 m.
    assert by_id["2"][0] == "1"
    assert float(by_id["2"][1]) == pytest.approx(np.hypot(400, 300) + 100, abs=0.01)


def test_bad_files_give_a_clear_error(files, tmp_path):
    _, network, origins, _, _ = files
    result = invoke(network=network, origins=origins, targets=str(tmp_path / "missing.geojson"))
    assert result.exit_code != 0
    assert "--targets" in result.output and "不存在" in result.output
    broken = tmp_path / "broken.geojson"
    broken.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [117.26, 31.96]},
                    }
                ],
            }
        )
    )
    result = invoke(network=str(broken), origins=origins, targets=origins)
    assert result.exit_code != 0
    assert "只接受 LineString" in result.output


def test_agrees_with_networkx_on_a_random_network(tmp_path):
    rng = np.random.default_rng(3)
    grid = (
        rng.normal(0, 15, (9, 9, 2))
        + np.stack(np.meshgrid(np.arange(9), np.arange(9), indexing="ij"), -1) * 100.0
    )
    lines = [shapely.LineString(lonlats(grid[i])) for i in range(9)]  # rows as long lines
    lines += [shapely.LineString(lonlats(grid[:, j])) for j in range(9) if j % 3]  # some columns
    network = write(tmp_path / "n.geojson", gpd.GeoDataFrame(geometry=lines, crs=4326))
    o_ll = lonlats(rng.uniform(-100, 900, (150, 2)))
    t_ll = lonlats(rng.uniform(0, 800, (12, 2)))
    origins = write(
        tmp_path / "o.geojson", gpd.GeoDataFrame(geometry=shapely.points(o_ll), crs=4326)
    )
    targets = write(
        tmp_path / "t.geojson", gpd.GeoDataFrame(geometry=shapely.points(t_ll), crs=4326)
    )
    rows, _ = run("--network", network, "--origins", origins, "--targets", targets)
    expected = ReferenceNetwork(lines).distance_matrix(o_ll, t_ll).min(axis=1)
    got = np.array([float(r[2]) if r[2] else np.inf for r in rows[1:]])
    np.testing.assert_allclose(got, expected, atol=0.006)
