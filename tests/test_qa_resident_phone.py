"""QA pass as a resident on a phone (375×667) and a desktop: what the deep links show on the map.

A QR code on a building's door (``/?b=``) must show the walking route to the nearest station,
and one at a station (``/?s=``) that station up close with its whole opening week and stock:
the answer arrives while the map's opening zoom animation runs, when Leaflet drops a new view.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.governance.items import ItemInput, create_item
from geo_app.store import get_store
from geo_app.web import governance_support as support
from layers import load_community

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TIMEOUT_MS = 10_000
SIZES = [(375, 667), (1280, 800)]

#: The route's extent on screen as a share of the map's box (width, height), once the map
#: has stopped moving; null while a zoom animation still runs.
ROUTE_SHARE_JS = """
() => {
  const r = window.resident; const map = r.map; const route = r.layers.route;
  if (!route || map._animatingZoom) return null;
  const size = map.getSize(); const b = route.getBounds();
  const a = map.latLngToContainerPoint(b.getSouthWest());
  const c = map.latLngToContainerPoint(b.getNorthEast());
  const inside = [a, c].every((p) => p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y);
  return {inside, w: Math.abs(c.x - a.x) / size.x, h: Math.abs(c.y - a.y) / size.y};
}
"""
#: Where the station's own marker sits in the map's box, once the map has stopped moving.
STATION_SPOT_JS = """
([lat, lon]) => {
  const map = window.resident.map;
  if (map._animatingZoom) return null;
  const p = map.latLngToContainerPoint([lat, lon]); const size = map.getSize();
  return {dx: p.x - size.x / 2, dy: p.y - size.y / 2, zoom: map.getZoom()};
}
"""


#: For each building row of the item page's table, whether its polygon lies wholly inside the
#: map's view (the polygons are the map's blue layer, found by their tooltip text).
REACHED_IN_VIEW_JS = """
() => {
  const map = window.govMap; const view = map.getBounds(); const seen = {};
  map.eachLayer((layer) => {
    const p = layer.feature && layer.feature.properties;
    if (p && p.label && layer.getBounds) seen[p.id] = view.contains(layer.getBounds());
  });
  return [...document.querySelectorAll("[data-testid=reach] tr[data-building-id]")]
    .map((row) => [row.dataset.buildingId, seen[row.dataset.buildingId] === true]);
}
"""
#: 风格城市 1栋's side of the street, in the 风格城市 grid.
ITEM_PLACE = (117.251875, 31.959398)


@pytest.fixture(scope="module")
def sample():
    return load_community(BUNDLED_DATA_DIR)


@pytest.fixture
def base(live_app, live_server, monkeypatch) -> str:
    monkeypatch.setitem(live_app.config, "CLOCK", lambda: MONDAY_10)
    return live_server


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_building_qr_code_shows_the_route_filling_the_map(offline_page, base, width, height):
    session = offline_page(width, height)
    page = session.page
    page.goto(f"{base}/?b=FG-03")
    page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
    page.wait_for_timeout(600)  # past Leaflet's 250 ms zoom animation
    share = page.evaluate(ROUTE_SHARE_JS)
    assert share is not None and share["inside"], share
    # fitted with 30 px padding: the route spans most of the map one way or the other (before
    # the fix the map stayed on the whole community, the route a few per cent of it)
    assert max(share["w"], share["h"]) > 0.5, share
    assert session.errors == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_station_qr_code_centres_the_station_and_shows_its_whole_week(
    offline_page, base, sample, width, height
):
    row = sample.stations.set_index("id").loc["PS-02"]
    session = offline_page(width, height)
    page = session.page
    page.goto(f"{base}/?s=PS-02")
    card = page.locator("[data-testid=station-card]")
    card.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(600)
    spot = page.evaluate(STATION_SPOT_JS, [row.geometry.y, row.geometry.x])
    assert spot is not None and spot["zoom"] == 17, spot
    assert abs(spot["dx"]) <= 2 and abs(spot["dy"]) <= 2, spot
    # the week's hours and the stock are read in full, not cut with an ellipsis
    hours = card.locator(".hours")
    assert "周日 休息" in hours.inner_text()  # the week's last day: PS-02 closes on Sundays
    for part in (hours, card.locator(".stock-row"), page.locator("[data-testid=location-status]")):
        width_used = part.evaluate("(n) => [n.scrollWidth, n.clientWidth]")
        assert width_used[0] <= width_used[1], (part, width_used)
    assert session.errors == []


@pytest.fixture(scope="module")
def item_id(live_app) -> int:
    """A published item at ITEM_PLACE, its reach walked by the engine (ITEM_WALK_RADIUS_M)."""
    with live_app.app_context(), get_store().write() as db:
        item = create_item(
            db, ItemInput(title="恢复楼旁绿地", category="greening", owner="物业公司",
                          budget_source="社区党建项目", lon=ITEM_PLACE[0], lat=ITEM_PLACE[1]),
            grid_id="340121400001-01", actor="test", at=MONDAY_10,
            categories=support.categories(), budget_sources=("社区党建项目",),
            reach=support.item_reach, radius_m=support.reach_radius(),
        )
        return item.id


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_item_map_opens_on_every_building_its_page_lists(
    offline_page, base, item_id, width, height
):
    session = offline_page(width, height)
    page = session.page
    page.goto(f"{base}/items/{item_id}")
    page.wait_for_function("window.govMap && !window.govMap._animatingZoom", timeout=TIMEOUT_MS)
    rows = page.evaluate(REACHED_IN_VIEW_JS)
    assert len(rows) >= 3, rows  # several buildings within the walk, listed in the table
    # before the fix the map opened at zoom 18 on the place: 2 of 7 listed buildings in view
    assert all(inside for _, inside in rows), rows
    assert page.locator("[data-testid=map-legend]").is_visible()
    assert session.errors == []


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("abort", "网络连接不上，请检查网络后重试。"),
        ("bad_gateway", "服务器暂时无法处理（状态 502），请稍后重试。"),
    ],
)
def test_a_view_sent_with_no_network_says_so_in_chinese_and_keeps_the_text(
    offline_page, base, failure, expected
):
    session = offline_page(375, 667)
    page = session.page
    page.goto(f"{base}/views/new?lon=117.2535&lat=31.9615&category=greening")
    page.fill("[data-testid=text]", "路灯坏了好几天了")

    def fail(route):
        if failure == "abort":
            route.abort()
        else:  # a proxy's own HTML page in front of the service
            route.fulfill(status=502, content_type="text/html", body="<html>Bad Gateway</html>")

    page.route("**/api/views", fail)
    page.click("[data-testid=submit-view]")
    error = page.locator("[data-testid=form-error]")
    error.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert error.inner_text() == expected  # was "Failed to fetch" / "Unexpected token '<'…"
    assert page.input_value("[data-testid=text]") == "路灯坏了好几天了"
    assert page.is_enabled("[data-testid=submit-view]")  # the resident can try again
    assert session.errors == []


@pytest.mark.parametrize("path", ["/posters/building/FG-03", "/posters/station/PS-01"])
def test_a_poster_previewed_on_a_phone_fits_the_screen(offline_page, base, path):
    session = offline_page(375, 667)
    page = session.page
    page.goto(base + path)
    # the A5 sheet (148 mm = 559 px) made the page scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    qr = page.locator(".poster-qr svg").bounding_box()
    assert qr["width"] >= 150 and qr["x"] >= 0 and qr["x"] + qr["width"] <= 375  # still scannable
    assert session.errors == []
