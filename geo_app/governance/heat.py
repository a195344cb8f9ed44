"""Where the views come from: a kernel-density heat map, and the buildings and paths that draw
the most of them.

The heat map is a Gaussian kernel density estimate on square cells, computed in metres in the
local projected CRS (EPSG:4548 around Hefei): each view adds ``exp(-d² / 2h²)`` to every cell
centre at distance ``d`` (bandwidth ``h``); values are scaled so the hottest cell is 1, and
cells below 5 % are dropped. Cells go back to lon/lat as four-corner polygons for the map.
A view counts for the nearest path within ``snap_m`` metres of its pin.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely import STRtree

from geo_app.walking.projection import LocalProjection, crs_for_lonlat, projection_for

#: Cells whose density is below this share of the hottest are not drawn.
MIN_SHARE = 0.05
#: The grid of cells reaches this many bandwidths beyond the outermost views.
REACH_BANDWIDTHS = 2.5


def heat_cells(
    points: np.ndarray, *, cell_m: float, bandwidth_m: float
) -> dict[str, object]:
    """A GeoJSON FeatureCollection of the density cells of ``points`` (n, 2) lon/lat."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) == 0:
        return {"type": "FeatureCollection", "features": []}
    projection = projection_for(crs_for_lonlat(points))
    xy = projection.points_to_local(points)
    margin = REACH_BANDWIDTHS * bandwidth_m
    low = np.floor((xy.min(axis=0) - margin) / cell_m) * cell_m
    high = xy.max(axis=0) + margin
    xs = np.arange(low[0], high[0], cell_m)
    ys = np.arange(low[1], high[1], cell_m)
    cx, cy = np.meshgrid(xs + cell_m / 2, ys + cell_m / 2)
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    squared = ((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    density = np.exp(-squared / (2 * bandwidth_m**2)).sum(axis=1)
    share = density / density.max()
    keep = np.flatnonzero(share >= MIN_SHARE)
    features = []
    for i in keep:
        x0, y0 = centres[i] - cell_m / 2
        corners = np.array([[x0, y0], [x0 + cell_m, y0], [x0 + cell_m, y0 + cell_m],
                            [x0, y0 + cell_m], [x0, y0]])
        ring = np.round(projection.points_to_wgs84(corners), 7).tolist()
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"share": round(float(share[i]), 3),
                           "density": round(float(density[i]), 3)},
        })
    return {"type": "FeatureCollection", "features": features}


def counts_by_building(building_ids: Iterable[str | None]) -> list[tuple[str, int]]:
    """Views per building (those from no building left out), the most first."""
    counts = Counter(b for b in building_ids if b)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True, eq=False)
class PathIndex:
    """The paths in metres (the local projected CRS) with a spatial index and each path's
    label (its name, else its id): built once per loaded community."""

    labels: tuple[str, ...]
    tree: STRtree | None  # None: no paths
    projection: LocalProjection | None


def path_index(paths: gpd.GeoDataFrame) -> PathIndex:
    """An index of the paths layer for :func:`counts_by_path`."""
    if paths.empty:
        return PathIndex((), None, None)
    crs = crs_for_lonlat(np.asarray(paths.total_bounds, dtype=float).reshape(2, 2))
    lines = np.asarray(paths.to_crs(crs).geometry.values, dtype=object)
    labels = tuple(
        str(n) if isinstance(n, str) and n else str(i)
        for n, i in zip(paths.get("name", paths["id"]), paths["id"], strict=True)
    )
    return PathIndex(labels, STRtree(lines), projection_for(crs))


def counts_by_path(
    index: PathIndex, points: np.ndarray, *, snap_m: float
) -> list[tuple[str, int]]:
    """Views per path (its name, else its id) whose line passes within ``snap_m`` of the pin."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) == 0 or index.tree is None or index.projection is None:
        return []
    xy = index.projection.points_to_local(points)
    pins, found = index.tree.query_nearest(shapely.points(xy), max_distance=snap_m,
                                           all_matches=False)
    counts = Counter(index.labels[j] for j in found[np.unique(pins, return_index=True)[1]])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
