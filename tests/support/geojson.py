"""Writing hand-drawn layers: GeoJSON features and one ``<layer>.geojson`` file per layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Feature = dict[str, Any]


def feature(geometry: dict[str, Any], **properties: object) -> Feature:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(coordinates: tuple[float, float] | list[float]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": list(coordinates)}


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def linestring(coordinates: list[list[float]] | list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(c) for c in coordinates]}


def write_layers(directory: Path, layers: dict[str, list[Feature]]) -> Path:
    """Write each layer as a FeatureCollection in ``directory/<name>.geojson``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, features in layers.items():
        text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        (directory / f"{name}.geojson").write_text(text, encoding="utf-8")
    return directory
