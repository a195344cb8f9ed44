"""QA pass 2 (planners): the layer control keeps the map's stacking, and the fewest sites
covering every building travel with the other big layers in ``/planner/layers.json``."""

from __future__ import annotations

import hashlib
import re

import pytest
from support.planner_page import layer_data, map_script

from geo_app.maps.delivery import body_etag

PAGE = "/planner?threshold=500&k=2"


@pytest.fixture(scope="module")
def reader(app_factory):
    """One client for the tests that only read (each report computed once)."""
    return app_factory().test_client()

#: Each data layer's and the stations' place among the overlay pane's SVG paths (the later,
#: the higher), or null when the layer is off.
STACK = """(name) => {
  const map = window[name];
  const place = (group) => {
    const path = group.getLayers().map((l) => l._path).find((p) => p && p.parentNode);
    return path ? [...path.parentNode.children].indexOf(path) : null;
  };
  const out = {};
  for (const [key, group] of Object.entries(map.dataLayers)) { out[key] = place(group); }
  out.shading = place(Object.values(map._layers).find((l) => l instanceof L.GeoJSON));
  out.stations = place(map.frontLayers[0]);
  return out;
}"""


def _toggle(page, words: str) -> None:
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label", has_text=words).locator("input").click()


def test_turning_layers_back_on_keeps_the_stations_on_top(live_server, offline_page) -> None:
    """Turning 楼栋 (or the grid shading) off and on again drew it over the stations, and
    the 15-minute gaps turned on covered them: a station's tooltip and click were lost."""
    view = offline_page(width=1280, height=800)
    page = view.page
    page.goto(f"{live_server}{PAGE}")
    page.wait_for_selector("[data-layers-state=ready]")
    name = page.get_by_test_id("planner-map").get_attribute("data-map-name")
    for words in ("楼栋：", "各网格：", "各站点 15 分钟步行范围"):
        _toggle(page, words)  # off
        _toggle(page, words)  # on again
    _toggle(page, "15 分钟生活圈缺项")  # hidden at first: on
    stack = page.evaluate(STACK, name)
    assert (stack["shading"] < stack["paths"] < stack["buildings"] < stack["missing"]
            < stack["isochrones"] < stack["stations"]), stack
    # the topmost thing under a station's centre is the station itself
    station = page.evaluate("""(name) => {
      const marker = window[name].frontLayers[0].getLayers()[0];
      const box = marker._path.getBoundingClientRect();
      const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
      return hit === marker._path;
    }""", name)
    assert station
    assert view.blocked == [] and view.errors == []


def test_the_fewest_covering_sites_are_data_not_script(reader) -> None:
    """The set-covering markers (509 at 24,576 buildings: 0.77 MB of the map script) are sent
    as points with text: numbered like the report's list, with its names and gains."""
    report = reader.get("/planner/report.json?threshold=500&k=2").get_json()
    covering = report["siting"]["set_covering"]
    sites = covering[covering["shown"]]["sites"]
    assert len(sites) >= 2
    script = map_script(reader, PAGE)
    assert "让所有楼栋都在范围内的最少站点" in _unescaped(script)  # the slot, in the control
    # only the k proposed sites are markers of the script
    assert len(re.findall(r"L\.marker\(", script)) == report["siting"]["k"]
    data = layer_data(reader, PAGE)
    layer = next(spec for spec in data["layers"] if spec["key"] == "covering")
    assert len(layer["shapes"]) == len(layer["popups"]) == len(layer["labels"]) == len(sites)
    scale = 10 ** data["decimals"]
    for number, (shape, popup, label, site) in enumerate(
            zip(layer["shapes"], layer["popups"], layer["labels"], sites, strict=True), 1):
        dx, dy = shape[0]  # one point, counted from the origin
        assert abs((data["origin"][0] + dx) / scale - site["lon"]) < 1e-6
        assert abs((data["origin"][1] + dy) / scale - site["lat"]) < 1e-6
        assert label == [f"建议新增 #{number}：{site['near']}"]
        assert popup[:2] == [f"建议新增 #{number}", site["near"]]
        assert f"{site['gain']['residents']:,} 人" in popup[3]


