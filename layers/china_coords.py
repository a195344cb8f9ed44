"""GCJ-02 (高德, 腾讯) and BD-09 (百度) coordinates, to and from WGS84.

GCJ-02 is WGS84 shifted by the published obfuscation formula of 国家测绘局 (about 520 m east
and 225 m south in Hefei); BD-09 is GCJ-02 with Baidu's further published rotation and shift.
Both forward formulas are closed-form. Their inverses are not: :func:`gcj02_to_wgs84` and
:func:`bd09_to_gcj02` start from the usual one-step approximation and then iterate the forward
formula (``x ← x − (f(x) − target)``, a contraction since the shift varies slowly) until every
point moves by less than :data:`INVERSE_TOLERANCE_DEG` (about 1 cm); three or four steps do.

Outside China the maps use WGS84 unshifted, so the formulas are applied only where
:func:`in_china` holds; other points pass through unchanged.

Every function is vectorised: ``lon`` and ``lat`` may be floats or NumPy arrays (of one
shape), the result is a ``(lon, lat)`` pair of float arrays of that shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Krasovsky 1940 ellipsoid used by the GCJ-02 formula: semi-major axis and e².
KRASOVSKY_A_M = 6_378_245.0
KRASOVSKY_EE = 0.00669342162296594323
#: Baidu's BD-09 constant (π × 3000 / 180).
BD_X_PI = np.pi * 3000.0 / 180.0
BD_OFFSET_LON = 0.0065
BD_OFFSET_LAT = 0.006
#: The iterated inverses stop once no point moves by more than this (1e-7° ≈ 1 cm).
INVERSE_TOLERANCE_DEG = 1e-7
MAX_INVERSE_STEPS = 30

#: Where the maps of mainland China use shifted coordinates: rectangles (north, west, south,
#: east) covering the mainland, minus rectangles over neighbours the first ones overlap
#: (Taiwan, northern Vietnam, Mongolia and Russia's Far East). A plain bounding box of China
#: would wrongly shift Seoul, Ulaanbaatar or Hanoi.
_INSIDE: tuple[tuple[float, float, float, float], ...] = (
    (49.2204, 79.4462, 42.8899, 96.3304),
    (54.1415, 109.6872, 39.3742, 135.0002),
    (42.8899, 73.1246, 29.5297, 124.1430),
    (29.5297, 82.9684, 26.7186, 97.0352),
    (29.5297, 97.0253, 20.4143, 124.3672),
    (20.4143, 107.9750, 17.9713, 111.6797),
)
_OUTSIDE: tuple[tuple[float, float, float, float], ...] = (
    (25.3980, 119.9215, 21.7852, 122.4966),
    (22.2840, 101.8652, 20.0988, 106.6650),
    (21.5424, 106.4525, 20.4873, 108.0519),
    (55.8175, 109.0323, 50.3257, 119.1277),
    (55.8175, 127.4568, 49.5574, 137.0227),
    (44.8926, 131.2662, 42.5213, 137.0227),
)


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    lon_a, lat_a = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_a.copy(), lat_a.copy()


def _in_boxes(lon: Array, lat: Array, boxes: tuple[tuple[float, ...], ...]) -> NDArray[np.bool_]:
    inside = np.zeros(lon.shape, dtype=bool)
    for north, west, south, east in boxes:
        inside |= (lat <= north) & (lat >= south) & (lon >= west) & (lon <= east)
    return inside


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether each point lies where Chinese maps shift coordinates (mainland China)."""
    lon_a, lat_a = _arrays(lon, lat)
    return _in_boxes(lon_a, lat_a, _INSIDE) & ~_in_boxes(lon_a, lat_a, _OUTSIDE)


def _gcj_delta(lon: Array, lat: Array) -> tuple[Array, Array]:
    """The published GCJ-02 shift (degrees) at WGS84 ``lon``, ``lat``."""
    x = lon - 105.0
    y = lat - 35.0
    wave = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += wave
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += wave
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = np.radians(lat)
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = d_lat * 180.0 / ((KRASOVSKY_A_M * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = d_lon * 180.0 / (KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _gcj_forward(lon: Array, lat: Array) -> tuple[Array, Array]:
    d_lon, d_lat = _gcj_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def _bd_forward(lon: Array, lat: Array) -> tuple[Array, Array]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * BD_X_PI)
    return z * np.cos(theta) + BD_OFFSET_LON, z * np.sin(theta) + BD_OFFSET_LAT


def _bd_approximate_inverse(lon: Array, lat: Array) -> tuple[Array, Array]:
    x = lon - BD_OFFSET_LON
    y = lat - BD_OFFSET_LAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: Callable[[Array, Array], tuple[Array, Array]],
    lon: Array,
    lat: Array,
    start: tuple[Array, Array],
) -> tuple[Array, Array]:
    """Solve ``forward(x) = (lon, lat)`` by fixed-point steps from ``start``."""
    x_lon, x_lat = start
    for _ in range(MAX_INVERSE_STEPS):
        f_lon, f_lat = forward(x_lon, x_lat)
        err_lon, err_lat = f_lon - lon, f_lat - lat
        x_lon, x_lat = x_lon - err_lon, x_lat - err_lat
        if max(np.max(np.abs(err_lon), initial=0.0), np.max(np.abs(err_lat), initial=0.0)) < (
            INVERSE_TOLERANCE_DEG
        ):
            break
    return x_lon, x_lat


def _within_china(
    lon: ArrayLike, lat: ArrayLike, convert: Callable[[Array, Array], tuple[Array, Array]]
) -> tuple[Array, Array]:
    """``convert`` applied to the points in China; the others returned unchanged."""
    lon_a, lat_a = _arrays(lon, lat)
    china = in_china(lon_a, lat_a)
    if china.any():
        lon_a[china], lat_a[china] = convert(lon_a[china], lat_a[china])
    return lon_a, lat_a


def _gcj_inverse(lon: Array, lat: Array) -> tuple[Array, Array]:
    d_lon, d_lat = _gcj_delta(lon, lat)
    return _invert(_gcj_forward, lon, lat, (lon - d_lon, lat - d_lat))


def _bd_inverse(lon: Array, lat: Array) -> tuple[Array, Array]:
    return _invert(_bd_forward, lon, lat, _bd_approximate_inverse(lon, lat))


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 → GCJ-02 (points outside China unchanged)."""
    return _within_china(lon, lat, _gcj_forward)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → WGS84 by iterating the forward formula to 1e-7° (outside China unchanged)."""
    return _within_china(lon, lat, _gcj_inverse)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → BD-09 (outside China unchanged)."""
    return _within_china(lon, lat, _bd_forward)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → GCJ-02: the approximate inverse refined by iteration (outside China unchanged)."""
    return _within_china(lon, lat, _bd_inverse)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 → BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → WGS84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


#: Converters to WGS84 by the name a user gives (``--crs gcj02``).
TO_WGS84: dict[str, Callable[[ArrayLike, ArrayLike], tuple[Array, Array]]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
