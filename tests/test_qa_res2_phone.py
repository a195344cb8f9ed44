"""Second QA pass as a resident on a small Android phone (360×640) and a desktop (1280×800).

From a building's QR code the answer's lines must stay readable: the walk (distance and
minutes) never slides under the 电话 / 去这里 buttons, in 长者模式's large type on a phone nor
in the desktop's 400 px column (where the phone number is written out), and the desktop shows
the station's whole name. An item chosen by the link is scrolled into view in the row of needs.
On ``/me`` each points entry keeps its figures whole on a 360 px screen.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo_app.store import get_store
from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.registry import register_volunteer

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TIMEOUT_MS = 10_000

#: For each answer line: the walk's box, the buttons' box, and whether the name is cut.
RESULT_BOXES_JS = """
() => [...document.querySelectorAll("[data-testid=result]")].map((card) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const name = card.querySelector(".name");
  return {walk: box(card.querySelector(".walk")), actions: box(card.querySelector(".actions")),
          nameCut: name.scrollWidth > name.clientWidth,
          walkText: card.querySelector(".walk").textContent};
})
"""


@pytest.fixture
def base(live_app, live_server, monkeypatch) -> str:
    monkeypatch.setitem(live_app.config, "CLOCK", lambda: MONDAY_10)
    return live_server


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["left"] < b["right"] and b["left"] < a["right"]
            and a["top"] < b["bottom"] and b["top"] < a["bottom"])


@pytest.mark.parametrize(
    ("width", "height", "elderly"),
    [(360, 640, True), (375, 667, False), (1280, 800, False), (1280, 800, True)],
)
def test_the_walk_is_never_under_the_buttons(offline_page, base, width, height, elderly):
    session = offline_page(width, height)
    page = session.page
    if elderly:
        page.add_init_script("localStorage.setItem('jinning.elderlyMode', '1')")
    page.goto(f"{base}/?b=FG-03&item=umbrella")
    page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
    cards = page.evaluate(RESULT_BOXES_JS)
    assert len(cards) == 3
    for card in cards:
        # the walk is read whole: distance, then the minutes at the chosen pace
        assert "米" in card["walkText"] or "公里" in card["walkText"]
        assert "步行约" in card["walkText"] and card["walkText"].endswith("分钟")
        assert not _overlap(card["walk"], card["actions"]), card
    if width >= 900:
        # the 400 px column: 风格城市党群服务站 was cut to 「风格…」 by the written-out phone number
        assert not any(card["nameCut"] for card in cards), cards
    assert session.errors == []


def test_a_deep_linked_item_is_shown_chosen_on_a_small_phone(offline_page, base):
    session = offline_page(360, 640)
    page = session.page
    page.goto(f"{base}/?b=FG-03&item=sewing_kit")
    page.wait_for_selector("[data-testid=result]", timeout=TIMEOUT_MS)
    button = page.locator("[data-testid=item-sewing_kit]")
    assert button.get_attribute("aria-pressed") == "true"
    box = button.bounding_box()
    assert box is not None
    # wholly on the 360 px screen (it was at x ≈ 330–400, past the edge of the scrolling row)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert page.evaluate("window.scrollY") == 0
    assert session.errors == []


def test_the_points_record_reads_on_a_small_phone(live_app, offline_page, base):
    with live_app.app_context(), get_store().write() as db:
        volunteer = register_volunteer(db, name="孙三", phone="13900000003", building_id=None,
                                       known_buildings=set(), actor="test", pin="975310")
        post_entry(db, volunteer, kind="earn", points=15, actor="test",
                   reason="红动金宁宣讲：法律服务（120 分钟）", ref="qa-res2:1")
        card = volunteer.card
    session = offline_page(360, 640)
    page = session.page
    page.goto(f"{base}/me")
    page.fill("input[name=card]", card)
    page.fill("input[name=pin]", "975310")
    with page.expect_navigation():
        page.click("button:has-text('查看')")
    row = page.locator("[data-testid=entries] tbody tr").first
    # 服务获得 was squeezed to one character a line in the fifth of a 330 px table
    for cell in ("at", "kind", "points", "balance"):
        box = row.locator(f"td.{cell}").bounding_box()
        assert box is not None and box["height"] < 30, (cell, box)
    assert row.locator("td.kind").inner_text() == "服务获得"
    assert row.locator("td.points").inner_text() == "+15 分"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert session.errors == []


TOPBAR_JS = """
() => {
  const bar = document.querySelector(".topbar");
  const links = [...bar.querySelectorAll("a")];
  const heights = links.map((a) => a.getBoundingClientRect().height);
  bar.scrollLeft = bar.scrollWidth;
  const last = links[links.length - 1].getBoundingClientRect();
  const fade = parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.5;
  return {heights, scrolls: bar.scrollWidth > bar.clientWidth,
          lastRight: last.right, clearOfFade: bar.getBoundingClientRect().right - fade,
          masked: getComputedStyle(bar).maskImage !== "none"};
}
"""


@pytest.mark.parametrize("path", ["/activities", "/items"])
def test_the_top_bar_links_are_finger_sized_and_all_reachable(offline_page, base, path):
    """Top links were 19 px tall on a phone, and the bar scrolled sideways with nothing to
    say so: 反映问题 and what follows were hidden."""
    page = offline_page(360, 640).page
    page.goto(base + path)
    bar = page.evaluate(TOPBAR_JS)
    assert min(bar["heights"]) >= 40, bar
    assert bar["scrolls"] and bar["masked"]  # more to the right, and the edge fades to say so
    assert bar["lastRight"] <= bar["clearOfFade"] + 0.5, bar  # the last link clears the fade