def _unescaped(script: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), script)


def test_the_covering_sites_show_as_numbered_diamonds_with_text_popups(
    live_server, offline_page
) -> None:
    view = offline_page(width=375, height=667, has_touch=True, is_mobile=True)
    page = view.page
    page.goto(f"{live_server}{PAGE}")
    page.wait_for_selector("[data-layers-state=ready]")
    report = page.request.get(f"{live_server}/planner/report.json?threshold=500&k=2").json()
    covering = report["siting"]["set_covering"]
    sites = covering[covering["shown"]]["sites"]
    purple = "rgb(106, 27, 154)"
    assert page.locator(".site-diamond").count() == report["siting"]["k"]  # hidden at first
    page.get_by_test_id("planner-map").scroll_into_view_if_needed()
    page.locator(".leaflet-control-layers-toggle").tap()
    page.get_by_text("让所有楼栋都在范围内的最少站点").tap()
    diamonds = [d for d in page.locator(".site-diamond").all() if d.evaluate(
        "e => getComputedStyle(e).backgroundColor") == purple]
    assert [d.inner_text() for d in diamonds] == [str(i) for i in range(1, len(sites) + 1)]
    page.locator(".leaflet-control-layers").evaluate(
        "e => e.classList.remove('leaflet-control-layers-expanded')")
    diamonds[0].dispatch_event("click")  # the blue #1 may lie on top of it
    popup = page.locator(".leaflet-popup-content .site-popup")
    popup.wait_for()
    assert popup.locator("b").inner_text() == "建议新增 #1"
    assert sites[0]["near"] in popup.inner_text()
    assert popup.locator("*").count() == popup.locator("b, span, br").count()  # text only
    assert view.blocked == [] and view.errors == []


def test_a_repeat_visit_revalidates_the_map_script(reader) -> None:
    """The map script was sent whole on every visit (no ETag), while layers.json got a 304."""
    html = reader.get(PAGE).get_data(as_text=True)
    url = re.search(r'<script src="([^"]*/planner/map\.js[^"]*)"', html).group(1)
    first = reader.get(url.replace("&amp;", "&"))
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    again = reader.get(url.replace("&amp;", "&"),
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_community_needing_no_more_sites_still_gets_its_layers(grid_app_factory) -> None:
    """Where the existing stations already reach every coverable building the set-covering
    answer has no site: layers.json was a 500 (shapely cannot make points of nothing)."""
    client = grid_app_factory(accounts=None).test_client()
    report = client.get("/planner/report.json?threshold=500&k=2").get_json()
    covering = report["siting"]["set_covering"]
    assert covering[covering["shown"]]["sites"] == []
    layer = next(spec for spec in layer_data(client, PAGE)["layers"]
                 if spec["key"] == "covering")
    assert layer["shapes"] == layer["labels"] == layer["popups"] == []


@pytest.mark.parametrize("url", ["/map/map.js", "/resident/map.js"])
def test_every_map_script_is_revalidated_not_resent(reader, url) -> None:
    """The community and resident map scripts are answered 304 on a repeat visit too."""
    first = reader.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    again = reader.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_etag_of_a_cached_body_is_worked_out_once(reader) -> None:
    """Each repeat visit hashed the whole body again (~3 ms for the district's 2 MB layers);
    the tag is the body's SHA-1 as before, and a second visit finds it already made."""
    first = reader.get("/map/map.js")
    assert first.headers["ETag"] == f'"{hashlib.sha1(first.get_data()).hexdigest()}"'
    hits = body_etag.cache_info().hits
    again = reader.get("/map/map.js")
    assert again.headers["ETag"] == first.headers["ETag"]
    assert body_etag.cache_info().hits == hits + 1
