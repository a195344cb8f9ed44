"""/map on a phone (375×667, no internet): fitted, labels without overlaps, a distinct icon per
category with its legend, live station popups equal to /api/stations, a neutral attribution."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.accounts import csrf_token_of, ensure_account, login

from geo_app.store import get_store
from layers import load_community
from layers.schema import ITEM_LABELS

MONDAY_0830 = datetime(2025, 6, 2, 8, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
ADMIN, PASSWORD = "map-test-admin", "correct horse battery"

BOXES_JS = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => getComputedStyle(e).display !== 'none' && e.offsetParent !== null)
  .map((e) => { const r = e.getBoundingClientRect();
                return [e.textContent, r.left, r.top, r.right, r.bottom]; })
"""


def overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


@pytest.fixture(scope="module")
def community(live_app):
    return load_community(live_app.config["DATA_DIR"])


def open_map(offline_page, live_server, width=375, height=667):
    session = offline_page(width, height)
    page = session.page
    page.goto(f"{live_server}/map")
    page.wait_for_function("() => window.communityMap && document.querySelector('.grid-label')")
    # measured once the page's own fit has finished (mid-animation, spans and labels move)
    page.wait_for_function("() => !window.communityMap.map._animatingZoom")
    return session, page


def test_the_community_fills_a_phone_and_grid_labels_do_not_overlap(
    offline_page, live_server, community, tmp_path
):
    session, page = open_map(offline_page, live_server)
    # fitted: the community's outline spans most of the screen's width
    west, south, east, north = community.boundary.total_bounds
    span = page.evaluate(
        "([w, s, e, n]) => { const m = window.communityMap.map;"
        " const a = m.latLngToContainerPoint([n, w]), b = m.latLngToContainerPoint([s, e]);"
        " return [b.x - a.x, b.y - a.y]; }",
        [west, south, east, north],
    )
    assert 0.75 * 375 <= span[0] <= 375
    labels = page.evaluate(BOXES_JS, ".grid-label")
    badges = page.evaluate(BOXES_JS, ".station-badge")
    assert labels, "at least one grid name is shown at the initial zoom"
    for a, b in itertools.combinations(labels, 2):
        assert not overlap(a, b), (a[0], b[0])
    for label, badge in itertools.product(labels, badges):
        assert not overlap(label, badge), (label[0], "station")
    page.screenshot(path=str(tmp_path / "map-phone-initial.png"))
    # zoomed in: building numbers and road names, still without overlaps
    inside = community.buildings[community.buildings["id"] == "FG-03"].geometry.iloc[0]
    point = inside.representative_point()
    page.evaluate(
        "([lat, lon]) => { const c = window.communityMap; c.map.setView([lat, lon], 17,"
        " {animate: false}); c.declutter(); }",
        [point.y, point.x],
    )
    assert page.evaluate("() => window.communityMap.map.getZoom()") == 17
    shown = page.evaluate(BOXES_JS, ".building-label")
    assert "3栋" in [label[0] for label in shown], "building numbers appear when zoomed in"
    frame = page.locator("[data-testid=community-map]").bounding_box()
    assert all(frame["x"] <= b[1] and b[3] <= frame["x"] + frame["width"] for b in shown)
    assert all(not overlap(a, b) for a, b in itertools.combinations(shown, 2))
    assert page.evaluate(BOXES_JS, ".road-label"), "road names appear when zoomed in"
    page.screenshot(path=str(tmp_path / "map-phone-z17.png"))
    assert session.blocked == [] and session.errors == []


def test_each_category_has_its_own_icon_and_a_legend_line(offline_page, live_server, community):
    session, page = open_map(offline_page, live_server)
    icons = page.evaluate(
        """() => { const out = {}; window.communityMap.map.eachLayer((l) => {
             const p = l.feature && l.feature.properties;
             if (p && p.layer === 'pois' && l.getElement()) {
               out[p.category] = l.getElement().querySelector('i').className; } });
           return out; }"""
    )
    assert set(icons) == set(community.pois["category"])
    assert len(set(icons.values())) == len(icons)  # a 药店 never looks like a 便利店
    assert icons["药店"] != icons["便利店"]
    legend = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('[data-category]')]"
        ".map((r) => [r.dataset.category, r.querySelector('i').className]))"
    )
    assert legend == icons
    # the Font Awesome font is the app's own copy
    assert page.evaluate(
        "document.fonts.ready.then(() => document.fonts.check('900 12px \"Font Awesome 6 Free\"'))"
    )
    assert session.blocked == []


