"""In Chromium on a 375×667 phone: the admin places a station by clicking the map, saves it, and
drags it; the running service answers /api/nearest with it at once."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.accounts import PASSWORD
from support.grid_community import LAT, LON
from support.layer_editor import GEOD, STREET_LAT, served_editor


@pytest.fixture(scope="module")
def editor_site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A live server on a copy of the tiny community (CSRF on); yields (base URL, layer dir)."""
    with served_editor(tmp_path_factory.mktemp("editor_browser")) as site:
        yield site


def _centre(page, title: str) -> tuple[float, float]:
    """The screen centre of the station marker called ``title``."""
    box = page.locator(f".editor-station[title='{title}']").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _settled_centres(page, titles: tuple[str, ...]) -> list[tuple[float, float]]:
    """The markers' centres once two readings 150 ms apart agree (layout and pans finished)."""
    last = None
    for _ in range(40):
        now = [_centre(page, title) for title in titles]
        if now == last:
            return now
        last = now
        page.wait_for_timeout(150)
    msg = f"the map did not stop moving: {last}"
    raise AssertionError(msg)


def _station(data_dir: Path, name: str) -> dict:
    features = json.loads((data_dir / "stations.geojson").read_text("utf-8"))["features"]
    (found,) = [f for f in features if f["properties"]["name"] == name]
    return found


def test_the_admin_places_a_station_by_clicking_the_map_and_saves_it(
    editor_site, offline_page, tmp_path
):
    base, data_dir = editor_site
    view = offline_page(width=375, height=667)
    page = view.page
    page.goto(f"{base}/admin/layers")
    assert "/login" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/admin/layers")
    page.wait_for_selector("[data-testid=editor-map][data-ready=true]")

    page.click("[data-testid=add-station]")
    # the map's scale, from stations S-1 and S-2: 0.002° of longitude apart on one latitude
    # (measured once the page has stopped moving: the hint the button shows shifts the map)
    s1, s2 = _settled_centres(page, ("风格城市党群服务站", "和园歇歇角"))
    assert s1[1] == pytest.approx(s2[1], abs=1)
    px_per_degree = (s2[0] - s1[0]) / 0.002

    # 40 px left of and 30 px below S-1 (in the middle of grid JN-01)
    page.mouse.click(s1[0] - 40, s1[1] + 30)
    form = page.locator("[data-testid=station-form]")
    form.wait_for(state="visible")
    shown = page.locator("[data-testid=station-position]").text_content()
    page.fill("[data-testid=station-name]", "风格城市西门歇歇角")
    form.locator("select[name=kind]").select_option("rest_post")
    page.fill("[data-testid=station-contact]", "0551-00000009")
    page.fill("[data-testid=item-umbrella]", "5")
    page.screenshot(path=str(tmp_path / "layer_editor_form.png"), full_page=True)
    page.click("[data-testid=save-station]")
    page.wait_for_selector("[data-testid=editor-map][data-saved]")
    assert "已保存服务站 RP-01" in page.locator("[data-testid=editor-status]").text_content()
    page.screenshot(path=str(tmp_path / "layer_editor_saved.png"), full_page=True)

    saved = _station(data_dir, "风格城市西门歇歇角")
    lon, lat = saved["geometry"]["coordinates"]
    shown_lon, shown_lat = (float(v) for v in shown.split(","))
    assert (shown_lon, shown_lat) == pytest.approx((lon, lat), abs=1e-6)
    # Web Mercator: a pixel spans cos(latitude) as many degrees of latitude as of longitude
    expected = (LON + 0.001 - 40 / px_per_degree,
                LAT + 0.0015 - 30 / px_per_degree * math.cos(math.radians(LAT)))
    assert (lon, lat) == pytest.approx(expected, abs=1.5 / px_per_degree)  # within 1.5 px
    assert saved["properties"] | {"id": None} == {
        "id": None, "name": "风格城市西门歇歇角", "kind": "rest_post", "grid_id": "JN-01",
        "hours": "24h", "contact": "0551-00000009", "items": {"umbrella": 5},
    }
    # a resident on the street right below it: the walk is the access leg, by hand
    answer = page.request.get(f"{base}/api/nearest?lon={lon}&lat={STREET_LAT}&item=umbrella")
    first = answer.json()["results"][0]
    assert first["station_id"] == saved["properties"]["id"]
    assert abs(first["distance_m"] - GEOD.inv(lon, STREET_LAT, lon, lat)[2]) <= 1.0

    # drag it 30 px to the right, save: the file and the service follow
    x, y = _centre(page, "风格城市西门歇歇角")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y, steps=5)
    page.mouse.move(x + 30, y, steps=5)
    page.mouse.up()
    form.wait_for(state="visible")
    page.evaluate("document.querySelector('[data-testid=editor-map]').removeAttribute('data-saved')")
    page.click("[data-testid=save-station]")
    page.wait_for_selector("[data-testid=editor-map][data-saved]")
    moved = _station(data_dir, "风格城市西门歇歇角")
    moved_lon, moved_lat = moved["geometry"]["coordinates"]
    assert moved_lon == pytest.approx(lon + 30 / px_per_degree, abs=1.5 / px_per_degree)
    assert moved_lat == pytest.approx(lat, abs=1.5 / px_per_degree)
    assert moved["properties"]["grid_id"] == "JN-01"
    assert view.errors == [] and view.blocked == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing wider than the phone
