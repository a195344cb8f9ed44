"""The planner page, its downloads and parameter checks, and the page in Chromium offline."""

from __future__ import annotations

import csv
import io
import json

import pytest
from support.calls import count_calls
from support.planner_page import map_script
from support.refusals import assert_api_refusal

from geo_app.factory import SettingsError
from geo_app.planning.service import current_report

GRID = "340121400001-"


@pytest.fixture(scope="module")
def reader(app_factory):
    """One client for the tests that only read: each report is computed once for all of them.
    (The tests of caching and timing take a fresh ``app``.)"""
    return app_factory().test_client()


def test_page_shows_map_tables_chart_and_downloads(reader) -> None:
    response = reader.get("/planner?threshold=500&k=2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for testid in ("planner-map", "grid-table", "coverage-chart", "uncovered-table", "rules",
                   "circle-table", "siting-table", "downloads"):
        assert f'data-testid="{testid}"' in html
    assert "第一网格（风格城市）" in html
    assert "/planner/grids.csv?threshold=500&amp;k=2" in html
    assert "https://" not in html.split("<body")[0]  # no CDN in the head


def test_report_is_computed_once_per_parameters(app) -> None:
    with app.test_request_context():
        first = current_report(threshold_m=500, k=2)
        assert current_report(threshold_m=500, k=2) is first
        assert current_report(threshold_m=300, k=2) is not first


def test_page_map_is_drawn_once_per_report(client, monkeypatch) -> None:
    import geo_app.web.views.planner as planner_view

    drawn = count_calls(monkeypatch, planner_view, "build_planner_map")
    first = client.get("/planner?threshold=500&k=2")
    again = client.get("/planner?threshold=500&k=2")
    assert first.status_code == again.status_code == 200
    assert len(drawn) == 1
    assert client.get("/planner?threshold=300&k=2").status_code == 200
    assert len(drawn) == 2  # another report, another map


def test_other_parameters_reuse_the_walking_network(client, monkeypatch) -> None:
    """A planner trying thresholds and k waits for the coverage, not for the network again
    (the times are measured by benchmarks/bench_planner_page.py, not by a timed test)."""
    import geo_app.walking as walking

    built = count_calls(monkeypatch, walking, "prepare_community")
    assert client.get("/planner").status_code == 200
    first = len(built)  # 1 unless an earlier test of this app built it already
    assert client.get("/planner?threshold=1000&k=3").status_code == 200
    assert client.get("/planner?threshold=500&k=1").status_code == 200
    assert first <= 1 and len(built) == first


def test_grid_csv_download(reader) -> None:
    response = reader.get("/planner/grids.csv?threshold=1000")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["网格编码"] for r in rows] == [f"{GRID}0{n}" for n in range(1, 7)] + [""]
    assert rows[0]["网格"] == "第一网格（风格城市）" and rows[-1]["网格"] == "全社区"
    total = rows[-1]
    assert int(total["楼栋数"]) == sum(int(r["楼栋数"]) for r in rows[:-1])
    assert int(total["按直线距离算的居民"]) >= int(total["步行范围内居民"])
    for row in rows:  # a share as a percentage of the row's own counts, to one decimal
        expected = 100 * int(row["步行范围内居民"]) / int(row["居民"])
        assert row["居民步行覆盖率"] == f"{expected:.1f}%"


def test_uncovered_csv_and_geojson_downloads(reader) -> None:
    text = reader.get("/planner/uncovered.csv?threshold=1000").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {f"JG-0{n}" for n in range(1, 7)} <= {r["楼栋编号"] for r in rows}
    walk, line = "到最近党群服务站的步行距离（米）", "直线距离（米）"
    assert all(float(r[walk]) > 1000 for r in rows if r[walk])
    assert {r["按直线距离会误算为已覆盖"] for r in rows} <= {"是", "否"}
    for r in rows:
        assert (r["按直线距离会误算为已覆盖"] == "是") == (float(r[line]) <= 1000)
    assert all(r["网格"].startswith("第") for r in rows)
    response = reader.get("/planner/report.geojson?threshold=1000&k=2")
    assert response.mimetype == "application/geo+json"
    collection = json.loads(response.get_data(as_text=True))
    kinds = [f["properties"]["feature"] for f in collection["features"]]
    assert kinds.count("uncovered_building") == len(rows)
    assert kinds.count("grid") == 6
    assert kinds.count("proposed_site") >= 2


