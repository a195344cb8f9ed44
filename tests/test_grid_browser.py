"""In Chromium: a grid leader logs in, sees exactly their buildings, and no other grid."""

from __future__ import annotations

import json

import pytest
from support.accounts import ensure_account

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.store import get_store
from geo_app.store.sample import facts_from_layer, seed_people

GRID = "340121400001-02"
PASSWORD = "browser-test-secret"
USERNAME = "browser_leader"

HIGHLIGHTED_JS = """
(name) => {
  const ids = [];
  window[name].eachLayer((layer) => {
    const p = layer.feature && layer.feature.properties;
    if (p && p.layer === 'my_buildings' && layer instanceof L.Polygon) ids.push(p.id);
  });
  return ids.sort();
}
"""


def _expected_buildings() -> tuple[list[str], str]:
    """This grid's buildings and a building of another grid, read straight from the file."""
    features = json.loads((BUNDLED_DATA_DIR / "buildings.geojson").read_text("utf-8"))["features"]
    mine = sorted(f["properties"]["id"] for f in features if f["properties"]["grid_id"] == GRID)
    other = next(f["properties"]["id"] for f in features if f["properties"]["grid_id"] != GRID)
    return mine, other


@pytest.fixture(scope="module")
def leader(live_app) -> str:
    """A grid leader of GRID in the live app's store, and the sample roster."""
    from geo_app.state.community import get_community

    with live_app.app_context():
        community = get_community()
        with get_store().write() as db:
            seed_people(db, facts_from_layer(community.buildings), actor="test")
            ensure_account(db, community, username=USERNAME, password=PASSWORD,
                           role="grid_leader", grid_id=GRID)
    return USERNAME


def test_a_grid_leader_sees_exactly_their_buildings_and_no_other_grid(
    live_server, offline_page, leader, tmp_path
):
    expected, other_building = _expected_buildings()
    view = offline_page(width=1280, height=900)
    page = view.page
    page.goto(f"{live_server}/grid/")
    assert "/login" in page.url
    page.fill("input[name=username]", leader)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/grid/{GRID}")
    page.wait_for_selector("[data-testid=building-table] tbody tr")

    map_name = page.get_attribute("[data-testid=grid-map]", "data-map-name")
    page.wait_for_function("(name) => window[name] !== undefined", arg=map_name)
    assert page.evaluate(HIGHLIGHTED_JS, map_name) == expected
    rows = page.eval_on_selector_all(
        "[data-testid=building-table] tbody tr[data-building-id]",
        "rows => rows.map(r => r.dataset.buildingId)",
    )
    assert sorted(rows) == expected
    page.screenshot(path=str(tmp_path / "grid_leader.png"), full_page=True)

    other_grid = page.goto(f"{live_server}/grid/340121400001-01")
    assert other_grid.status == 403
    assert page.goto(f"{live_server}/grid/buildings/{other_building}").status == 404
    assert page.goto(f"{live_server}/api/buildings/{other_building}").status == 404
    assert page.goto(f"{live_server}/admin/").status == 403
    assert view.blocked == []
    assert view.errors == []
