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