def test_json_report_matches_the_page_parameters(reader) -> None:
    report = reader.get("/planner/report.json?threshold=300&k=1").get_json()
    assert report["threshold_m"] == 300
    assert report["siting"]["k"] == 1
    assert len(report["siting"]["maximal_covering"]["exact"]["sites"]) <= 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("threshold=abc", "threshold"),
        ("threshold=20", "threshold"),
        ("threshold=1e9", "threshold"),
        ("threshold=nan", "threshold"),
        ("k=0", "k"),
        ("k=2.5", "k"),
        ("k=x", "k"),
        ("k=51", "k"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(reader, query: str, parameter: str):
    response = reader.get(f"/planner/report.json?{query}")
    assert_api_refusal(response, parameter, parameter)
    page = reader.get(f"/planner?{query}")
    assert page.status_code == 400
    assert parameter in page.get_data(as_text=True)


@pytest.mark.parametrize(("width", "height"), [(375, 667), (1280, 800)])
def test_planner_page_offline_in_chromium(live_server, offline_page, tmp_path, width, height):
    view = offline_page(width=width, height=height)
    page = view.page
    page.goto(f"{live_server}/planner?threshold=500&k=2")
    page.wait_for_selector("[data-layers-state=ready] .leaflet-interactive", timeout=15_000)
    for testid in ("planner-map", "grid-table", "coverage-chart"):
        assert page.get_by_test_id(testid).is_visible()
    page.get_by_test_id("grid-table").scroll_into_view_if_needed()
    assert page.locator('[data-testid="grid-table"] tbody tr').count() == 7
    assert page.locator('[data-testid="coverage-chart"] polyline').count() == 2
    # Coverage shading, buildings and isochrones are drawn as Leaflet paths.
    assert page.locator(".leaflet-overlay-pane path").count() > 154
    assert page.locator(".site-diamond").count() >= 1
    page.screenshot(path=str(tmp_path / f"planner_{width}x{height}.png"), full_page=True)
    assert view.blocked == []
    assert view.errors == []


def test_a_long_uncovered_list_shows_the_farthest_and_points_to_the_csv(app_factory) -> None:
    """With room for 5 rows: the page lists the 5 farthest buildings (the CSV's first 5, which
    is sorted farthest first) and says how many there are; the CSV still has them all."""
    client = app_factory(PLANNER_UNCOVERED_ROWS=5).test_client()
    html = client.get("/planner?threshold=500&k=2").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/planner/uncovered.csv?threshold=500&k=2").get_data(as_text=True)
        .lstrip("\ufeff"))))
    assert len(rows) > 5
    table = html.split('data-testid="uncovered-table"')[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 5  # the head and five buildings
    name_column = next(iter(rows[0]))
    for row in rows[:5]:
        assert f"<td>{row[name_column]}</td>" in table
    assert f"<td>{rows[5][name_column]}</td>" not in table
    assert f"全部 {len(rows)} 栋见下载" in html


def test_a_district_map_is_drawn_on_a_canvas_and_a_community_map_in_svg(
    reader, app_factory, tmp_path
) -> None:
    """The sample's 154 buildings stay SVG shapes (each its own element, as the browser tests
    use); the benchmark's 32 × 32 blocks (6,144 buildings) are drawn on one canvas."""
    import sys
    from pathlib import Path

    from geo_app.maps.planner import CANVAS_FROM_BUILDINGS

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_scale import generate

    assert '"preferCanvas": false' in map_script(reader, "/planner?threshold=500&k=2")
    assert generate(32, tmp_path)["buildings"] == 6_144 > CANVAS_FROM_BUILDINGS
    big = app_factory(DATA_DIR=str(tmp_path)).test_client()
    assert '"preferCanvas": true' in map_script(big, "/planner?threshold=500&k=2")


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ({"PLANNER_UNCOVERED_ROWS": "many"}, "PLANNER_UNCOVERED_ROWS 应为正整数，实际为 'many'"),
        ({"CIRCLE_AREA_SHARE": 2}, "CIRCLE_AREA_SHARE 应在 0–1 之间，实际为 2"),
        ({"BASEMAP": "gaode"}, "未知底图 'gaode'"),
        ({"CIRCLE_GRADES": [{"groups": []}]}, "CIRCLE_GRADES 应为等级规则列表"),
        ({"ROSTER_PAGE_ROWS": 0}, "ROSTER_PAGE_ROWS 应为正整数，实际为 0"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": ""}, "BASEMAP=tianditu 需要配置 TIANDITU_KEY"),
    ],
)
def test_a_bad_setting_stops_the_app_before_any_page_naming_it(app_factory, setting, words):
    with pytest.raises(SettingsError) as refused:
        app_factory(**setting)
    assert f"配置项有误：{words}" in str(refused.value)


def test_every_bad_setting_is_named_at_once(app_factory):
    with pytest.raises(SettingsError) as refused:
        app_factory(SITING_K=0, BASEMAP="gaode")
    assert str(refused.value).splitlines() == [
        "配置项有误：SITING_K 应在 1–50 之间，实际为 0",
        "配置项有误：未知底图 'gaode'：可选 none、osm、tianditu"
        "（高德等 GCJ-02 底图需先转换坐标，不提供）",
    ]


def test_a_bad_setting_page_leads_back_to_the_planners_last_page(client):
    came_from = "http://localhost/planner?threshold=800&k=3"
    refused = client.get("/planner?threshold=49", headers={"Referer": came_from})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert '<a href="/planner?threshold=800&amp;k=3" data-testid="back">返回上一页</a>' in page
    elsewhere = client.get("/planner?threshold=49", headers={"Referer": "https://evil.example/x"})
    assert 'data-testid="back"' not in elsewhere.get_data(as_text=True)
    typed = client.get("/planner?threshold=49")
    assert 'data-testid="back"' not in typed.get_data(as_text=True)
