"""Tiny hand-built communities for the planning tests, drawn in plan metres.

``Layout`` takes coordinates in metres east/north of :data:`support.geo.ORIGIN_LONLAT`,
converts them to WGS84 lon/lat through EPSG:4548 and writes the GeoJSON layers into a directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.geo import lonlat, ring
from support.geojson import Feature, feature, linestring, point, polygon, write_layers

Point = tuple[float, float]
KIT = {"umbrella": 5, "first_aid_kit": 1, "power_bank": 3, "sewing_kit": 2}
HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "08:00-18:00")


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
        return write_layers(directory, {
            "boundary": [feature(polygon(ring(*self.boundary)), id="C", name="测试社区")],
            "grids": [
                feature(polygon(ring(*g["box"])), id=g["id"], name=f"网格{g['id']}",
                        parent="C", leader="某")
                for g in self.grids
            ],
            "buildings": [_building(b) for b in self.buildings],
            "stations": [
                feature(point(lonlat(*s["at"])), id=s["id"], name=f"站点{s['id']}",
                        kind=s["kind"], grid_id=s["grid_id"], hours=s["hours"],
                        contact="0551-0000", items=s["items"])
                for s in self.stations
            ],
            "paths": [
                feature(linestring([lonlat(*q) for q in p["points"]]), id=p["id"],
                        kind=p["kind"])
                for p in self.paths
            ],
            "pois": [
                feature(point(lonlat(*p["at"])), id=p["id"], name=p["category"],
                        category=p["category"])
                for p in self.pois
            ],
        })


def _building(b: dict[str, Any]) -> Feature:
    x, y = b["centre"]
    h = b["half"]
    properties: dict[str, Any] = {
        "id": b["id"], "name": f"{b['id']}栋", "compound": "测试小区", "floors": 6, "units": 2,
        "households": b["households"], "residents": b["residents"], "grid_id": b["grid_id"],
    }
    if b["entrance"] is not None:
        properties["entrances"] = [list(lonlat(*b["entrance"]))]
    return feature(polygon(ring(x - h, y - h, x + h, y + h)), **properties)
