"""「去这里」: links that open the phone's map app at a station, in walking mode.

Chinese map apps do not take WGS84 by default: 高德 (AMap), 腾讯 and Apple Maps in China use
GCJ-02, 百度 uses BD-09. The service stores and shows WGS84; a station's position is converted
here, for these links only, with the published forward formulas (the GCJ-02 obfuscation as
reverse-engineered in the public ``eviltransform`` / ``coordtransform`` projects, Krasovsky
1940 ellipsoid; and Baidu's BD-09 offset of GCJ-02). Both are closed-form and exact to the
formula (the inverses are iterative and not needed here).

URI schemes (public, no key needed):

- 高德 ``https://uri.amap.com/navigation?to=lon,lat,name&mode=walk&coordinate=gaode``; with
  no ``from`` the app starts from the phone's position (lbs.amap.com, URI API 路径规划).
- 百度 ``https://api.map.baidu.com/marker?location=lat,lng&coord_type=bd09ll&output=html`` (its
  web ``direction`` URI needs an origin, which a poster or a shared link does not have; the
  marker page offers 「到这去」 from the phone's position), and ``direction`` with
  ``mode=walking`` when the start is known.
- 腾讯 ``https://apis.map.qq.com/uri/v1/routeplan?type=walk&to=name&tocoord=lat,lng``.
- Apple ``https://maps.apple.com/?daddr=lat,lon&dirflg=w``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

#: Krasovsky 1940 semi-major axis (m) and first eccentricity squared, as the GCJ-02 formula uses.
KRASOVSKY_A = 6_378_245.0
KRASOVSKY_EE = 0.006_693_421_622_965_943
#: BD-09's angular constant: π × 3000 / 180.
BD_X_PI = math.pi * 3000.0 / 180.0
#: The name these links give the map apps as their caller (src / referer).
SOURCE = "jinning-service-map"


def out_of_china(lon: float, lat: float) -> bool:
    """Whether (lon, lat) lies outside the rough box where GCJ-02 applies (no offset there)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 → GCJ-02 (lon, lat in degrees); unchanged outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lat = _delta_lat(lon - 105.0, lat - 35.0)
    d_lon = _delta_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → BD-09 (百度经纬度, ``bd09ll``)."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * BD_X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


@dataclass(frozen=True)
class MapLink:
    """One map app's link: its label, the URL, and the coordinate system the URL carries."""

    app: str
    label: str
    url: str
    crs: str


def _fmt(value: float) -> str:
    return f"{value:.6f}"  # about 0.1 m


def navigation_links(
    lon: float,
    lat: float,
    name: str,
    *,
    origin: tuple[float, float] | None = None,
    region: str = "合肥市",
) -> list[MapLink]:
    """Walking links to (lon, lat) WGS84 named ``name`` in 高德, 百度, 腾讯 and Apple Maps.

    ``origin`` (WGS84 lon, lat), when known, is the start (百度 then opens its walking route;
    the others start from the phone's position when no start is given).
    """
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
    amap = {"to": f"{_fmt(g_lon)},{_fmt(g_lat)},{name}", "mode": "walk", "coordinate": "gaode",
            "callnative": "1", "src": SOURCE}
    qq = {"type": "walk", "to": name, "tocoord": f"{_fmt(g_lat)},{_fmt(g_lon)}",
          "referer": SOURCE}
    apple = {"daddr": f"{_fmt(g_lat)},{_fmt(g_lon)}", "dirflg": "w", "q": name}
    destination = f"latlng:{_fmt(b_lat)},{_fmt(b_lon)}|name:{name}"
    if origin is not None:
        go_lon, go_lat = wgs84_to_gcj02(*origin)
        o_lon, o_lat = gcj02_to_bd09(go_lon, go_lat)
        amap["from"] = f"{_fmt(go_lon)},{_fmt(go_lat)},出发点"
        qq["fromcoord"] = f"{_fmt(go_lat)},{_fmt(go_lon)}"
        qq["from"] = "出发点"
        apple["saddr"] = f"{_fmt(go_lat)},{_fmt(go_lon)}"
        baidu = "https://api.map.baidu.com/direction?" + urlencode({
            "origin": f"latlng:{_fmt(o_lat)},{_fmt(o_lon)}|name:出发点",
            "destination": destination, "mode": "walking", "region": region,
            "coord_type": "bd09ll", "output": "html", "src": SOURCE,
        })
    else:
        baidu = "https://api.map.baidu.com/marker?" + urlencode({
            "location": f"{_fmt(b_lat)},{_fmt(b_lon)}", "title": name, "content": name,
            "coord_type": "bd09ll", "output": "html", "src": SOURCE,
        })
    return [
        MapLink("amap", "高德地图", "https://uri.amap.com/navigation?" + urlencode(amap), "gcj02"),
        MapLink("baidu", "百度地图", baidu, "bd09"),
        MapLink("qq", "腾讯地图", "https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(qq),
                "gcj02"),
        MapLink("apple", "苹果地图", "https://maps.apple.com/?" + urlencode(apple), "gcj02"),
    ]


def links_json(links: list[MapLink]) -> list[dict[str, str]]:
    """The links as JSON for a page's configuration block."""
    return [{"app": link.app, "label": link.label, "url": link.url, "crs": link.crs}
            for link in links]
