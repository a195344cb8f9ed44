"""Naming a point as a 社区 planner would: "金宁路与凤霞路交叉口，风格城市内，第一网格（风格城市）".

A proposed site or a clicked point is described by the named paths near it (two different
streets within :data:`CROSSING_RADIUS_M` make a crossing; else the nearest named crossing, gate
or path, with the nearest building when the path is a 小区's internal road), the 小区 it lies in
(``compounds``, else the ``compound`` of the grid) and the grid. Distances are measured in
metres in the walking network's projected CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS

from geo_app.walking.projection import projection_for
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
            # no named path at all: unknown (JSON has no infinity)
            "distance_m": round(self.distance_m, 1) if np.isfinite(self.distance_m) else None,
        }


class PlaceNamer:
    """Names points of one community (build once per loaded community, then reuse).

    Everything a name reads is prepared here once — the (shared) projection, the named paths
    in a tree, the grids' and 小区's outlines as arrays — so naming a point costs a few tree
    queries.
    """

    def __init__(self, community: Community, *, crs: CRS | str) -> None:
        paths = community.paths
        named = paths[paths["name"].notna() & (paths["name"].astype(str).str.len() > 0)]
        named = named.to_crs(crs)
        self._path_geoms = named.geometry.to_numpy()
        self._path_tree = shapely.STRtree(self._path_geoms)
        self._path_kinds = named["kind"].to_numpy(dtype=object)
        self._path_names = named["name"].astype(str).to_numpy(dtype=object)
        buildings = community.buildings.to_crs(crs)
        self._building_names = buildings["name"].astype(str).to_numpy(dtype=object)
        self._building_tree = shapely.STRtree(buildings.geometry.to_numpy())
        compounds = community.compounds.to_crs(crs)
        self._compound_geoms = compounds.geometry.to_numpy()
        self._compound_names = [str(n) for n in compounds.get("name", [])]
        grids = community.grids.to_crs(crs)
        self._grid_geoms = grids.geometry.to_numpy()
        # a grid without a 小区 reads NaN in a GeoDataFrame column: no 小区, not "nan"
        self._grid_rows = [
            (str(g), str(n), str(c) if isinstance(c, str) and c.strip() else None)
            for g, n, c in zip(grids["id"], grids["name"],
                               grids["compound"] if "compound" in grids.columns
                               else [None] * len(grids), strict=True)
        ]
        self._projection = projection_for(CRS.from_user_input(crs))

    def name(self, lon: float, lat: float) -> Place:
        """The :class:`Place` of the point ``lon``/``lat``."""
        x, y = self._projection.to_local(np.array([lon]), np.array([lat]))
        point = shapely.Point(float(x[0]), float(y[0]))
        grid_id, grid_name, grid_compound = self._grid_of(point)
        compound = self._compound_of(point) or grid_compound
        near, distance = self._near(point, compound)
        return Place(near=near, compound=compound, grid_id=grid_id, grid_name=grid_name,
                     distance_m=distance)

    def _grid_of(self, point: shapely.Point) -> tuple[str | None, str | None, str | None]:
        inside = np.flatnonzero(shapely.contains(self._grid_geoms, point))
        return self._grid_rows[int(inside[0])] if len(inside) else (None, None, None)

    def _compound_of(self, point: shapely.Point) -> str | None:
        inside = np.flatnonzero(shapely.contains(self._compound_geoms, point))
        return self._compound_names[int(inside[0])] if len(inside) else None

    def _near(self, point: shapely.Point, compound: str | None) -> tuple[str, float]:
        if len(self._path_geoms) == 0:
            return "（图层中没有带名称的道路）", float("inf")
        kinds, names = self._path_kinds, self._path_names
        # the named paths within the crossing radius, nearest first (ties: layer order)
        close = np.sort(self._path_tree.query(point, predicate="dwithin",
                                              distance=CROSSING_RADIUS_M))
        close_m = shapely.distance(self._path_geoms[close], point)
        keep = close_m <= CROSSING_RADIUS_M
        close, close_m = close[keep], close_m[keep]
        by_distance = np.argsort(close_m, kind="stable")
        close, close_m = close[by_distance], close_m[by_distance]
        streets = [(d, names[i]) for i, d in zip(close, close_m, strict=True)
                   if kinds[i] in STREET_KINDS]
        distinct = list(dict.fromkeys(name for _, name in streets))
        if len(distinct) >= 2:
            return f"{distinct[0]}与{distinct[1]}交叉口", float(streets[0][0])
        landmarks = [(i, d) for i, d in zip(close, close_m, strict=True)
                     if kinds[i] in LANDMARK_KINDS]
        if landmarks:
            nearest, distance = int(landmarks[0][0]), float(landmarks[0][1])
        else:
            ties, gaps = self._path_tree.query_nearest(point, return_distance=True,
                                                       all_matches=True)
            nearest, distance = int(ties.min()), float(gaps.min())
        name = names[nearest]
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
        if len(self._building_names) == 0:
            return None
        index = int(self._building_tree.nearest(point))
        return str(self._building_names[index])
