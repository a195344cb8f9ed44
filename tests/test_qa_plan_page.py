"""QA pass (planners): what a planner reads on /planner and its printed report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.planner_page import layer_data, map_script

import geo_app
from geo_app.config import BUNDLED_DATA_DIR


def _layer(name: str) -> list[dict]:
    text = (BUNDLED_DATA_DIR / f"{name}.geojson").read_text(encoding="utf-8")
    return json.loads(text)["features"]


def _totals() -> tuple[int, int]:
    """Residents and households of the sample, summed from the layer file."""
    buildings = [f["properties"] for f in _layer("buildings")]
    return sum(b["residents"] for b in buildings), sum(b["households"] for b in buildings)


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</table>", start) if "table" in testid else
                html.index("</section>", start)]


@pytest.fixture(scope="module")
def reader(app_factory):
    return app_factory().test_client()


def test_counts_have_thousands_separators(reader) -> None:
    residents, households = _totals()
    assert residents >= 10_000 and households >= 10_000  # both need a separator
    html = reader.get("/planner?threshold=500&k=2").get_data(as_text=True)
    card = _section(html, "planner-summary")
    assert f"/{residents:,} 人" in card and str(residents) not in card
    total = _section(html, "grid-table").split('class="total"')[1]
    assert f"/{households:,}</td>" in total and f"/{residents:,}</td>" in total
    assert str(residents) not in total and str(households) not in total
    siting = html[html.index('data-testid="siting-table"'):html.index('data-testid="siting-note"')]
    assert f"（共 {residents:,} 人）" in siting
    printed = reader.get("/planner/print?threshold=500&k=2").get_data(as_text=True)
    assert re.search(rf"（[\d,]+/{residents:,} 人）", printed)
    assert str(residents) not in printed


def test_what_the_layers_lack_is_said_on_the_page_and_print(reader) -> None:
    """The sample has no 洗染店 and no 托育服务: every grid reads 0% for them, which the
    page must explain (the JSON's ``notes``) rather than leave the planner guessing."""
    from layers.schema import POI_CATEGORIES

    present = {f["properties"]["category"] for f in _layer("pois")}
    absent = [c for c in POI_CATEGORIES if c not in present]
    assert absent  # the sample lacks some categories
    html = reader.get("/planner?threshold=500&k=2").get_data(as_text=True)
    notes = _section(html, "planner-notes")
    for category in absent:
        assert category in notes
    printed = reader.get("/planner/print?threshold=500&k=2").get_data(as_text=True)
    assert all(category in printed for category in absent)


def test_legend_explains_every_mark_of_the_map(reader) -> None:
    """The existing stations were red and orange circles with no legend entry (the same red as
    "超出" buildings); the purple minimum-cover sites and the dashed 15-minute outlines were
    explained nowhere either."""
    from layers.schema import STATION_KINDS

    html = reader.get("/planner?threshold=500&k=2").get_data(as_text=True)
    start = html.index('data-testid="planner-legend"')
    legend = html[start:html.index("</p>", start)]
    kinds = {f["properties"]["kind"] for f in _layer("stations")}
    for kind in kinds:
        assert STATION_KINDS[kind] in legend
    for words in ("全覆盖最少站点", "15 分钟步行范围", "您试算的站点", "网格底色"):
        assert words in legend
    colours = re.findall(r"--swatch: (#[0-9a-f]{6})", legend)
    assert len(colours) >= 9
    page = "/planner?threshold=500&k=2"  # the map's script and data layers, and the what-if
    drawn = (map_script(reader, page) + json.dumps(layer_data(reader, page))
             + (Path(geo_app.__file__).parent / "static" / "planner.js").read_text(
                 encoding="utf-8"))
    for colour in colours:  # each swatch is a colour the map (or the what-if script) draws
        assert colour.lower() in drawn.lower(), colour


def test_station_walk_areas_are_named_not_coded(reader) -> None:
    """The 15-minute outlines' tooltips read "PS-01：15 分钟步行" — a code a planner never sees
    elsewhere; they name the station."""
    data = layer_data(reader, "/planner?threshold=500&k=2")
    outlines = next(layer for layer in data["layers"] if layer["key"] == "isochrones")
    tooltips = " ".join("".join(data["texts"][part] if isinstance(part, int) else part
                                for part in label) for label in outlines["labels"])
    for station in (f["properties"] for f in _layer("stations")):
        assert f"{station['id']}：15 分钟步行" not in tooltips
        assert f"{station['name']}：15 分钟步行" in tooltips


def test_circle_table_shows_what_the_grades_count(reader) -> None:
    """提升型 needs 养老服务 and 托育服务, 品质型 four 品质提升类 — rows the table left out, so a
    planner could not see why no grid rose above 基础型. The 全社区 column comes first (it was
    the last, off the right edge at 1280 px on the sample)."""
    from layers.schema import BASIC_CATEGORIES, QUALITY_CATEGORIES

    html = reader.get("/planner?threshold=500&k=2").get_data(as_text=True)
    table = _section(html, "circle-table")
    head = table[table.index("<thead>"):table.index("</thead>")]
    names = re.findall(r"<th[^>]*>([^<]+)</th>", head)
    grids = [f["properties"]["name"] for f in _layer("grids")]
    assert names == ["业态", "全社区", *grids]
    rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table, flags=re.S)
    assert [name for name, _ in rows] == [*BASIC_CATEGORIES, *QUALITY_CATEGORIES]
    circle = reader.get("/planner/report.json?threshold=500&k=2").get_json()["circle"]
    for category, cells in rows:
        shown = re.findall(r">([\d.]+%|—)</td>", cells)
        expected = [f"{a['category_share'][category] * 100:.1f}%"
                    for a in [circle["community"], *circle["grids"]]]
        assert shown == expected, category


@pytest.mark.parametrize(("path", "mimetype"), [
    ("/planner/grids.csv", "text/csv"), ("/planner/uncovered.csv", "text/csv"),
    ("/planner/report.geojson", "application/geo+json"),
])
def test_downloads_declare_one_charset(reader, path, mimetype) -> None:
    response = reader.get(f"{path}?threshold=500&k=2")
    assert response.headers["Content-Type"] == f"{mimetype}; charset=utf-8"
    assert response.get_data().startswith("\ufeff".encode()) == (mimetype == "text/csv")


@pytest.mark.parametrize(("query", "words"), [
    ("threshold=49", "步行距离（threshold）应在 50–5000 米之间"),
    ("threshold=abc", "步行距离（threshold）应为以米计的数值"),
    ("k=0", "建议新增站点数（k）应在 1–50 之间"),
    ("k=2.5", "建议新增站点数（k）应为整数"),
])
def test_a_bad_parameter_is_named_in_the_forms_words(reader, query, words) -> None:
    """The error read "threshold 应在 50–5000 米之间": the form says 步行距离, not threshold."""
    page = reader.get(f"/planner?{query}")
    assert page.status_code == 400 and words in page.get_data(as_text=True)
    body = reader.get(f"/planner/report.json?{query}").get_json()
    assert words in body["error"] and body["parameter"] in query


def test_printed_grid_table_ends_with_the_community_total(reader) -> None:
    residents, _ = _totals()
    printed = reader.get("/planner/print?threshold=500&k=2").get_data(as_text=True)
    total = printed.split('<tr class="total">')[1].split("</tr>")[0]
    assert "全社区" in total and re.search(rf"<td>[\d,]+/{residents:,}</td>", total)
