"""In Chromium on a 375×667 phone: a resident sends a view with a photo from a deep link and
follows it by its code while the grid leader reviews, accepts, dispatches and answers it; text
from residents and staff (view, reply, minutes, item title) is shown as text, never run."""

from __future__ import annotations

import re

import pytest
from support.accounts import ensure_account
from support.photos import photo_with_gps

from geo_app.state.community import get_community
from geo_app.store import get_store

GRID = "340121400001-01"  # 风格城市
USERNAME, PASSWORD = "gov_browser_leader", "browser-test-secret-2"
INSIDE = (117.2535, 31.9615)  # inside the 风格城市 grid (its corners: 117.2497–117.2569 E)
XSS = "<img src=x onerror=alert(document.domain)>"


@pytest.fixture(scope="module")
def leader(live_app, tmp_path_factory) -> str:
    live_app.config["VIEW_PHOTO_DIR"] = str(tmp_path_factory.mktemp("photos"))
    with live_app.app_context(), get_store().write() as db:
        ensure_account(db, get_community(), username=USERNAME, password=PASSWORD,
                       role="grid_leader", grid_id=GRID)
    return USERNAME


def _watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _log_in(page, server: str) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _send_view(page, server: str, text: str, *, photo: bool) -> str:
    """Send a view from the deep link; return its tracking code (from the status page)."""
    page.goto(f"{server}/views/new?lon={INSIDE[0]}&lat={INSIDE[1]}&category=greening")
    assert page.get_attribute("[data-testid=pin-status]", "data-lon") == str(INSIDE[0])
    assert page.input_value("[data-testid=category]") == "greening"
    page.fill("[data-testid=text]", text)
    if photo:
        page.set_input_files("[data-testid=photo]", files=[{
            "name": "greening.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}])
    page.click("[data-testid=submit-view]")
    page.wait_for_url(re.compile(r"/v/[A-Z0-9]{10}\?sent=1$"))
    return page.text_content("[data-testid=code]").strip()


def _step(page, to: str, **fields: str) -> None:
    for testid, value in fields.items():
        page.fill(f"[data-testid={testid}]", value)
    with page.expect_navigation():
        page.click(f"[data-testid=step-{to}]")


def _open_view(page, server: str, text: str) -> None:
    page.goto(f"{server}/staff/views")
    with page.expect_navigation():
        page.locator("tr", has_text=text[:20]).locator("[data-testid=view-link]").click()


def test_a_resident_sends_a_view_with_a_photo_and_sees_the_leaders_answer(
    live_server, offline_page, leader
):
    resident = offline_page(375, 667)
    text = "风格城市中心花园的月季被人挖走种菜了，请处理"
    code = _send_view(resident.page, live_server, text, photo=True)
    assert resident.page.text_content("[data-testid=state]").strip() == "采集（待审核）"
    assert resident.page.is_visible("[data-testid=sent]")

    staff = offline_page(375, 667)
    _log_in(staff.page, live_server)
    _open_view(staff.page, live_server, text)
    page = staff.page
    assert page.text_content("[data-testid=view-text]") == text
    width = page.eval_on_selector("[data-testid=photo]",
                                  "img => img.complete ? img.naturalWidth : -1")
    assert width > 0  # the cleaned photo is served to the grid's leader
    _step(page, "published")
    _step(page, "accepted")
    _step(page, "assigned", assignee="物业公司绿化班")
    _step(page, "in_progress")
    answer = "已补种月季 12 株，并劝导种菜居民恢复绿地。"
    _step(page, "answered", **{"note-answered": answer})
    assert page.text_content("[data-testid=state]").strip() == "已反馈"

    resident.page.goto(f"{live_server}/v/{code}")
    assert resident.page.text_content("[data-testid=state]").strip() == "已反馈"
    replies = resident.page.locator("[data-testid=reply]").all_text_contents()
    assert answer in replies
    assert "物业公司绿化班" not in resident.page.content()  # internal notes stay internal
    resident.page.check("input[name=rating][value='5']")
    with resident.page.expect_navigation():
        resident.page.click("[data-testid=rate]")
    assert resident.page.text_content("[data-testid=satisfaction]").strip() == "您的评价：5 分"
    for tab in (resident, staff):
        assert tab.errors == [] and tab.blocked == []
    fits = resident.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits  # no sideways scrolling on the phone


def test_text_from_residents_and_staff_is_shown_as_text_never_run(
    live_server, offline_page, leader
):
    resident = offline_page(375, 667)
    dialogs = _watch(resident.page)
    text = f"绿化带问题 {XSS} 请处理"
    code = _send_view(resident.page, live_server, text, photo=False)

    staff = offline_page(1024, 768)
    dialogs += _watch(staff.page)
    page = staff.page
    _log_in(page, live_server)
    _open_view(page, live_server, "绿化带问题")
    view_url = page.url
    _step(page, "published")
    # the meeting: its minutes carry the payload; the decision: the item's title
    page.goto(f"{live_server}/staff/meetings")
    page.fill("[data-testid=topic]", "绿化议事")
    page.fill("[data-testid=minutes]", f"纪要 {XSS}")
    page.locator("label", has_text="绿化带问题").locator("input").check()
    with page.expect_navigation():
        page.click("[data-testid=save-meeting]")
    meeting_url = page.url
    assert XSS in page.text_content("[data-testid=minutes]")
    page.fill("[data-testid=item-title-input]", f"补种 {XSS}")
    page.fill("input[name=owner]", "物业公司")
    with page.expect_navigation():
        page.click("[data-testid=save-decision]")
    item_id = page.url.rsplit("/", 1)[1]
    page.goto(view_url)
    _step(page, "accepted")
    _step(page, "assigned", assignee="物业公司")
    _step(page, "in_progress")
    _step(page, "answered", **{"note-answered": f"答复 {XSS}"})

    visits = [
        (page, view_url, "[data-testid=view-text]"),
        (page, meeting_url, "[data-testid=minutes]"),
        (page, f"{live_server}/staff/items/{item_id}", "[data-testid=item-title]"),
        (page, f"{live_server}/staff/views", "[data-testid=views-table]"),
        (page, f"{live_server}/staff/grids/{GRID}/heatmap", "[data-testid=top-buildings]"),
        (resident.page, f"{live_server}/v/{code}", "[data-testid=replies]"),
        (resident.page, f"{live_server}/items", "[data-testid=items]"),
        (resident.page, f"{live_server}/items/{item_id}", "[data-testid=item-title]"),
    ]
    for tab, url, selector in visits:
        tab.goto(url)
        tab.wait_for_selector(selector)
        tab.wait_for_timeout(200)
        assert tab.locator("img[src=x]").count() == 0, url
    resident.page.goto(f"{live_server}/v/{code}")
    assert f"答复 {XSS}" in resident.page.locator("[data-testid=reply]").all_text_contents()
    assert XSS in resident.page.text_content("[data-testid=view-text]")
    resident.page.goto(f"{live_server}/items/{item_id}")
    assert resident.page.text_content("[data-testid=item-title]") == f"补种 {XSS}"
    # the map's tooltips are text too: hover the item's point
    resident.page.goto(f"{live_server}/items/{item_id}")
    marker = resident.page.locator("path.leaflet-interactive").last
    marker.hover(force=True)
    resident.page.wait_for_timeout(300)
    assert resident.page.locator(".leaflet-tooltip img").count() == 0
    assert dialogs == []
    assert resident.errors == [] and staff.errors == []
