"""Choosing the local metric CRS and moving points between it and WGS84 lon/lat.

Distances are measured in metres in a local projection: EPSG:4548 (CGCS2000 / 3-degree
Gauss-Kruger CM 117E) where the data lie in its zone (Hefei), else the data's UTM zone.
Never in degrees, never in Web Mercator.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from pyproj.enums import TransformDirection

WGS84 = CRS.from_epsg(4326)
#: CGCS2000 / 3-degree Gauss-Kruger CM 117E: the projection for Hefei.
HEFEI_CRS = CRS.from_epsg(4548)


def local_crs(lon: float, lat: float) -> CRS:
    """The metric CRS for data centred at (``lon``, ``lat``).

    EPSG:4548 inside its area of use (China, 115.5°E–118.5°E), else the WGS84 UTM zone of the
    centre (EPSG:326xx north of the equator, 327xx south).
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        msg = f"中心点 ({lon}, {lat}) 不是 WGS84 经纬度"
        raise ValueError(msg)
    area = HEFEI_CRS.area_of_use
    if area is not None and area.west <= lon <= area.east and area.south <= lat <= area.north:
        return HEFEI_CRS
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def column_bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least and greatest value of each column of ``points`` (n, d), NaN ignored.

    Column by column: numpy reduces a narrow (n, 2) array along axis 0 some 30× slower.
    """
    columns = [points[:, j] for j in range(points.shape[1])]
    return np.array([np.nanmin(c) for c in columns]), np.array([np.nanmax(c) for c in columns])


def crs_for_lonlat(lonlat: np.ndarray) -> CRS:
    """The metric CRS for points ``lonlat`` (n, 2): chosen from the centre of their extent."""
    lo, hi = column_bounds(lonlat)
    centre = (lo + hi) / 2.0
    return local_crs(float(centre[0]), float(centre[1]))


class LocalProjection:
    """Vectorised transforms between WGS84 lon/lat and one metric CRS."""

    def __init__(self, crs: CRS) -> None:
        if not crs.is_projected:
            msg = f"步行距离须在投影坐标系中以米计算，{crs.to_string()} 不是投影坐标系"
            raise ValueError(msg)
        self.crs = crs
        # One transformer serves both directions: making one costs ~0.1 s (a search of
        # PROJ's database); its inverse is the same pipeline run backwards.
        self._transformer = Transformer.from_crs(WGS84, crs, always_xy=True)

    def to_local(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat arrays → x/y arrays in metres."""
        x, y = self._transformer.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_wgs84(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x/y arrays in metres → lon/lat arrays."""
        lon, lat = self._transformer.transform(
            np.asarray(x, float), np.asarray(y, float), direction=TransformDirection.INVERSE
        )
        return np.asarray(lon, float), np.asarray(lat, float)

    def points_to_local(self, lonlat: np.ndarray) -> np.ndarray:
        """(n, 2) lon/lat → (n, 2) metres."""
        x, y = self.to_local(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def points_to_wgs84(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) metres → (n, 2) lon/lat."""
        lon, lat = self.to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])


@lru_cache(maxsize=16)
def _projection_for_wkt(wkt: str) -> LocalProjection:
    return LocalProjection(CRS.from_wkt(wkt))


def projection_for(crs: CRS) -> LocalProjection:
    """The (shared, cached) :class:`LocalProjection` of ``crs``: transformers are slow to make."""
    return _projection_for_wkt(crs.to_wkt())
