"""Reading the map apps' links ("去这里") back: the destination each carries, and metres
between two lon/lat points on the WGS84 ellipsoid (pyproj's Geod, independent of the app)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def link_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def parse_link_lonlat(app: str, url: str) -> tuple[float, float]:
    """The destination (lon, lat) carried by one app's link, in that app's system."""
    q = link_query(url)
    if app == "amap":
        lon, lat, _ = q["to"].split(",", 2)
        return float(lon), float(lat)
    if app == "baidu":
        spec = q.get("location") or q["destination"].split("|")[0].removeprefix("latlng:")
        lat, lon = spec.split(",")
        return float(lon), float(lat)
    if app == "qq":
        lat, lon = q["tocoord"].split(",")
        return float(lon), float(lat)
    lat, lon = q["daddr"].split(",")
    return float(lon), float(lat)
