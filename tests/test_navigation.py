"""「去这里」 links: WGS84 → GCJ-02 → BD-09 against published reference pairs, and the URIs.

Reference pairs (published test vectors of two independent public projects):
- wandergis/coordtransform, ``test/app.js``: wgs84togcj02(116.404, 39.915) and
  gcj02tobd09(116.404, 39.915);
- googollee/eviltransform, ``python/test.py`` ``TESTS``: Shanghai, Shenzhen, Beijing (wgs → gcj);
- hujiulong/gcoord, ``test/unit/crs/GCJ02.spec.js``: GCJ02 → BD09 of (123, 45).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pyproj import Geod

from geo_app.stations.navigation import gcj02_to_bd09, navigation_links, wgs84_to_gcj02

GEOD = Geod(ellps="WGS84")

# (lon, lat) in → (lon, lat) out
WGS_TO_GCJ = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # coordtransform
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform 上海
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # eviltransform 深圳
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # eviltransform 北京
]
GCJ_TO_BD = [
    ((116.404, 39.915), (116.41036949371029, 39.92133699351021)),  # coordtransform
    ((123.0, 45.0), (123.00636499, 45.00636899)),  # gcoord
]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj):
    assert metres(wgs84_to_gcj02(*wgs), gcj) < 1.0


@pytest.mark.parametrize(("gcj", "bd"), GCJ_TO_BD)
def test_gcj02_to_bd09_matches_published_pairs(gcj, bd):
    assert metres(gcj02_to_bd09(*gcj), bd) < 1.0


def test_hefei_offset_is_the_known_half_kilometre():
    # DOMAIN.md: in Hefei GCJ-02 lies about 520 m east and 225 m south of WGS84
    lon, lat = 117.26, 31.96
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert metres((lon, lat), (g_lon, lat)) == pytest.approx(520, abs=15)
    assert metres((lon, lat), (lon, g_lat)) == pytest.approx(225, abs=15)
    assert g_lon > lon and g_lat < lat


def test_outside_china_is_not_shifted():
    assert wgs84_to_gcj02(-0.1276, 51.5072) == (-0.1276, 51.5072)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def parse_link_lonlat(app: str, url: str) -> tuple[float, float]:
    """The destination (lon, lat) carried by one app's link, in that app's system."""
    q = _query(url)
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


def test_links_carry_each_apps_coordinates_and_walking_mode():
    # the first published pair: the links must carry the published GCJ-02 and its BD-09
    (lon, lat), gcj = WGS_TO_GCJ[0]
    bd = gcj02_to_bd09(*gcj)
    links = {link.app: link for link in navigation_links(lon, lat, "测试站")}
    assert set(links) == {"amap", "baidu", "qq", "apple"}
    for app, expected in [("amap", gcj), ("qq", gcj), ("apple", gcj), ("baidu", bd)]:
        assert metres(parse_link_lonlat(app, links[app].url), expected) < 1.0, app
    assert _query(links["amap"].url)["mode"] == "walk"
    assert _query(links["amap"].url)["coordinate"] == "gaode"
    assert _query(links["qq"].url)["type"] == "walk"
    assert _query(links["apple"].url)["dirflg"] == "w"
    assert _query(links["baidu"].url)["coord_type"] == "bd09ll"
    assert links["amap"].url.startswith("https://uri.amap.com/navigation?")
    assert links["qq"].url.startswith("https://apis.map.qq.com/uri/v1/routeplan?")


def test_a_known_start_gives_baidu_a_walking_route():
    found = navigation_links(117.26, 31.96, "站", origin=(117.25, 31.95))
    links = {link.app: link for link in found}
    q = _query(links["baidu"].url)
    assert links["baidu"].url.startswith("https://api.map.baidu.com/direction?")
    assert q["mode"] == "walking" and q["coord_type"] == "bd09ll"
    o_lat, o_lon = q["origin"].split("|")[0].removeprefix("latlng:").split(",")
    expected = gcj02_to_bd09(*wgs84_to_gcj02(117.25, 31.95))
    assert metres((float(o_lon), float(o_lat)), expected) < 1.0
