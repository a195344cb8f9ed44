"""The resident page in headless Chromium (375×667, no internet): locate, choose, see the walk."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.geo import SamplePlan
from support.oracle import reference_walk_m

from geo_app.config import BUNDLED_DATA_DIR
from layers import load_community

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PLAN = SamplePlan()
BUILDING = "风格城市 3栋"
ITEM = "power_bank"  # PS-02 has none: the answer depends on stock, not only on distance
ANSWER_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def sample():
    return load_community(BUNDLED_DATA_DIR)


@pytest.fixture
def pinned_live(live_app, live_server, monkeypatch):
    """The live server with its clock pinned to a Monday 10:00 in Shanghai."""
    monkeypatch.setitem(live_app.config, "CLOCK", lambda: MONDAY_10)
    return live_server


def entrance_of(sample, name: str) -> tuple[float, float]:
    row = sample.buildings[sample.buildings["name"] == name].iloc[0]
    lon, lat = row["entrances"][0]
    return (lon, lat)


def expected_nearest(sample, start_lonlat: tuple[float, float], item: str) -> tuple[str, float]:
    """Station and walk (m) worked out independently: stock > 0, open Monday 10:00, networkx."""
    lines = PLAN.lines_xy(sample.paths)
    start = PLAN.xy(*start_lonlat)
    best: tuple[float, str] | None = None
    for row in sample.stations.itertuples():
        hours = row.hours
        spans = [] if hours == "24h" else (hours.get("mon") or "closed").split(",")
        open_at_10 = hours == "24h" or any(s[:5] <= "10:00" < s[6:] for s in spans if s != "closed")
        if not open_at_10 or (row.items or {}).get(item, 0) <= 0:
            continue
        walk = reference_walk_m(lines, start, PLAN.xy(row.geometry.x, row.geometry.y))
        best = min(best or (walk, row.id), (walk, row.id))
    assert best is not None
    return best[1], best[0]


def assert_clean(session) -> None:
    assert session.blocked == [], session.blocked
    assert session.errors == [], session.errors


def first_result(page) -> dict[str, str]:
    card = page.locator("[data-testid=result]").first
    return {
        "station": card.get_attribute("data-station-id"),
        "distance": card.get_attribute("data-distance-m"),
    }


def test_located_resident_chooses_an_item_and_sees_the_walk(
    offline_page, pinned_live, sample, tmp_path, record_property
):
    lon, lat = entrance_of(sample, BUILDING)
    session = offline_page(
        375, 667, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"]
    )
    page = session.page
    page.goto(pinned_live + "/")
    page.wait_for_selector("[data-testid=result]", timeout=ANSWER_TIMEOUT_MS)
    first_ms = page.evaluate("window.residentTiming.firstAnswerMs")
    with page.expect_response(lambda r: f"item={ITEM}" in r.url) as answer:
        page.click(f"[data-testid=item-{ITEM}]")
    api_answer = answer.value.json()
    page.wait_for_function(
        "id => document.querySelector('[data-testid=resident-map]').dataset.routeStation === id",
        arg=api_answer["results"][0]["station_id"],
        timeout=ANSWER_TIMEOUT_MS,
    )

    station, walk_m = expected_nearest(sample, (lon, lat), ITEM)
    shown = first_result(page)
    assert shown["station"] == station
    assert abs(int(shown["distance"]) - walk_m) <= 1.0  # the independent reference
    assert int(shown["distance"]) == api_answer["results"][0]["distance_m"]  # the engine's
    assert (
        page.locator("[data-testid=results] .walk")
        .first.inner_text()
        .startswith(f"{shown['distance']} 米")
    )
    assert page.locator("path.resident-route").count() == 1  # the route line is drawn
    drawn = page.evaluate(
        "() => window.resident.layers.route.getLatLngs().map(p => [p.lng, p.lat])"
    )
    assert drawn == api_answer["results"][0]["route"]["coordinates"]
    origin = page.locator("[data-testid=resident-map]").get_attribute("data-origin")
    assert origin == f"{lon:.6f},{lat:.6f}"
    assert "正在开放" in page.locator("[data-testid=open-state]").first.inner_text()
    page.screenshot(path=str(tmp_path / "resident-located.png"))
    record_property("location_to_first_answer_ms", first_ms)
    print(f"location → first answer: {first_ms:.0f} ms")  # target: under 1 s (recorded only)
    assert_clean(session)


def test_refused_geolocation_explains_and_a_map_tap_still_answers(
    offline_page, pinned_live, tmp_path
):
    session = offline_page(375, 667)  # no geolocation permission
    page = session.page
    page.goto(pinned_live + "/")
    status = page.locator("[data-testid=location-status]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=location-status]').classList.contains('error')",
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert "没有允许本页定位" in status.inner_text()
    assert "点地图" in status.inner_text() and "搜索" in status.inner_text()
    assert page.locator("[data-testid=result]").count() == 0
    # a tap in the middle of the map: the answer comes from there
    name = page.locator("[data-testid=resident-map]").get_attribute("data-map-name")
    # measured once the map's opening fit has finished (a moving map moves the tapped point)
    page.wait_for_function(
        """name => { const m = window[name];
                     return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress); }""",
        arg=name, timeout=ANSWER_TIMEOUT_MS,
    )
    x, y, tapped, metres_per_px = page.evaluate(
        """name => {
            const map = window[name];
            const rect = map.getContainer().getBoundingClientRect();
            const size = map.getSize();
            const p = map.containerPointToLatLng([size.x / 2, size.y / 2]);
            const q = map.containerPointToLatLng([size.x / 2 + 1, size.y / 2]);
            return [rect.left + size.x / 2, rect.top + size.y / 2, [p.lng, p.lat],
                    map.distance(p, q)];
        }""",
        name,
    )
    page.mouse.click(x, y)
    page.wait_for_selector("[data-testid=result]", timeout=ANSWER_TIMEOUT_MS)
    origin = page.locator("[data-testid=resident-map]").get_attribute("data-origin")
    chosen = PLAN.xy(*(float(v) for v in origin.split(",")))
    # the browser clicks whole pixels: the start is the tapped point to within a pixel or so
    assert math.dist(chosen, PLAN.xy(*tapped)) <= 1.5 * metres_per_px
    page.screenshot(path=str(tmp_path / "resident-refused.png"))
    assert_clean(session)


def test_search_by_building_name_sets_the_start(offline_page, pinned_live, sample, tmp_path):
    session = offline_page(375, 667)
    page = session.page
    page.goto(pinned_live + "/")
    page.fill("[data-testid=search-input]", "风格城市3栋")  # no space: still found
    page.wait_for_selector("[data-testid=place]", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("[data-testid=place] .place-name").first.inner_text() == BUILDING
    page.locator("[data-testid=place]").first.click()
    page.wait_for_selector("[data-testid=result]", timeout=ANSWER_TIMEOUT_MS)
    lon, lat = entrance_of(sample, BUILDING)
    origin = page.locator("[data-testid=resident-map]").get_attribute("data-origin")
    assert origin == f"{lon:.6f},{lat:.6f}"
    assert BUILDING in page.locator("[data-testid=location-status]").inner_text()
    page.click(f"[data-testid=item-{ITEM}]")
    station, walk_m = expected_nearest(sample, (lon, lat), ITEM)
    page.wait_for_function(
        "id => document.querySelector('[data-testid=resident-map]').dataset.routeStation === id",
        arg=station,
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert abs(int(first_result(page)["distance"]) - walk_m) <= 1.0
    page.screenshot(path=str(tmp_path / "resident-search.png"))
    assert_clean(session)


def test_outside_the_community_says_so(offline_page, pinned_live):
    # 合肥市中心, some 15 km south of 金宁社区
    session = offline_page(
        375,
        667,
        geolocation={"longitude": 117.227, "latitude": 31.820},
        permissions=["geolocation"],
    )
    page = session.page
    page.goto(pinned_live + "/")
    message = page.locator("[data-testid=answer-message]")
    message.wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    assert "不在金宁社区的步行范围内" in message.inner_text()
    assert page.locator("[data-testid=result]").count() == 0
    assert_clean(session)


def test_page_config_names_the_map_and_the_items_in_stock(client):
    html = client.get("/").get_data(as_text=True)
    start = html.index('id="resident-config">') + len('id="resident-config">')
    config = json.loads(html[start : html.index("</script>", start)])
    script = client.get(f"/resident/map.js?v={config['mapName']}")
    assert script.mimetype == "text/javascript"
    assert f"var {config['mapName']} = L.map" in script.get_data(as_text=True)
    # no inline script (a CSP without 'unsafe-inline' is coming): JSON blocks and files only
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all('type="application/json"' in attrs for attrs in inline), inline
    assert 'data-testid="item-umbrella"' in html and "歇歇角" in html
    assert 'data-testid="item-microwave"' in html  # RP-01 has one
    assert 'data-testid="item-reading_glasses"' in html
