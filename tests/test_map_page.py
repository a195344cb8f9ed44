"""The community map page: every layer drawn, no CDN, readable on a phone and a desktop."""

from __future__ import annotations

import re

import folium
import folium.plugins
import pytest
from support.calls import count_calls

from geo_app.maps.base import BasemapConfigError, UnservedAssetError, offline_map, render_map_parts
from layers import load_community

COUNT_LAYERS_JS = """
(name) => {
  const map = window[name];
  const counts = {buildings: 0, stations: 0, rest_posts: 0, pois: 0, grids: 0};
  map.eachLayer((layer) => {
    const p = layer.feature && layer.feature.properties;
    if (!p) return;
    if (p.layer === 'buildings' && layer instanceof L.Polygon) counts.buildings++;
    if (p.layer === 'grids' && layer instanceof L.Polygon) counts.grids++;
    if (p.layer === 'stations' && layer instanceof L.Marker) {
      counts.stations++;
      if (p.kind === 'rest_post') counts.rest_posts++;
    }
    if (p.layer === 'pois' && layer instanceof L.Marker) counts.pois++;
  });
  return counts;
}
"""


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


def test_map_page_links_only_assets_the_app_serves(client):
    response = client.get("/map")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    urls = _asset_urls(html)
    assert "/vendor/leaflet/leaflet.js" in urls
    assert all(url.startswith("/") for url in urls), urls
    for url in urls:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    assert "社区地图" in html


def test_vendor_route_refuses_unknown_packages(client):
    for url in ("/vendor/bootstrap/bootstrap.js", "/vendor/leaflet/../../../etc/passwd"):
        with client.get(url) as response:
            assert response.status_code == 404, url


def test_an_unserved_plugin_asset_is_refused(app):
    m = offline_map()
    plugin = folium.plugins.Fullscreen()  # its script is not vendored
    plugin.add_to(m)
    with app.test_request_context(), pytest.raises(UnservedAssetError, match="fullscreen"):
        render_map_parts(m)


@pytest.mark.parametrize(
    ("basemap", "key", "message"),
    [
        ("gaode", "", "未知底图 'gaode'"),
        ("tianditu", "", "需要配置 TIANDITU_KEY"),
    ],
)
def test_basemap_configuration_errors(basemap, key, message):
    with pytest.raises(BasemapConfigError, match=message):
        offline_map(basemap=basemap, tianditu_key=key)


def test_tianditu_basemap_carries_the_key(app):
    m = offline_map(basemap="tianditu", tianditu_key="abc123")
    with app.test_request_context():
        parts = render_map_parts(m)
    assert "tk=abc123" in parts.script
    assert "vec_w" in parts.script and "cva_w" in parts.script


@pytest.mark.parametrize(("width", "height"), [(375, 667), (1280, 800)])
def test_map_draws_every_layer_offline(live_app, live_server, offline_page, tmp_path, width,
                                       height):
    community = load_community(live_app.config["DATA_DIR"])
    view = offline_page(width=width, height=height)
    page = view.page
    page.goto(f"{live_server}/map")
    page.wait_for_function("() => window.L && document.querySelector('.leaflet-pane')")
    name = page.get_attribute("[data-testid=community-map]", "data-map-name")
    counts = page.evaluate(COUNT_LAYERS_JS, name)
    assert counts["buildings"] == len(community.buildings)
    assert counts["stations"] == len(community.stations)
    assert counts["rest_posts"] == int((community.stations["kind"] == "rest_post").sum())
    assert counts["grids"] == len(community.grids)
    assert counts["pois"] == len(community.pois)
    # drawn, not only registered: SVG paths and marker icons are in the DOM
    assert page.locator("path.leaflet-interactive").count() >= len(community.buildings)
    assert page.locator(".station-badge").count() == len(community.stations)
    assert page.locator(".leaflet-marker-pane .poi-badge").count() == len(community.pois)
    map_box = page.locator("[data-testid=community-map]").bounding_box()
    assert map_box["width"] == pytest.approx(width, abs=1)
    assert map_box["height"] > height * 0.8
    page.screenshot(path=str(tmp_path / f"map-{width}x{height}.png"))
    assert view.blocked == []
    assert view.errors == []


def test_the_map_is_rendered_once_per_loaded_community(app, client, monkeypatch):
    import geo_app.web.views.map_page as map_page

    builds = count_calls(monkeypatch, map_page, "build_community_map")

    def page() -> str:  # the page without its per-request CSP nonce
        return re.sub(r'nonce="[^"]+"', "", client.get("/map").get_data(as_text=True))

    first = page()
    assert page() == first
    assert len(builds) == 1
    state = app.extensions["geo_app.community"]
    assert state.reload() == []  # a fresh Community object: the page is drawn again
    client.get("/map")
    assert len(builds) == 2
