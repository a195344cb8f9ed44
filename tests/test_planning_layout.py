"""Tiny hand-built community layouts for the planning tests, drawn in a local metre frame.

``Layout`` takes coordinates in metres east/north of an origin near 金宁社区, converts them to
WGS84 lon/lat through EPSG:4548, and writes the six GeoJSON layers into a directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer

from layers import load_community

ORIGIN_LONLAT = (117.26, 31.96)
LOCAL_CRS = "EPSG:4548"
_TO_LOCAL = Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)
_TO_WGS84 = Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)
ORIGIN_XY = _TO_LOCAL.transform(*ORIGIN_LONLAT)

Point = tuple[float, float]
KIT = {"umbrella": 5, "first_aid_kit": 1, "power_bank": 3, "sewing_kit": 2}
HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "08:00-18:00")


def lonlat(x: float, y: float) -> list[float]:
    """Local metres (east, north of the origin) → [lon, lat]."""
    lon, lat = _TO_WGS84.transform(ORIGIN_XY[0] + x, ORIGIN_XY[1] + y)
    return [round(lon, 9), round(lat, 9)]


def rectangle(x0: float, y0: float, x1: float, y1: float) -> list[list[list[float]]]:
    """A rectangle's Polygon coordinates (lon/lat) from local corners."""
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return [[lonlat(x, y) for x, y in corners]]


@dataclass
class Layout:
    """A community drawn in metres; ``write`` makes its GeoJSON layers."""

    boundary: tuple[float, float, float, float] = (0, 0, 1000, 1000)
    grids: list[dict[str, Any]] = field(default_factory=list)
    buildings: list[dict[str, Any]] = field(default_factory=list)
    stations: list[dict[str, Any]] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    pois: list[dict[str, Any]] = field(default_factory=list)

    def grid(self, gid: str, box: tuple[float, float, float, float]) -> Layout:
        self.grids.append({"id": gid, "box": box})
        return self

    def building(self, bid: str, centre: Point, grid_id: str, *, households: int = 10,
                 residents: int = 30, half: float = 5.0, entrance: Point | None = None) -> Layout:
        self.buildings.append({"id": bid, "centre": centre, "grid_id": grid_id, "half": half,
                               "households": households, "residents": residents,
                               "entrance": entrance})
        return self

    def station(self, sid: str, at: Point, grid_id: str, *, kind: str = "party_service_station",
                items: dict[str, int] | None = None, hours: Any = None) -> Layout:
        self.stations.append({"id": sid, "at": at, "grid_id": grid_id, "kind": kind,
                              "items": dict(KIT) if items is None else items,
                              "hours": dict(HOURS) if hours is None else hours})
        return self

    def path(self, pid: str, *points: Point, kind: str = "footpath") -> Layout:
        self.paths.append({"id": pid, "points": points, "kind": kind})
        return self

    def poi(self, pid: str, at: Point, category: str) -> Layout:
        self.pois.append({"id": pid, "at": at, "category": category})
        return self

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        layers = {
            "boundary": [_feature({"id": "C", "name": "测试社区"},
                                  {"type": "Polygon", "coordinates": rectangle(*self.boundary)})],
            "grids": [
                _feature({"id": g["id"], "name": f"网格{g['id']}", "parent": "C", "leader": "某"},
                         {"type": "Polygon", "coordinates": rectangle(*g["box"])})
                for g in self.grids
            ],
            "buildings": [_building(b) for b in self.buildings],
            "stations": [
                _feature({"id": s["id"], "name": f"站点{s['id']}", "kind": s["kind"],
                          "grid_id": s["grid_id"], "hours": s["hours"], "contact": "0551-0000",
                          "items": s["items"]},
                         {"type": "Point", "coordinates": lonlat(*s["at"])})
                for s in self.stations
            ],
            "paths": [
                _feature({"id": p["id"], "kind": p["kind"]},
                         {"type": "LineString", "coordinates": [lonlat(*q) for q in p["points"]]})
                for p in self.paths
            ],
            "pois": [
                _feature({"id": p["id"], "name": p["category"], "category": p["category"]},
                         {"type": "Point", "coordinates": lonlat(*p["at"])})
                for p in self.pois
            ],
        }
        for name, features in layers.items():
            text = json.dumps({"type": "FeatureCollection", "features": features},
                              ensure_ascii=False)
            (directory / f"{name}.geojson").write_text(text, encoding="utf-8")
        return directory


def _feature(properties: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _building(b: dict[str, Any]) -> dict[str, Any]:
    x, y = b["centre"]
    h = b["half"]
    properties = {"id": b["id"], "name": f"{b['id']}栋", "compound": "测试小区", "floors": 6,
                  "units": 2, "households": b["households"], "residents": b["residents"],
                  "grid_id": b["grid_id"]}
    if b["entrance"] is not None:
        properties["entrances"] = [lonlat(*b["entrance"])]
    return _feature(properties, {"type": "Polygon", "coordinates": rectangle(x - h, y - h,
                                                                             x + h, y + h)})


def test_local_frame_round_trips_to_the_metre(tmp_path: Path) -> None:
    layout = Layout().grid("G1", (0, 0, 1000, 1000)).building("B1", (300, 400), "G1")
    community = load_community(layout.write(tmp_path))
    centroid = community.buildings.to_crs(LOCAL_CRS).geometry.iloc[0].centroid
    assert centroid.x - ORIGIN_XY[0] == pytest.approx(300, abs=0.01)
    assert centroid.y - ORIGIN_XY[1] == pytest.approx(400, abs=0.01)
