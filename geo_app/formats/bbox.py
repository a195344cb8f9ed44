"""A box of longitude and latitude as people and map libraries write it: ``西,南,东,北``.

Leaflet's ``LatLngBounds.toBBoxString()`` writes this order (west, south, east, north, WGS84
degrees); full-width digits and commas typed in a Chinese input method are read as ASCII.
"""

from __future__ import annotations

import math

from geo_app.formats.numbers import decimal_number, number_text
from layers.quoting import quoted

#: (west, south, east, north) in WGS84 degrees.
Box = tuple[float, float, float, float]


class BoxError(ValueError):
    """The text is not a box; the message says why (in Chinese, without the parameter name)."""


def parse_box(text: str) -> Box:
    """``"W,S,E,N"`` → (west, south, east, north); anything else raises :class:`BoxError`."""
    parts = number_text(text).split(",")
    try:
        values = [decimal_number(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        msg = f"应为 西,南,东,北 四个经纬度数值（WGS84，逗号分隔），实际为 {quoted(text[:80])}"
        raise BoxError(msg)
    west, south, east, north = values
    if not all(-180 <= lon <= 180 for lon in (west, east)) or not all(
        -90 <= lat <= 90 for lat in (south, north)
    ):
        msg = (f"{quoted(text[:80])} 超出范围：经度应在 -180–180°、纬度应在 -90–90° 之间"
               "（顺序为 西,南,东,北）")
        raise BoxError(msg)
    if not (west < east and south < north):
        raise BoxError(f"{quoted(text[:80])} 应为 西 < 东、南 < 北 的经纬度范围")
    return west, south, east, north