def test_attribution_is_neutral_with_the_leaflet_and_data_credits(offline_page, live_server):
    session, page = open_map(offline_page, live_server)
    attribution = page.locator(".leaflet-control-attribution")
    assert attribution.locator("svg").count() == 0  # no flag
    text = attribution.inner_text()
    assert "Leaflet" in text and "地图数据 © 金宁社区" in text
    assert attribution.locator("a[href='https://leafletjs.com']").count() == 1
    assert session.blocked == []


@pytest.fixture
def admin_client(live_app, community):
    with live_app.app_context(), get_store().write() as db:
        ensure_account(db, community, username=ADMIN, password=PASSWORD, role="admin")
    client = live_app.test_client()
    assert login(client, ADMIN, PASSWORD).status_code == 302
    client.token = csrf_token_of(client, "/admin/")
    return client


def test_station_popup_equals_the_api_after_a_lend(
    offline_page, live_app, live_server, admin_client, monkeypatch, tmp_path
):
    monkeypatch.setitem(live_app.config, "CLOCK", lambda: MONDAY_0830)
    station, item = "PS-03", "umbrella"
    lend = {"station": station, "item": item, "movement": "lent", "quantity": 2}
    response = admin_client.post("/admin/api/stock", json=lend,
                                 headers={"X-CSRFToken": admin_client.token})
    assert response.status_code == 200, response.get_json()
    before, after = response.get_json()["before"], response.get_json()["after"]
    assert after == before - 2
    try:
        session, page = open_map(offline_page, live_server)
        api = page.evaluate("() => fetch('/api/stations').then((r) => r.json())")
        expected = next(s for s in api["stations"] if s["station_id"] == station)
        assert expected["items"][item] == after
        page.evaluate(
            """(id) => window.communityMap.map.eachLayer((l) => {
                 const p = l.feature && l.feature.properties;
                 if (p && p.layer === 'stations' && p.id === id) l.openPopup(); })""",
            station,
        )
        popup = page.locator(f"[data-testid=station-popup][data-station-id={station}]")
        popup.wait_for(timeout=10_000)
        shown = page.evaluate(
            "(sel) => Object.fromEntries([...document.querySelectorAll(sel + ' .stock-item')]"
            ".map((s) => [s.dataset.item, +s.dataset.count]))",
            f"[data-testid=station-popup][data-station-id={station}]",
        )
        assert shown == expected["items"]
        assert popup.get_attribute("data-open-now") == str(expected["open_now"]).lower()
        # 08:15 on a Monday: 锦湖苑 opens at 08:30 (its layer hours), so it is closed now
        assert expected["open_now"] is False and expected["opens_later_today"] == "08:30"
        assert "现在未开放，今天 08:30 开门" in popup.inner_text()
        assert f"{ITEM_LABELS[item]} {after}" in popup.inner_text()
        tel = popup.locator("a[href^='tel:']")
        assert tel.get_attribute("href") == "tel:" + expected["contact"].replace("-", "")
        assert popup.locator("[data-testid=nav-link]").count() == 4
        page.screenshot(path=str(tmp_path / "map-popup.png"))
        assert session.blocked == [] and session.errors == []
    finally:
        back = {**lend, "movement": "returned"}
        admin_client.post("/admin/api/stock", json=back,
                          headers={"X-CSRFToken": admin_client.token})


def test_a_missing_page_is_chinese_with_the_header_and_a_way_back(offline_page, live_server,
                                                                 tmp_path):
    session = offline_page(375, 667)
    page = session.page
    response = page.goto(f"{live_server}/no-such-page")
    assert response.status == 404
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("h1") == "页面不存在"
    assert page.locator(".topbar").is_visible()
    back = page.locator(".error-actions a").first
    assert back.get_attribute("href") == "/"
    page.screenshot(path=str(tmp_path / "404.png"))
    back.click()
    page.wait_for_url(f"{live_server}/")
    assert session.blocked == []
