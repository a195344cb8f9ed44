"""A minimal valid layer set (two grids, two buildings, a station, a street, a shop) to break
one field at a time in the validation tests, and a writer for layer sets."""

from __future__ import annotations

import json
from pathlib import Path

BOUNDARY_ID = "340121400001"
WEST, EAST = f"{BOUNDARY_ID}-01", f"{BOUNDARY_ID}-02"


def layer_square(x0: float, y0: float, x1: float, y1: float) -> list:
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def layer_feature(geometry_type: str, coordinates: list, **properties: object) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": geometry_type, "coordinates": coordinates},
        "properties": properties,
    }


def layer_collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def valid_layers() -> dict[str, dict]:
    """A minimal valid community: two grids, two buildings, a station, a street, a shop."""
    return {
        "boundary": layer_collection(
            layer_feature("Polygon", layer_square(117.255, 31.955, 117.265, 31.965), id=BOUNDARY_ID,
                     name="金宁社区")
        ),
        "grids": layer_collection(
            layer_feature("Polygon", layer_square(117.255, 31.955, 117.26, 31.965), id=WEST,
                     name="第一网格", parent=BOUNDARY_ID, leader="王书记"),
            layer_feature("Polygon", layer_square(117.26, 31.955, 117.265, 31.965), id=EAST,
                     name="第二网格", parent=BOUNDARY_ID, leader="李书记"),
        ),
        "buildings": layer_collection(
            layer_feature("Polygon", layer_square(117.256, 31.957, 117.2565, 31.9575), id="B1",
                     name="风格城市 1栋", compound="风格城市", floors=18, units=2,
                     households=72, residents=187, grid_id=WEST,
                     entrances=[[117.2562, 31.9569]]),
            layer_feature("Polygon", layer_square(117.262, 31.957, 117.2625, 31.9575), id="B2",
                     name="金宁花园 1栋", compound="金宁花园", floors=6, units=2,
                     households=24, residents=62, grid_id=EAST),
        ),
        "stations": layer_collection(
            layer_feature("Point", [117.257, 31.9565], id="S1", name="第一网格党群服务站",
                     kind="party_service_station", grid_id=WEST,
                     hours={"mon": "08:00-18:00", "sun": "closed"}, contact="0551-6000001",
                     items={"umbrella": 10, "first_aid_kit": 2}),
        ),
        "paths": layer_collection(
            layer_feature("LineString", [[117.255, 31.9565], [117.265, 31.9565]], id="P1",
                     kind="street", name="金宁路"),
        ),
        "pois": layer_collection(
            layer_feature(
                "Point", [117.258, 31.9566], id="Q1", name="金宁路便利店", category="便利店"
            ),
        ),
    }


def write_layers(directory: Path, layers: dict[str, dict | str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, doc in layers.items():
        text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
        (directory / f"{name}.geojson").write_text(text, encoding="utf-8")
    return directory
