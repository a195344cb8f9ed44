"""A synthetic city-scale walking network: a perturbed lattice with diagonals and gaps."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

#: The lattice is laid out in EPSG:4548 metres from here (金宁社区, Hefei).
ORIGIN_LONLAT = (117.2, 31.9)
METRIC = "EPSG:4548"


@dataclass(frozen=True)
class SyntheticCity:
    lines: gpd.GeoDataFrame  # one 2-point LineString per street segment, WGS84
    node_lonlat: np.ndarray  # (side*side, 2)
    extent_m: float
    transformer: Transformer  # WGS84 → metres
    used_vertices: np.ndarray  # vertices with at least one street

    def random_points(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` lon/lat points uniformly over the city."""
        to_lonlat = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
        x0, y0 = self.transformer.transform(*ORIGIN_LONLAT)
        xy = rng.uniform(0, self.extent_m, (n, 2))
        lon, lat = to_lonlat.transform(xy[:, 0] + x0, xy[:, 1] + y0)
        return np.column_stack([lon, lat])


def lattice_city(
    side: int,
    *,
    spacing_m: float = 20.0,
    drop: float = 0.08,
    diagonals: float = 0.05,
    seed: int = 0,
) -> SyntheticCity:
    """``side`` x ``side`` vertices ``spacing_m`` apart, jittered, with ``drop`` of the streets
    removed and a ``diagonals`` share of cells crossed by a diagonal."""
    rng = np.random.default_rng(seed)
    to_metric = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
    to_lonlat = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    x0, y0 = to_metric.transform(*ORIGIN_LONLAT)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.stack([ii, jj], -1).reshape(-1, 2) * spacing_m
    xy += rng.normal(0, 0.15 * spacing_m, xy.shape)
    lon, lat = to_lonlat.transform(xy[:, 0] + x0, xy[:, 1] + y0)
    node_lonlat = np.column_stack([lon, lat])
    index = np.arange(side * side).reshape(side, side)
    pairs = [
        (index[:-1, :].ravel(), index[1:, :].ravel(), 1 - drop),
        (index[:, :-1].ravel(), index[:, 1:].ravel(), 1 - drop),
        (index[:-1, :-1].ravel(), index[1:, 1:].ravel(), diagonals),
    ]
    keep = [rng.random(len(a)) < p for a, _, p in pairs]
    u = np.concatenate([a[k] for (a, _, _), k in zip(pairs, keep, strict=True)])
    v = np.concatenate([b[k] for (_, b, _), k in zip(pairs, keep, strict=True)])
    lines = shapely.linestrings(np.stack([node_lonlat[u], node_lonlat[v]], axis=1))
    frame = gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326")
    used = np.unique(np.concatenate([u, v]))
    return SyntheticCity(frame, node_lonlat, spacing_m * (side - 1), to_metric, used)
