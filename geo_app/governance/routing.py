"""Which grid a view belongs to (point → grid polygon) and which building it came from.

Grids tile the community without overlap, so a point inside one grid's polygon is that grid's.
A point exactly on a shared border (or corner) lies in several closed polygons; the rule that
decides is *half-open*, like the top-left rule for pixels: **a point on a border belongs to the
grid that lies just east of it — or, on an east–west border, just north of it**. Precisely: the
grid whose polygon contains the point moved by 1e-9° (about 0.1 mm) along the direction
(7, 1) in lon/lat, i.e. east with a slight northward tilt, which no sample border follows
exactly. Every point of the community thus has exactly one grid; a point on the community's
outer edge, whose step leaves every grid, stays with the (one) grid whose closed polygon holds
it (the lowest id should several). Polygons are tested in lon/lat, where GeoJSON (RFC 7946)
defines their edges as straight lines.

The building of a view is the building chosen by the resident, else the building whose outline
holds the pin, else the nearest building within ``snap_m`` metres (measured in the local
projected CRS, EPSG:4548 around Hefei).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely import STRtree

from geo_app.walking.projection import crs_for_lonlat, projection_for

#: The half-open rule's step, in degrees, and its direction (east, tilted slightly north).
BORDER_STEP_DEG = 1e-9
BORDER_DIRECTION = (7.0 / math.hypot(7.0, 1.0), 1.0 / math.hypot(7.0, 1.0))


@dataclass(frozen=True, eq=False)
class GridIndex:
    """The grid polygons (lon/lat) with a spatial index, for :func:`route_point`."""

    ids: tuple[str, ...]
    polygons: np.ndarray
    tree: STRtree


def grid_index(grids: gpd.GeoDataFrame) -> GridIndex:
    """An index of the grids layer (its ``id`` and polygon of each grid)."""
    polygons = np.asarray(grids.geometry.values, dtype=object)
    return GridIndex(tuple(str(i) for i in grids["id"]), polygons, STRtree(polygons))


def route_point(index: GridIndex, lon: float, lat: float) -> str | None:
    """The grid of the point (lon, lat) by the half-open rule; ``None`` outside every grid."""
    point = shapely.Point(lon, lat)
    holding = sorted(
        (index.ids[i] for i in index.tree.query(point, predicate="intersects")
         if index.polygons[i].covers(point)),
    )
    if len(holding) <= 1:
        return holding[0] if holding else None
    dx, dy = BORDER_DIRECTION
    stepped = shapely.Point(lon + BORDER_STEP_DEG * dx, lat + BORDER_STEP_DEG * dy)
    ahead = [gid for gid in holding if index.polygons[index.ids.index(gid)].contains(stepped)]
    return ahead[0] if ahead else holding[0]


@dataclass(frozen=True, eq=False)
class BuildingIndex:
    """Building outlines in metres (local CRS) with a spatial index, for :func:`building_at`."""

    ids: tuple[str, ...]
    outlines_m: np.ndarray
    tree: STRtree
    crs_wkt: str


def building_index(buildings: gpd.GeoDataFrame) -> BuildingIndex:
    """An index of the buildings layer, projected to the local metric CRS."""
    bounds = np.asarray(buildings.total_bounds, dtype=float).reshape(2, 2)
    crs = crs_for_lonlat(bounds)
    outlines = np.asarray(buildings.to_crs(crs).geometry.values, dtype=object)
    return BuildingIndex(
        tuple(str(i) for i in buildings["id"]), outlines, STRtree(outlines), crs.to_wkt()
    )


def to_metres(index: BuildingIndex, lonlat: np.ndarray) -> np.ndarray:
    """(n, 2) lon/lat → (n, 2) metres in the index's CRS."""
    from pyproj import CRS

    return projection_for(CRS.from_wkt(index.crs_wkt)).points_to_local(
        np.asarray(lonlat, dtype=float).reshape(-1, 2)
    )


def building_at(index: BuildingIndex, lon: float, lat: float, *, snap_m: float) -> str | None:
    """The building whose outline holds the point, else the nearest within ``snap_m`` metres."""
    if not index.ids:
        return None
    x, y = to_metres(index, np.array([[lon, lat]]))[0]
    point = shapely.Point(x, y)
    inside = index.tree.query(point, predicate="within")
    if len(inside):
        return min(index.ids[i] for i in inside)
    nearest, distance = index.tree.query_nearest(point, max_distance=snap_m, return_distance=True)
    if len(nearest) == 0:
        return None
    best = min(range(len(nearest)), key=lambda k: (distance[k], index.ids[nearest[k]]))
    return index.ids[nearest[best]]
