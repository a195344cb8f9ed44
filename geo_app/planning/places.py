"""Naming a point as a 社区 planner would: "金宁路与凤霞路交叉口，风格城市内，第一网格（风格城市）".

A proposed site or a clicked point is described by the named paths near it (two different
streets within :data:`CROSSING_RADIUS_M` make a crossing; else the nearest named crossing, gate
or path, with the nearest building when the path is a 小区's internal road), the 小区 it lies in
(``compounds``, else the ``compound`` of the grid) and the grid. Distances are measured in
metres in the walking network's projected CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from layers import Community

#: Two different streets within this distance of a point meet there ("A与B交叉口").
CROSSING_RADIUS_M = 30.0
#: A named path farther than this is not "at" the point: the text says "附近" (nearby).
NEAR_RADIUS_M = 60.0
#: Path kinds whose name is a street's name.
STREET_KINDS = ("street",)
#: Path kinds named after a point a planner recognises (a crossing, a gate, a footpath).
LANDMARK_KINDS = ("crossing", "gate", "footpath")


@dataclass(frozen=True)
class Place:
    """Where a point lies, in words."""

    near: str  # the road, crossing or gate it is at
    compound: str | None  # the 小区 it lies in
    grid_id: str | None
    grid_name: str | None
    distance_m: float  # to the named path it is described by

    @property
    def text(self) -> str:
        """One line: the road or crossing, the 小区, the grid."""
        parts = [self.near]
        if self.compound:
            parts.append(f"{self.compound}内")
        if self.grid_name:
            parts.append(self.grid_name)
        return "，".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "road": self.near,
            "compound": self.compound,
            "grid_id": self.grid_id,
            "grid_name": self.grid_name,
            "distance_m": round(self.distance_m, 1),
        }


class PlaceNamer:
    """Names points of one community (build once per loaded community, then reuse)."""

    def __init__(self, community: Community, *, crs: CRS | str) -> None:
        paths = community.paths
        named = paths[paths["name"].notna() & (paths["name"].astype(str).str.len() > 0)]
        self._paths = named.to_crs(crs)
        self._path_tree = shapely.STRtree(self._paths.geometry.to_numpy())
        self._buildings = community.buildings.to_crs(crs)
        self._building_tree = shapely.STRtree(self._buildings.geometry.to_numpy())
        self._compounds = community.compounds.to_crs(crs)
        self._grids = community.grids.to_crs(crs)
        self._crs = crs

    def _local(self, lon: float, lat: float) -> shapely.Point:
        return gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(self._crs).iloc[0]

    def name(self, lon: float, lat: float) -> Place:
        """The :class:`Place` of the point ``lon``/``lat``."""
        point = self._local(lon, lat)
        grid_id, grid_name, grid_compound = self._grid_of(point)
        compound = self._compound_of(point) or grid_compound
        near, distance = self._near(point, compound)
        return Place(near=near, compound=compound, grid_id=grid_id, grid_name=grid_name,
                     distance_m=distance)

    def _grid_of(self, point: shapely.Point) -> tuple[str | None, str | None, str | None]:
        inside = np.flatnonzero(shapely.contains(self._grids.geometry.to_numpy(), point))
        if len(inside) == 0:
            return None, None, None
        row = self._grids.iloc[int(inside[0])]
        compound = row.get("compound") if "compound" in self._grids.columns else None
        return str(row["id"]), str(row["name"]), (str(compound) if compound else None)

    def _compound_of(self, point: shapely.Point) -> str | None:
        if self._compounds.empty:
            return None
        inside = np.flatnonzero(shapely.contains(self._compounds.geometry.to_numpy(), point))
        return str(self._compounds.iloc[int(inside[0])]["name"]) if len(inside) else None

    def _near(self, point: shapely.Point, compound: str | None) -> tuple[str, float]:
        if len(self._paths) == 0:
            return "（图层中没有带名称的道路）", float("inf")
        distances = shapely.distance(self._paths.geometry.to_numpy(), point)
        kinds = self._paths["kind"].to_numpy(dtype=object)
        names = self._paths["name"].astype(str).to_numpy(dtype=object)
        streets = [
            (distances[i], names[i]) for i in np.argsort(distances, kind="stable")
            if kinds[i] in STREET_KINDS and distances[i] <= CROSSING_RADIUS_M
        ]
        distinct = list(dict.fromkeys(name for _, name in streets))
        if len(distinct) >= 2:
            return f"{distinct[0]}与{distinct[1]}交叉口", float(streets[0][0])
        landmarks = [i for i in range(len(names)) if kinds[i] in LANDMARK_KINDS]
        nearest = int(np.argmin(distances))
        if landmarks:
            closest = min(landmarks, key=lambda i: distances[i])
            if distances[closest] <= CROSSING_RADIUS_M:
                nearest = closest
        name, distance = names[nearest], float(distances[nearest])
        if compound and name.startswith(compound) and kinds[nearest] == "internal":
            building = self._nearest_building(point)
            if building:
                name = f"{building}旁"
        elif distance > NEAR_RADIUS_M:
            name = f"{name}附近（约 {distance:,.0f} 米）"
        else:
            name = f"{name}旁" if kinds[nearest] in STREET_KINDS else name
        return name, distance

    def _nearest_building(self, point: shapely.Point) -> str | None:
        if len(self._buildings) == 0:
            return None
        index = int(self._building_tree.nearest(point))
        return str(self._buildings.iloc[index]["name"])
