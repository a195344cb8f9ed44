"""In Chromium at 1280 × 800: the layer editor draws buildings for the map's view only. On the
bundled sample every building is drawn at once, as before; with a view limit below the sample's
size the whole-community view draws none and says so, and zooming in draws exactly the buildings
intersecting the box the editor asked for (worked out with shapely, one building at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import shapely
from flask import Flask
from support.accounts import ensure_account
from support.browser import DESK, log_in, served

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.state.community import get_community
from geo_app.store import get_store
from layers import load_community

ADMIN, PASSWORD = "district_browser_admin", "district-browser-secret-1"
SAMPLE = load_community(BUNDLED_DATA_DIR)
#: Interactive shapes of the editor's map: grids and buildings (the rest are not clickable).
SHAPES = ".leaflet-overlay-pane path.leaflet-interactive"


def _with_admin(app: Flask) -> Flask:
    with app.app_context(), get_store().write() as db:
        ensure_account(db, get_community(), username=ADMIN, password=PASSWORD, role="admin")
    return app


@pytest.fixture(scope="module")
def sample_site(app_factory) -> Iterator[str]:
    with served(_with_admin(app_factory())) as base:
        yield base


@pytest.fixture(scope="module")
def limited_site(app_factory) -> Iterator[str]:
    """The sample with a view limit of 60 buildings, paths and POIs (it has 277)."""
    with served(_with_admin(app_factory(EDITOR_VIEW_MAX_FEATURES=60))) as base:
        yield base


def _open_editor(offline_page, base: str):
    view = offline_page(**DESK)
    page = view.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/admin/api/layers" in r.url else None)
    log_in(page, base, ADMIN, PASSWORD)
    page.goto(f"{base}/admin/layers")
    page.wait_for_selector("[data-testid=editor-map][data-ready=true]")
    return view, asked


def test_the_sample_editor_draws_every_building_at_once(sample_site, offline_page):
    view, asked = _open_editor(offline_page, sample_site)
    page = view.page
    assert page.get_attribute("[data-testid=editor-map]", "data-view") == "complete"
    assert page.locator(SHAPES).count() == len(SAMPLE.grids) + len(SAMPLE.buildings)
    assert page.locator("[data-testid=view-hint]").is_hidden()
    assert len(asked) == 1 and "bbox=" in asked[0]
    assert view.errors == [] and view.blocked == []


def test_a_view_too_full_draws_no_building_until_zoomed_in(limited_site, offline_page):
    view, asked = _open_editor(offline_page, limited_site)
    page = view.page
    editor = page.locator("[data-testid=editor-map]")
    assert editor.get_attribute("data-view") == "too-many"
    assert page.locator(SHAPES).count() == len(SAMPLE.grids)  # the grids alone
    hint = page.locator("[data-testid=view-hint]")
    assert hint.is_visible() and "请放大地图" in hint.text_content()
    assert f"有 {len(SAMPLE.buildings) + len(SAMPLE.paths) + len(SAMPLE.pois)} 个" in (
        hint.text_content())
    # zoom in on a station (the sample's stations stand among buildings), a level at a time
    box = page.locator(".editor-station").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(8):
        if editor.get_attribute("data-view") == "complete":
            break
        page.mouse.wheel(0, -60)  # Leaflet: 60 px of wheel a zoom level
        page.wait_for_timeout(600)
    page.wait_for_selector("[data-testid=editor-map][data-view=complete]")
    assert hint.is_hidden()
    west, south, east, north = (float(v) for v in
                                parse_qs(urlsplit(asked[-1]).query)["bbox"][0].split(","))
    area = shapely.box(west, south, east, north)
    expected = sum(g.intersects(area) for g in SAMPLE.buildings.geometry)
    assert 0 < expected < len(SAMPLE.buildings)
    page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === "
                           f"{len(SAMPLE.grids) + expected}")
    assert view.errors == [] and view.blocked == []
