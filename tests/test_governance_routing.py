"""A view lands in the grid whose polygon holds its point; borders follow a half-open rule."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Polygon
from support.governance import IN_FG1, IN_JN01, IN_JN02, ON_BORDER, OUTSIDE, governance_app
from support.grid_community import LAT, LON

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.governance.routing import building_at, building_index, grid_index, route_point


def _grids(*squares: tuple[str, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [s[0] for s in squares]},
        geometry=[Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])
                  for _, x, y, d in squares],
        crs="EPSG:4326",
    )


# Four unit squares meeting at (1, 1): A south-west, B south-east, C north-west, D north-east.
FOUR = grid_index(_grids(("A", 0, 0, 1), ("B", 1, 0, 1), ("C", 0, 1, 1), ("D", 1, 1, 1)))


@pytest.mark.parametrize(
    ("point", "grid"),
    [
        ((0.5, 0.5), "A"),  # inside
        ((1.0, 0.5), "B"),  # west–east border: the grid to the east
        ((1.0, 1.5), "D"),
        ((0.5, 1.0), "C"),  # south–north border: the grid to the north
        ((1.5, 1.0), "D"),
        ((1.0, 1.0), "D"),  # the corner of all four: north-east
        ((0.0, 0.5), "A"),  # the outer edge: the one grid that holds it
        ((2.0, 2.0), "D"),
        ((2.5, 0.5), None),  # outside every grid
    ],
)
def test_points_on_borders_follow_the_half_open_rule(point, grid):
    assert route_point(FOUR, *point) == grid


def test_the_rule_does_not_depend_on_the_order_of_the_layer():
    reordered = grid_index(_grids(("D", 1, 1, 1), ("C", 0, 1, 1), ("B", 1, 0, 1), ("A", 0, 0, 1)))
    for point in [(1.0, 0.5), (0.5, 1.0), (1.0, 1.0), (1.5, 1.0)]:
        assert route_point(reordered, *point) == route_point(FOUR, *point)


def test_a_shared_vertex_of_the_bundled_grids_goes_to_the_grid_east_of_it():
    # (117.2568564, 31.9596299) is a corner of grids 01, 02, 04 and 05 of the sample. Grid 02's
    # southern edge leaves it towards (117.2636676, 31.9604317): a slope of 0.0008018/0.0068112
    # = 6.7°, below the rule's step direction (atan(1/7) = 8.1°), so the step lands inside 02.
    grids = gpd.read_file(BUNDLED_DATA_DIR / "grids.geojson")
    index = grid_index(grids)
    assert route_point(index, 117.2568564, 31.9596299) == "340121400001-02"
    # every point of a line crossing the community gets exactly one grid
    for k in range(200):
        lon = 117.2515 + k * (117.269 - 117.2515) / 199
        assert route_point(index, lon, 31.9596299 + (lon - 117.2568564) * 0.1177) is not None


def test_building_at_uses_the_outline_then_the_nearest_within_the_snap_distance():
    features = json.loads((BUNDLED_DATA_DIR / "buildings.geojson").read_text("utf-8"))
    buildings = gpd.GeoDataFrame.from_features(features["features"], crs="EPSG:4326")
    index = building_index(buildings)
    first = buildings.iloc[0]
    inside = first.geometry.representative_point()
    assert building_at(index, inside.x, inside.y, snap_m=30) == first["id"]
    assert building_at(index, 117.0, 31.0, snap_m=30) is None


def test_the_api_routes_views_by_polygon_building_and_refuses_points_outside(tmp_path):
    app = governance_app(tmp_path)
    client = app.test_client()

    def send(point=None, **extra):
        body = {"category": "environment", "text": "这里有垃圾没人清理", **extra}
        if point:
            body.update(lon=point[0], lat=point[1])
        return client.post("/api/views", json=body)

    assert send(IN_JN01).get_json()["grid_id"] == "JN-01"
    assert send(IN_JN02).get_json()["grid_id"] == "JN-02"
    assert send(ON_BORDER).get_json()["grid_id"] == "JN-02"  # east of the border
    assert send((LON + 0.001, LAT + 0.002)).get_json()["grid_id"] == "JN-01"  # outer edge
    # a pin inside a building comes from it; a building chosen routes by the building's grid
    created = send(IN_FG1)
    assert created.status_code == 201
    with app.app_context():
        from geo_app.store import get_store
        from geo_app.store.governance_models import View

        with get_store().read() as db:
            assert db.get(View, created.get_json()["id"]).building_id == "FG-1"
    by_building = send(IN_JN01, building_id="HY-2")  # the building decides, not the pin
    assert by_building.get_json()["grid_id"] == "JN-02"
    outside = send(OUTSIDE)
    assert outside.status_code == 400
    assert outside.get_json()["parameter"] == "lon/lat"
    assert "不在本社区任何网格内" in outside.get_json()["error"]
    unknown = send(IN_JN01, building_id="XX-9")
    assert (unknown.status_code, unknown.get_json()["parameter"]) == (400, "building_id")
