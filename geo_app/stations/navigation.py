"""「去这里」: links that open the phone's map app at a station, in walking mode.

Chinese map apps do not take WGS84 by default: 高德 (AMap), 腾讯 and Apple Maps in China use
GCJ-02, 百度 uses BD-09. The service stores and shows WGS84; a station's position is converted
here, for these links only, with the published forward formulas of
:mod:`layers.china_coords` (the one home of the GCJ-02 / BD-09 conversions, which importers
use the other way).

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

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np

from layers.china_coords import gcj02_to_bd09, wgs84_to_gcj02

Converter = Callable[[float, float], tuple[object, object]]

#: The name these links give the map apps as their caller (src / referer).
SOURCE = "jinning-service-map"


def _convert(convert: Converter, lon: float, lat: float) -> tuple[float, float]:
    """One point through a converter of :mod:`layers.china_coords` (which works on arrays)."""
    x, y = convert(lon, lat)
    return float(np.asarray(x).reshape(-1)[0]), float(np.asarray(y).reshape(-1)[0])


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
    g_lon, g_lat = _convert(wgs84_to_gcj02, lon, lat)
    b_lon, b_lat = _convert(gcj02_to_bd09, g_lon, g_lat)
    amap = {"to": f"{_fmt(g_lon)},{_fmt(g_lat)},{name}", "mode": "walk", "coordinate": "gaode",
            "callnative": "1", "src": SOURCE}
    qq = {"type": "walk", "to": name, "tocoord": f"{_fmt(g_lat)},{_fmt(g_lon)}",
          "referer": SOURCE}
    apple = {"daddr": f"{_fmt(g_lat)},{_fmt(g_lon)}", "dirflg": "w", "q": name}
    destination = f"latlng:{_fmt(b_lat)},{_fmt(b_lon)}|name:{name}"
    if origin is not None:
        go_lon, go_lat = _convert(wgs84_to_gcj02, *origin)
        o_lon, o_lat = _convert(gcj02_to_bd09, go_lon, go_lat)
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
