"""One local metre frame for every test: plan metres ↔ WGS84 lon/lat through EPSG:4548.

Plan points are metres east (x) and north (y) of :data:`ORIGIN_LONLAT`, near 金宁社区, in
EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E), so that distances drawn in a plan are the
distances the service measures. :class:`SamplePlan` is the bundled sample's own (rotated) plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

HEFEI_METRIC = "EPSG:4548"
ORIGIN_LONLAT = (117.26, 31.96)  # 金宁社区, roughly
_TO_METRIC = Transformer.from_crs("EPSG:4326", HEFEI_METRIC, always_xy=True)
_TO_LONLAT = Transformer.from_crs(HEFEI_METRIC, "EPSG:4326", always_xy=True)
#: The origin in EPSG:4548 metres.
X0, Y0 = _TO_METRIC.transform(*ORIGIN_LONLAT)

Plan = tuple[float, float]


def lonlat(x: float, y: float) -> tuple[float, float]:
    """The WGS84 (lon, lat) of one plan point (metres east, north of the origin)."""
    lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
    return (float(lon), float(lat))


def lonlats(xy: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Plan points (metres) → an (n, 2) array of lon/lat."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = _TO_LONLAT.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
    return np.column_stack([lon, lat])


def plan_xy(lon: float, lat: float) -> Plan:
    """The plan point (metres) of a lon/lat."""
    x, y = _TO_METRIC.transform(lon, lat)
    return (float(x - X0), float(y - Y0))


def line(*xy: Plan) -> shapely.LineString:
    """A lon/lat LineString through plan vertices."""
    return shapely.LineString(lonlats(xy))


def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """A closed lon/lat ring (GeoJSON coordinates) of the plan rectangle (x0, y0)–(x1, y1)."""
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    return [list(lonlat(x, y)) for x, y in corners]


def frame(geoms: Sequence[shapely.Geometry]) -> gpd.GeoDataFrame:
    """Lon/lat geometries as a GeoDataFrame in WGS84."""
    return gpd.GeoDataFrame(geometry=list(geoms), crs="EPSG:4326")


@lru_cache(maxsize=8)
def to_metric(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def metres(points_lonlat: np.ndarray, crs: str = HEFEI_METRIC) -> np.ndarray:
    """(n, 2) lon/lat → (n, 2) absolute coordinates in ``crs`` (metres)."""
    points_lonlat = np.asarray(points_lonlat, dtype=float).reshape(-1, 2)
    x, y = to_metric(crs).transform(points_lonlat[:, 0], points_lonlat[:, 1])
    return np.column_stack([x, y])


class SamplePlan:
    """The bundled sample's plan metres (:mod:`layers.sample`): forward and inverse."""

    def __init__(self) -> None:
        from layers.sample import PLAN_ROTATION_DEG, PlanToWGS84

        self.forward = PlanToWGS84()
        self.angle = math.radians(PLAN_ROTATION_DEG)

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self.forward.point((x, y))
        return (lon, lat)

    def xy(self, lon: float, lat: float) -> Plan:
        east, north = _TO_METRIC.transform(lon, lat)
        dx, dy = east - self.forward.origin[0], north - self.forward.origin[1]
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        return (dx * cos + dy * sin, -dx * sin + dy * cos)

    def lines_xy(self, paths: gpd.GeoDataFrame) -> list[list[Plan]]:
        """Plan polylines of a paths GeoDataFrame (LineStrings in lon/lat)."""
        return [[self.xy(lon, lat) for lon, lat in geom.coords] for geom in paths.geometry]
