"""「去这里」 links: each app's URI carries the station in that app's system (the conversions
themselves are tested against these and more pairs in ``test_china_coords.py``).

Reference pairs (published test vectors of two independent public projects):
- wandergis/coordtransform, ``test/app.js``: wgs84togcj02(116.404, 39.915) and
  gcj02tobd09(116.404, 39.915);
- googollee/eviltransform, ``python/test.py`` ``TESTS``: Shanghai, Shenzhen, Beijing (wgs → gcj);
- hujiulong/gcoord, ``test/unit/crs/GCJ02.spec.js``: GCJ02 → BD09 of (123, 45).
"""

from __future__ import annotations

import pytest
from support.links import link_query, metres, parse_link_lonlat

from geo_app.stations.navigation import navigation_links
from layers.china_coords import gcj02_to_bd09, wgs84_to_gcj02

# (lon, lat) in → (lon, lat) out
WGS_TO_GCJ = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # coordtransform
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform 上海
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # eviltransform 深圳
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # eviltransform 北京
]


def test_hefei_offset_is_the_known_half_kilometre():
    # DOMAIN.md: in Hefei GCJ-02 lies about 520 m east and 225 m south of WGS84
    lon, lat = 117.26, 31.96
    g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    assert metres((lon, lat), (g_lon, lat)) == pytest.approx(520, abs=15)
    assert metres((lon, lat), (lon, g_lat)) == pytest.approx(225, abs=15)
    assert g_lon > lon and g_lat < lat


def test_links_carry_each_apps_coordinates_and_walking_mode():
    # the first published pair: the links must carry the published GCJ-02 and its BD-09
    (lon, lat), gcj = WGS_TO_GCJ[0]
    bd = gcj02_to_bd09(*gcj)
    links = {link.app: link for link in navigation_links(lon, lat, "测试站")}
    assert set(links) == {"amap", "baidu", "qq", "apple"}
    for app, expected in [("amap", gcj), ("qq", gcj), ("apple", gcj), ("baidu", bd)]:
        assert metres(parse_link_lonlat(app, links[app].url), expected) < 1.0, app
    assert link_query(links["amap"].url)["mode"] == "walk"
    assert link_query(links["amap"].url)["coordinate"] == "gaode"
    assert link_query(links["qq"].url)["type"] == "walk"
    assert link_query(links["apple"].url)["dirflg"] == "w"
    assert link_query(links["baidu"].url)["coord_type"] == "bd09ll"
    assert links["amap"].url.startswith("https://uri.amap.com/navigation?")
    assert links["qq"].url.startswith("https://apis.map.qq.com/uri/v1/routeplan?")


def test_a_known_start_gives_baidu_a_walking_route():
    found = navigation_links(117.26, 31.96, "站", origin=(117.25, 31.95))
    links = {link.app: link for link in found}
    q = link_query(links["baidu"].url)
    assert links["baidu"].url.startswith("https://api.map.baidu.com/direction?")
    assert q["mode"] == "walking" and q["coord_type"] == "bd09ll"
    o_lat, o_lon = q["origin"].split("|")[0].removeprefix("latlng:").split(",")
    expected = gcj02_to_bd09(*wgs84_to_gcj02(117.25, 31.95))
    assert metres((float(o_lon), float(o_lat)), expected) < 1.0
