"""QA pass (planners): the printed report stays inside the A4 sheet, in Chromium's print layout."""

from __future__ import annotations

#: A4 portrait less the page's 12 mm margins each side, in CSS pixels (96 per inch).
A4_CONTENT_PX = round((210 - 2 * 12) / 25.4 * 96)

OVERFLOW = """() => {
  const sheet = document.querySelector('.sheet').getBoundingClientRect();
  return [...document.querySelectorAll('.sheet *')]
    .filter(el => el.getBoundingClientRect().right > sheet.right + 0.5)
    .map(el => el.tagName + ': ' + (el.textContent || '').trim().slice(0, 30));
}"""


def test_print_columns_fit_the_a4_sheet(live_server, browser) -> None:
    """The sites and 应设尽设 column used to run 4 mm past the right margin: clipped on paper."""
    page = browser.new_page(viewport={"width": A4_CONTENT_PX, "height": 1100})
    page.emulate_media(media="print")
    page.goto(f"{live_server}/planner/print?threshold=500&k=2")
    assert page.evaluate(OVERFLOW) == []
    # the sites column sits right of the map, not under it
    figure = page.locator(".two figure").bounding_box()
    column = page.locator(".two section").bounding_box()
    assert column["x"] >= figure["x"] + figure["width"]
    page.close()
