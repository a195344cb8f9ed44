"""QA pass (planners): a place named in a grid that has no 小区 of its own never reads "nan"."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import shape

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.planning.places import PlaceNamer
from geo_app.walking import prepare_community
from layers import load_community


def _grid_without_compound_point() -> tuple[str, tuple[float, float]]:
    """A grid of the sample whose ``compound`` is not given, and a point inside it that lies
    in no 小区's fence (read from the GeoJSON files, not through the namer)."""
    grids = json.loads((BUNDLED_DATA_DIR / "grids.geojson").read_text(encoding="utf-8"))
    fences = json.loads((BUNDLED_DATA_DIR / "compounds.geojson").read_text(encoding="utf-8"))
    fenced = shapely.union_all([shape(f["geometry"]) for f in fences["features"]])
    for grid in grids["features"]:
        if grid["properties"].get("compound"):
            continue
        outside = shape(grid["geometry"]).difference(fenced)
        point = outside.representative_point()
        return grid["properties"]["name"], (point.x, point.y)
    raise AssertionError("the sample has no grid without a 小区")


def test_a_point_in_a_grid_without_compound_names_no_nan() -> None:
    grid_name, (lon, lat) = _grid_without_compound_point()
    community = load_community(BUNDLED_DATA_DIR)
    namer = PlaceNamer(community, crs=prepare_community(community).crs)
    place = namer.name(lon, lat)
    assert place.grid_name == grid_name
    assert place.compound is None
    assert "nan" not in place.text.lower()
    assert place.text.endswith(grid_name)


def test_whatif_answer_in_that_grid_names_no_nan(client) -> None:
    _, (lon, lat) = _grid_without_compound_point()
    answer = client.get(f"/planner/whatif.json?lon={lon}&lat={lat}").get_json()
    assert "nan" not in json.dumps(answer["place"], ensure_ascii=False).lower()
    assert "nan" not in answer["near"].lower()
