"""The planner page's weight at district scale, and that the lighter map shows the same things.

The map's big layers travel as data (``/planner/layers.json``, integer coordinate steps, shared
label text) drawn by ``static/map_layers.js``; the page itself carries no map script.
Budgets come from ``benchmarks/bench_planner_page.py``: at 24,576 buildings the page was
15.46 MB of HTML (629 bytes a building) before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from support.browser import served
from support.planner_page import layer_data, map_script

from geo_app.maps.base import delta_shapes
from geo_app.maps.planner import BUFFER_ONLY, COVERED, UNCOVERED

PAGE = "/planner?threshold=500&k=2"
#: Bytes per building of everything the page fetches from /planner/…, measured at 1,536
#: buildings (HTML 69,391 + map script 81,392 + data 124,317 = 179 bytes a building) with a
#: third more for longer names; the inline page was 629 bytes a building at 24,576.
TOTAL_BYTES_PER_BUILDING = 240
#: The HTML alone: report tables and the form, no map (45 bytes a building measured).
HTML_BYTES_PER_BUILDING = 70


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> tuple[Path, int]:
    """The benchmark's 16 × 16 block community (1,536 buildings) and its building count."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_scale import generate

    data = tmp_path_factory.mktemp("district16")
    return data, generate(16, data)["buildings"]


@pytest.fixture(scope="module")
def district_client(app_factory, district):
    data, _ = district
    return app_factory(DATA_DIR=str(data)).test_client()


