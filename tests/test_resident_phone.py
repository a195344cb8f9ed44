"""Issue 11 "Residents on a phone", in headless Chromium with every non-127.0.0.1 request aborted.

Deep links answer with no geolocation, three answers in view, a closed nearer station explained,
「去这里」 links in each app's coordinates, 长者模式 kept over a reload, the 120 banner, the
outside-the-community answer, keyboard access. Screenshots go to each test's tmp dir.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.geo import SamplePlan
from support.links import metres, parse_link_lonlat
from support.oracle import reference_walk_m

from geo_app.config import BUNDLED_DATA_DIR
from layers import load_community
from layers.china_coords import gcj02_to_bd09, wgs84_to_gcj02

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=SHANGHAI)
MONDAY_0730 = datetime(2025, 6, 2, 7, 30, tzinfo=SHANGHAI)
BUILDING_ID, BUILDING = "FG-03", "风格城市 3栋"
TIMEOUT_MS = 10_000
PLAN = SamplePlan()
#: Counts the page's geolocation requests (a deep link must make none).
COUNT_GEOLOCATION = """
window.__geolocationCalls = 0;
if (navigator.geolocation) {
  navigator.geolocation.getCurrentPosition = function () { window.__geolocationCalls++; };
}
"""
#: True when every element matched is entirely inside the viewport, the page not scrolled and
#: no scrollable ancestor scrolled.
FULLY_VISIBLE_JS = """
(selector) => {
  const nodes = [...document.querySelectorAll(selector)];
  return nodes.map((n) => {
    const r = n.getBoundingClientRect();
    let scrolled = false;
    for (let a = n.parentElement; a; a = a.parentElement) { if (a.scrollTop > 0) scrolled = true; }
    return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
      && !scrolled && window.scrollY === 0;
  });
}
"""


@pytest.fixture(scope="module")
def sample():
    return load_community(BUNDLED_DATA_DIR)


@pytest.fixture
def at(live_app, live_server, monkeypatch):
    """Factory: the live server with its clock pinned to ``moment``."""

    def pin(moment: datetime) -> str:
        monkeypatch.setitem(live_app.config, "CLOCK", lambda: moment)
        return live_server

    return pin


@pytest.fixture
def phone(offline_page, at):
    """Factory: a 375×667 phone opening ``path`` on the live server at ``moment`` and waiting
    for the first answer; returns (the browser session, its page, the server's base URL)."""

    def open_at(path: str, *, moment: datetime = MONDAY_10):
        base = at(moment)
        session = offline_page(375, 667)
        page = session.page
        page.goto(base + path)
        page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
        return session, page, base

    return open_at


def entrance(sample, building_id: str) -> tuple[float, float]:
    row = sample.buildings[sample.buildings["id"] == building_id].iloc[0]
    return tuple(row["entrances"][0])


def station_hours(sample) -> dict[str, dict]:
    return dict(zip(sample.stations["id"], sample.stations["hours"], strict=True))


def walks_from(sample, start: tuple[float, float]) -> dict[str, float]:
    """Station id → walk (m) from ``start``, by the independent networkx reference."""
    lines = PLAN.lines_xy(sample.paths)
    origin = PLAN.xy(*start)
    return {
        row.id: reference_walk_m(lines, origin, PLAN.xy(row.geometry.x, row.geometry.y))
        for row in sample.stations.itertuples()
    }


def assert_clean(session) -> None:
    assert session.blocked == [], session.blocked
    assert session.errors == [], session.errors


@pytest.mark.parametrize(("width", "height"), [(375, 667), (1366, 768)])
def test_a_deep_link_answers_without_geolocation_with_three_answers_in_view(
    offline_page, at, sample, tmp_path, record_property, width, height
):
    base = at(MONDAY_10)
    session = offline_page(width, height)  # no geolocation permission at all
    page = session.page
    page.add_init_script(COUNT_GEOLOCATION)
    url = f"{base}/?b={BUILDING_ID}&item=umbrella"
    page.goto(url)  # a first visit warms the server's caches (as any running server is)
    page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
    # three openings: the best is the page's own speed, the others show the shared machine's load
    timings = []
    for _ in range(3):
        page.goto(url)
        page.wait_for_function("() => window.residentTiming.pageToFirstAnswerMs !== null",
                               timeout=TIMEOUT_MS)
        timings.append(page.evaluate("window.residentTiming.pageToFirstAnswerMs"))
    record_property(f"deep_link_first_answer_ms_{width}", timings)
    print(f"{width}×{height}: deep link → first answer {[round(t) for t in timings]} ms")
    assert min(timings) < 1000
    assert page.evaluate("window.__geolocationCalls") == 0
    lon, lat = entrance(sample, BUILDING_ID)
    assert page.get_attribute("[data-testid=resident-map]", "data-origin") == f"{lon:.6f},{lat:.6f}"
    assert BUILDING in page.inner_text("[data-testid=location-status]")
    assert page.get_attribute("[data-testid=item-umbrella]", "aria-pressed") == "true"
    # three answers, each entirely on the screen without any scrolling
    assert page.evaluate(FULLY_VISIBLE_JS, "[data-testid=result]") == [True, True, True]
    # open now, first by distance (every station is open at 10:00 on a Monday and has umbrellas)
    walks = walks_from(sample, (lon, lat))
    shown = page.eval_on_selector_all(
        "[data-testid=result]", "cs => cs.map(c => [c.dataset.stationId, +c.dataset.distanceM])"
    )
    expected = sorted(walks.items(), key=lambda kv: kv[1])[:3]
    assert [s for s, _ in shown] == [s for s, _ in expected]
    assert all(abs(d - walks[s]) <= 1.0 for s, d in shown)
    # every card: the address and a tappable phone
    addresses = dict(zip(sample.stations["id"], sample.stations["address"], strict=True))
    for card in page.locator("[data-testid=result]").all():
        sid = card.get_attribute("data-station-id")
        assert card.locator(".address").inner_text() == addresses[sid]
        assert card.locator("[data-testid=tel]").get_attribute("href").startswith("tel:0551")
    page.screenshot(path=str(tmp_path / f"deep-link-{width}x{height}.png"))
    assert_clean(session)


def test_a_farther_open_station_first_is_explained(phone, sample, tmp_path):
    session, page, _ = phone(f"/?b={BUILDING_ID}", moment=MONDAY_0730)
    walks = walks_from(sample, entrance(sample, BUILDING_ID))
    hours = station_hours(sample)
    # by hand: at 07:30 on a Monday only the 24-hour rest post is open; the party stations open
    # later that morning and are nearer
    open_now = [s for s, h in hours.items() if h == "24h"]
    assert open_now == ["RP-01"]
    nearer = sorted((s for s in walks if walks[s] < walks["RP-01"]), key=walks.get)
    assert nearer, "the sample must have a nearer station closed at 07:30"
    cards = page.locator("[data-testid=result]")
    assert cards.first.get_attribute("data-station-id") == "RP-01"
    # one line names the nearest of them, its walk (the reference walk) and when it opens
    sentence = page.locator("[data-testid=closed-nearer]")
    assert sentence.is_visible()
    text = sentence.inner_text()
    names = dict(zip(sample.stations["id"], sample.stations["name"], strict=True))
    nearest = nearer[0]
    opens = hours[nearest]["mon"].split(",")[0][:5]
    head, tail = f"更近的 {names[nearest]}（步行 ", f" 米）今天 {opens} 开门"
    assert text.startswith(head) and text.endswith(tail), text
    assert abs(float(text[len(head):-len(tail)]) - walks[nearest]) <= 1.0
    page.screenshot(path=str(tmp_path / "closed-nearer.png"))
    assert page.evaluate(FULLY_VISIBLE_JS, "[data-testid=result]") == [True, True, True]
    assert_clean(session)


def test_go_here_links_carry_gcj02_and_bd09_of_the_station(phone, sample, tmp_path):
    session, page, _ = phone(f"/?b={BUILDING_ID}")
    card = page.locator("[data-testid=result]").first
    card.locator(".go-here").click()
    links = card.locator("[data-testid=nav-link]")
    links.first.wait_for(state="visible")
    sid = card.get_attribute("data-station-id")
    point = sample.stations[sample.stations["id"] == sid].geometry.iloc[0]
    gcj = wgs84_to_gcj02(point.x, point.y)  # verified against published pairs (test_navigation)
    bd = gcj02_to_bd09(*gcj)
    expected = {"amap": gcj, "qq": gcj, "apple": gcj, "baidu": bd}
    found = {}
    for link in links.all():
        app, href = link.get_attribute("data-app"), link.get_attribute("href")
        found[app] = href
        assert metres(parse_link_lonlat(app, href), expected[app]) < 1.0, (app, href)
    assert set(found) == set(expected)
    assert "mode=walk" in found["amap"] and "type=walk" in found["qq"]
    assert "dirflg=w" in found["apple"] and "coord_type=bd09ll" in found["baidu"]
    # the 500 m GCJ-02 shift is in the link, never in what the page shows or stores
    assert metres(gcj, (point.x, point.y)) > 400
    page.screenshot(path=str(tmp_path / "go-here.png"))
    assert_clean(session)


def test_a_station_link_shows_it_without_geolocation(offline_page, at, sample, tmp_path):
    base = at(MONDAY_10)
    session = offline_page(375, 667)
    page = session.page
    page.add_init_script(COUNT_GEOLOCATION)
    page.goto(f"{base}/?s=PS-02")
    card = page.locator("[data-testid=station-card]")
    card.wait_for(timeout=TIMEOUT_MS)
    assert card.get_attribute("data-station-id") == "PS-02"
    assert "凤栖苑党群服务站" in card.inner_text()
    assert page.get_attribute("[data-testid=resident-map]", "data-pinned") == "PS-02"
    assert page.locator(".pin-label").inner_text() == "凤栖苑党群服务站"
    assert page.evaluate("window.__geolocationCalls") == 0
    assert page.get_attribute("[data-testid=share]", "data-url").endswith("/?s=PS-02")
    page.screenshot(path=str(tmp_path / "station-link.png"))
    assert_clean(session)


def test_elderly_mode_persists_over_a_reload(phone, tmp_path):
    session, page, _ = phone(f"/?b={BUILDING_ID}")
    normal_font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    with page.expect_response(lambda r: "/api/nearest" in r.url and "speed=3" in r.url):
        page.click("[data-testid=elderly-mode]")
    with page.expect_response(lambda r: "/api/nearest" in r.url and "speed=3" in r.url):
        page.reload()  # the 3 km/h pace after the reload too
    page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
    assert page.get_attribute("[data-testid=elderly-mode]", "aria-pressed") == "true"
    assert page.evaluate("document.body.classList.contains('elderly')")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > normal_font
    zoom_in = page.locator(".leaflet-control-zoom-in").bounding_box()
    assert zoom_in["width"] >= 56 and zoom_in["height"] >= 56
    # minutes at 3 km/h: 50 m a minute
    card = page.locator("[data-testid=result]").first
    distance = int(card.get_attribute("data-distance-m"))
    assert f"步行约 {max(1, round(distance / 50))} 分钟" in card.inner_text()
    page.screenshot(path=str(tmp_path / "elderly.png"))
    page.click("[data-testid=elderly-mode]")  # back off for the other tests' contexts
    assert_clean(session)


def test_first_aid_kit_shows_the_120_banner(phone, tmp_path):
    session, page, _ = phone(f"/?b={BUILDING_ID}&item=first_aid_kit")
    banner = page.locator("[data-testid=emergency-banner]")
    assert banner.is_visible() and "紧急情况请拨打 120" in banner.inner_text()
    assert page.get_attribute("[data-testid=call-120]", "href") == "tel:120"
    page.click("[data-testid=item-umbrella]")
    assert banner.is_hidden()
    page.screenshot(path=str(tmp_path / "first-aid.png"))
    assert_clean(session)


def test_outside_the_community_shows_where_and_what_to_do(offline_page, at, tmp_path):
    base = at(MONDAY_10)
    session = offline_page(375, 667, geolocation={"longitude": 117.227, "latitude": 31.820},
                           permissions=["geolocation"])
    page = session.page
    page.goto(base + "/")
    message = page.locator("[data-testid=answer-message]")
    message.wait_for(state="visible", timeout=TIMEOUT_MS)
    text = message.inner_text()
    assert "不在金宁社区的步行范围内" in text and "搜索" in text and "蓝点" in text
    # the blue dot (where they are) is drawn inside the visible map, once the map has moved there
    # (waited for: on a loaded machine the map may still be panning when the message shows)
    page.wait_for_function(
        """() => {
          const dot = document.querySelector('path.resident-origin');
          const frame = document.querySelector('[data-testid=resident-map]');
          if (!dot || !frame) return false;
          const d = dot.getBoundingClientRect(), f = frame.getBoundingClientRect();
          return d.width > 0 && f.left <= d.left && d.right <= f.right
            && f.top <= d.top && d.bottom <= f.bottom;
        }""",
        timeout=TIMEOUT_MS,
    )
    page.screenshot(path=str(tmp_path / "outside.png"))
    assert_clean(session)


def test_keyboard_reaches_the_results_quickly_and_targets_are_44px(phone):
    session, page, base = phone(f"/?b={BUILDING_ID}")
    # no building shape or path takes the focus
    assert page.locator("path[tabindex]:not([tabindex='-1'])").count() == 0
    presses = 0
    while presses < 60:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("document.activeElement.classList.contains('pick')"):
            break
    # the top bar (5 links), the skip link, 3 controls, the item chips, the map's 2 zoom buttons,
    # its station markers and the attribution link come first: no building shape among them
    assert presses <= 35, presses
    # the skip link: first stop in the page content, it moves the focus to the answers
    page.goto(f"{base}/?b={BUILDING_ID}")
    page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
    page.focus("[data-testid=skip-link]")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              '.resident button:not([hidden]), .resident a, .resident summary, .leaflet-bar a')]
            .filter((e) => e.offsetParent !== null)
            .filter((e) => !e.closest('.leaflet-control-attribution'))  // inline credit text
            .map((e) => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([t, r]) => t + ' ' + Math.round(r.width) + '×' + Math.round(r.height))"""
    )
    assert small == []
    assert_clean(session)
