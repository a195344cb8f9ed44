"""The point where a feature meets the walking network: a Point as is, a building's entrance."""

from __future__ import annotations

import json
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo_app.walking.errors import NetworkInputError
from geo_app.walking.projection import WGS84, crs_for_lonlat, projection_for

ENTRANCES = "entrances"


def first_entrance(value: object) -> tuple[float, float] | None:
    """The first [lon, lat] of an ``entrances`` value (a list, or its JSON text), or None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if not isinstance(value, Sequence | np.ndarray) or len(value) == 0:
        return None
    first = value[0]
    try:
        lon, lat = (float(c) for c in first)
    except (TypeError, ValueError):
        return None
    return (lon, lat)


def feature_points(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """One lon/lat point per feature, (n, 2), where it joins the walking network.

    A Point as is; a polygon (or any other geometry) at the first of its ``entrances`` when it
    has one, else at its centroid computed in metres in the local projected CRS.
    """
    geometry = gdf.geometry
    if geometry.crs is not None and not geometry.crs.equals(WGS84):
        geometry = geometry.to_crs(WGS84)
    geoms = np.asarray(geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        msg = f"第 {row} 个要素没有几何，无法确定其位置"
        raise NetworkInputError(msg)
    points = np.full((len(geoms), 2), np.nan)
    is_point = shapely.get_type_id(geoms) == 0
    if is_point.any():
        points[is_point] = shapely.get_coordinates(geoms[is_point])
    if ENTRANCES in gdf.columns:
        entrances = gdf[ENTRANCES].to_numpy(dtype=object)  # read once, not once per row
        for row in np.flatnonzero(~is_point).tolist():
            entrance = first_entrance(entrances[row])
            if entrance is not None:
                points[row] = entrance
    rest = np.flatnonzero(np.isnan(points[:, 0]))
    if len(rest):
        bounds = shapely.bounds(geoms[rest])
        projection = projection_for(crs_for_lonlat(bounds.reshape(-1, 2)))
        local = shapely.transform(geoms[rest], projection.points_to_local)
        centroids = shapely.get_coordinates(shapely.centroid(local))
        points[rest] = projection.points_to_wgs84(centroids)
    return points