def test_a_district_page_stays_within_its_byte_budget(district_client, district) -> None:
    _, buildings = district
    page = district_client.get(PAGE).get_data(as_text=True)
    assert "geo_json_" not in page and "<script nonce" not in page  # no map in the page
    html = page.encode("utf-8")
    script = map_script(district_client, PAGE).encode("utf-8")
    data_url = page.split('data-layers-url="')[1].split('"')[0].replace("&amp;", "&")
    data = district_client.get(data_url)
    assert data.headers["Cache-Control"] == "no-cache"
    total = len(html) + len(script) + len(data.get_data())
    assert len(html) <= HTML_BYTES_PER_BUILDING * buildings, len(html)
    assert total <= TOTAL_BYTES_PER_BUILDING * buildings, (len(html), len(script), total)
    # a second visit revalidates the data instead of fetching it again
    again = district_client.get(data_url, headers={"If-None-Match": data.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def _decode(flat: list[int], origin: tuple[int, int], decimals: int) -> np.ndarray:
    steps = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    return (np.cumsum(steps, axis=0) + np.asarray(origin)) / 10**decimals


def test_shapes_come_back_to_the_coordinates_rounded_to_a_tenth_of_a_metre() -> None:
    """Polygons with holes, multipolygons and lines: cumulative sums of the steps give back
    each vertex rounded to 6 places (the closing vertex left out), in order."""
    square = shapely.Polygon([(117.1000004, 31.9), (117.1005, 31.9), (117.1005, 31.9004),
                              (117.1, 31.9004)], holes=[[(117.1001, 31.9001),
                                                         (117.1002, 31.9001),
                                                         (117.1002, 31.9002)]])
    two = shapely.MultiPolygon([square, shapely.box(117.2, 31.95, 117.2001, 31.9501)])
    line = shapely.LineString([(117.1, 31.9), (117.10123449, 31.90000051)])
    origin = (117_000_000, 31_800_000)
    got = delta_shapes([square, two, line], origin=origin)
    assert len(got[0]) == 1 and len(got[0][0]) == 2  # one part: its exterior and one hole
    np.testing.assert_allclose(_decode(got[0][0][0], origin, 6),
                               [(117.1, 31.9), (117.1005, 31.9), (117.1005, 31.9004),
                                (117.1, 31.9004)], atol=1e-9)
    np.testing.assert_allclose(_decode(got[0][0][1], origin, 6),
                               [(117.1001, 31.9001), (117.1002, 31.9001), (117.1002, 31.9002)],
                               atol=1e-9)
    assert len(got[1]) == 2
    np.testing.assert_allclose(_decode(got[1][1][0], origin, 6),
                               shapely.get_coordinates(shapely.box(117.2, 31.95, 117.2001,
                                                                   31.9501).exterior)[:-1],
                               atol=1e-9)
    np.testing.assert_allclose(_decode(got[2][0], origin, 6),
                               [(117.1, 31.9), (117.101234, 31.900001)], atol=1e-9)


def test_the_gaps_layer_reuses_the_building_outlines(district_client) -> None:
    data = layer_data(district_client, PAGE)
    layers = {layer["key"]: layer for layer in data["layers"]}
    assert [layer["key"] for layer in data["layers"]] == ["paths", "buildings", "missing",
                                                          "isochrones", "covering"]
    missing = layers["missing"]
    assert missing["of"] == "buildings" and "shapes" not in missing
    assert len(missing["rows"]) == len(missing["labels"]) == len(missing["style"])


@pytest.fixture(scope="module")
def district_server(app_factory, district) -> Iterator[str]:
    data, _ = district
    with served(app_factory(DATA_DIR=str(data))) as base:
        yield base


BUILDINGS_ON_THE_MAP = """
(mapName) => {
  const map = window[mapName];
  const out = [];
  map.dataLayers.buildings.eachLayer((layer) => {
    const ring = layer.getLatLngs()[0][0];
    out.push({label: layer.feature.properties.label, fill: layer.options.fillColor,
              first: [ring[0].lng, ring[0].lat], vertices: ring.length});
  });
  const probe = map.dataLayers.buildings.getLayers()[0];
  probe.fire("mouseover", {latlng: probe.getBounds().getCenter(), layer: probe,
                           target: probe, originalEvent: new MouseEvent("mouseover")}, true);
  const tip = document.querySelector(".leaflet-tooltip");
  return {buildings: out, tooltip: tip ? tip.textContent : null,
          inTooltip: tip ? tip.querySelectorAll("*").length : -1};
}
"""


def test_each_buildings_colour_and_tooltip_agree_with_the_report(
    district_server, district, offline_page
) -> None:
    """Independent of the map code: the colours and words follow /planner/report.json's
    uncovered and buffer-only lists, and the outlines the layer file (read by geopandas)."""
    data, count = district
    view = offline_page(width=1280, height=800)
    page = view.page
    page.goto(district_server + PAGE)
    page.wait_for_selector("[data-layers-state=ready]", timeout=60_000)
    name = page.get_by_test_id("planner-map").get_attribute("data-map-name")
    seen = page.evaluate(BUILDINGS_ON_THE_MAP, name)
    report = page.request.get(f"{district_server}/planner/report.json?threshold=500&k=2").json()
    uncovered = {b["name"]: b for b in report["uncovered"]}
    buffer_only = {b["name"] for b in report["buffer_only"]}
    footprints = gpd.read_file(data / "buildings.geojson")
    assert len(seen["buildings"]) == count == len(footprints)
    colours = {COVERED: 0, BUFFER_ONLY: 0, UNCOVERED: 0}
    for shown, (_, row) in zip(seen["buildings"], footprints.iterrows(), strict=True):
        label, fill = shown["label"], shown["fill"]
        assert label.startswith(f"{row['name']}：")
        if row["name"] not in uncovered:
            assert fill == COVERED and label.endswith("在党群服务站 500 米步行范围内")
        else:
            far = uncovered[row["name"]]
            assert fill == (BUFFER_ONLY if row["name"] in buffer_only else UNCOVERED)
            assert f"步行 {far['distance_m']:,.0f} 米" in label
        colours[fill] += 1
        # the outline: 4 corners of the slab (closing vertex left out), 0.1 m from the file
        corners = shapely.get_coordinates(row.geometry.exterior)
        assert shown["vertices"] == len(corners) - 1 == 4
        np.testing.assert_allclose(shown["first"], corners[0], atol=6e-7)
    assert colours[COVERED] == count - len(uncovered)
    assert colours[BUFFER_ONLY] == len(buffer_only)
    first = seen["buildings"][0]["label"]
    assert seen["tooltip"] == first and seen["inTooltip"] == 1  # text in one plain box
    assert view.blocked == [] and view.errors == []
