"""The planner's "what if", named proposed sites, plain words and the printed report.

The what-if's expected figures come from an independent route: the hypothetical station is
written into a copy of the stations *file*, the copy is loaded and measured from scratch, and
its coverage must equal the what-if's, grid by grid.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from support.apps import make_test_config
from support.refusals import assert_api_refusal

from geo_app import create_app
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.factory import SettingsError
from geo_app.planning.measure import measure_distances
from geo_app.planning.places import PlaceNamer
from geo_app.planning.report import PARTY, coverage_at
from geo_app.planning.rules import check_rules
from geo_app.planning.service import current_distances, current_settings
from geo_app.planning.whatif import what_if
from geo_app.state.community import get_state
from geo_app.walking import prepare_community
from layers import load_community

#: Two points inside the sample community, read off the layers by hand: a corner of 凤栖苑 far
#: from both 党群服务站 and a spot on 金宁路.
POINTS = [(117.2668741, 31.9608091), (117.2540, 31.9604)]


def _boundary():
    doc = json.loads((BUNDLED_DATA_DIR / "boundary.geojson").read_text("utf-8"))
    return shapely.union_all([shape(f["geometry"]) for f in doc["features"]])


def _layer_copy_with_station(tmp_path: Path, lon: float, lat: float) -> Path:
    """The sample layers copied, with one more 党群服务站 written into stations.geojson."""
    directory = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, directory)
    path = directory / "stations.geojson"
    doc = json.loads(path.read_text("utf-8"))
    template = next(f for f in doc["features"] if f["properties"]["kind"] == PARTY)
    props = {**template["properties"], "id": "NEW", "name": "新站"}
    doc["features"].append({"type": "Feature", "properties": props,
                            "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return directory


@pytest.mark.parametrize(("lon", "lat"), POINTS)
def test_what_if_equals_adding_the_station_to_a_copy_of_the_layer(app, tmp_path, lon, lat):
    with app.test_request_context():
        state = get_state()
        settings = current_settings()
        result = what_if(
            state.community, state.walk_network, current_distances(), settings,
            PlaceNamer(state.community, crs=state.walk_network.crs),
            lon=lon, lat=lat, threshold_m=500,
        )
        stations_loaded = len(state.community.stations)
    # independently: the copied files, loaded and measured from scratch on a fresh network
    copy = load_community(_layer_copy_with_station(tmp_path, lon, lat))
    network = prepare_community(copy)
    expected = coverage_at(copy, measure_distances(copy, network), 500)[PARTY]
    got = result.after[PARTY]
    assert got.network == expected.network
    assert got.buffer == expected.buffer
    assert [(g.grid_id, g.network) for g in got.grids] == [
        (g.grid_id, g.network) for g in expected.grids
    ]
    assert {b.building_id for b in got.uncovered} == {b.building_id for b in expected.uncovered}
    # the station changed something, and the loaded layers were not touched
    before = result.before[PARTY].network
    assert got.network.residents_covered > before.residents_covered
    assert stations_loaded == len(load_community(BUNDLED_DATA_DIR).stations)
    data = result.as_dict()
    assert data["gain"]["residents"] == got.network.residents_covered - before.residents_covered
    assert sum(g["residents"] for g in data["gain"]["by_grid"]) == data["gain"]["residents"]
    assert data["isochrone"]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_the_hypothetical_station_counts_for_its_grid_in_the_rules(tmp_path):
    """The tiny community's JN-01 has a station; a what-if in JN-02 with only a 歇歇角 counted
    as party station: grid rule judged on the copy (worked out from the tiny layers)."""
    from support.apps import make_grid_app
    from support.grid_community import LAT, LON

    app = make_grid_app(tmp_path, GRID_STATION_KINDS=["party_service_station"])
    with app.test_request_context():
        state = get_state()
        before = {r.rule: r for r in check_rules(
            state.community, crs=state.walk_network.crs, minimum_kit=[],
            grid_station_kinds=["party_service_station"])}
        assert [v.feature_id for v in before["grid_has_station"].violations] == ["JN-02"]
        result = what_if(
            state.community, state.walk_network, current_distances(), current_settings(),
            PlaceNamer(state.community, crs=state.walk_network.crs),
            lon=LON + 0.003, lat=LAT + 0.001, threshold_m=500,
        )
    rules = {r.rule: r for r in result.rules}
    assert rules["grid_has_station"].passed
    assert result.place.grid_id == "JN-02"
    assert "金宁路" in result.place.near


def test_each_proposed_site_has_a_name_and_coordinates_inside_the_community(client):
    report = client.get("/planner/report.json?threshold=500&k=2").get_json()
    boundary = _boundary()
    grid_names = {f["properties"]["name"] for f in json.loads(
        (BUNDLED_DATA_DIR / "grids.geojson").read_text("utf-8"))["features"]}
    road_names = {f["properties"].get("name") for f in json.loads(
        (BUNDLED_DATA_DIR / "paths.geojson").read_text("utf-8"))["features"]}
    seen = 0
    for problem in ("maximal_covering", "set_covering"):
        for site in report["siting"][problem]["exact"]["sites"]:
            assert boundary.buffer(1e-6).contains(shapely.Point(site["lon"], site["lat"]))
            assert site["near"] and "候选点" not in site["near"]
            place = site["place"]
            assert place["grid_name"] in grid_names or place["grid_name"] is None
            named = place["road"].removesuffix("旁").split("附近")[0]
            assert (named in road_names or "交叉口" in named or "栋" in named), site
            gain = site["gain"]
            assert gain["residents"] > 0 and gain["households"] > 0
            assert sum(g["residents"] for g in gain["by_grid"]) == gain["residents"]
            seen += 1
    assert seen >= 3
    assert report["targets"] == [0.85, 0.99]


def test_site_gain_is_what_the_site_alone_adds(client):
    report = client.get("/planner/report.json?threshold=500&k=1").get_json()
    (site,) = report["siting"]["maximal_covering"]["exact"]["sites"]
    answer = report["siting"]["maximal_covering"]["exact"]
    # one site: its gain is the answer's covered residents minus those covered now
    assert site["gain"]["residents"] == answer["covered_weight"] - report["siting"][
        "residents_covered_now"]
    whatif = client.get(f"/planner/whatif.json?lon={site['lon']}&lat={site['lat']}"
                        "&threshold=500").get_json()
    assert whatif["gain"]["residents"] == pytest.approx(site["gain"]["residents"], abs=60)


def test_whatif_json_answers_and_is_cached_per_rounded_point(client, monkeypatch):
    import geo_app.web.views.planner as view

    calls = []
    real = view.what_if

    def counting(*args, **kwargs):
        calls.append((kwargs["lon"], kwargs["lat"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(view, "what_if", counting)
    lon, lat = POINTS[0]
    first = client.get(f"/planner/whatif.json?lon={lon}&lat={lat}")
    assert first.status_code == 200
    body = first.get_json()
    assert {"near", "before", "after", "gain", "rules", "circle", "isochrone"} <= set(body)
    assert body["threshold_m"] == 500
    again = client.get(f"/planner/whatif.json?lon={lon + 2e-7}&lat={lat - 3e-7}")
    assert again.get_json() == body
    assert calls == [(round(lon, 5), round(lat, 5))]


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("lon=117.26", "lat", "缺少参数 lat"),
        ("lon=abc&lat=31.96", "lon", "应为数字"),
        ("lon=120&lat=31.96", "lon", "社区边界外"),
        ("lon=117.26&lat=31.96&threshold=10", "threshold", "50"),
        ("lon=117.26&lat=31.96&kind=shop", "kind", "无效"),
    ],
)
def test_whatif_bad_input_is_a_chinese_400_naming_the_parameter(client, query, parameter, words):
    response = client.get(f"/planner/whatif.json?{query}")
    assert_api_refusal(response, parameter, words)


def test_page_speaks_a_planners_words(client):
    html = client.get("/planner?threshold=500&k=2").get_data(as_text=True)
    method = html.index('data-testid="method"')
    assert "500 米（约 8 分钟）步行范围内" in html
    assert "超出 500 米" in html and "按直线距离会误算为已覆盖" in html
    assert "步行不可达" not in html
    before_method = html[html.index('class="planner-page"'):method]
    for jargon in ("HiGHS", "贪心", "候选点", "缓冲区"):
        assert jargon not in before_method, jargon
        assert jargon in html[method:]
    assert "第一网格（风格城市）" in html
    # colours by meaning: 18.5 % is short of the 85 % target, so red, not green
    assert 'class="card level-short" data-testid="coverage-card"' in html


def test_targets_are_configurable(tmp_path):
    app = create_app(make_test_config(tmp_path, COVERAGE_TARGETS=[0.1, 0.15]))
    html = app.test_client().get("/planner?threshold=500&k=2").get_data(as_text=True)
    assert 'class="card level-met" data-testid="coverage-card"' in html
    with pytest.raises(SettingsError, match=r"配置项有误：COVERAGE_TARGETS 应为 0–1 之间"):
        create_app(make_test_config(tmp_path / "b", COVERAGE_TARGETS=[0.9, 0.5]))


def test_print_page_has_the_whole_analysis(client):
    html = client.get("/planner/print?threshold=500&k=2").get_data(as_text=True)
    assert "<svg" in html and 'class="print-map"' in html
    assert "建议新增站点" in html and "应设尽设" in html and "第六网格" in html
    assert "<script" not in html


def test_rules_name_grids_by_name(client):
    html = client.get("/planner?threshold=500&k=2").get_data(as_text=True)
    rules = html[html.index('data-testid="rules"'):html.index("15 分钟便民生活圈（")]
    if "网格内没有" in rules:
        assert "网格（" in rules  # e.g. 第二网格（凤栖苑）（340121400001-02）


@pytest.fixture
def screenshots(tmp_path) -> Path:
    return tmp_path


def test_print_report_fits_one_a4_page(live_server, browser, screenshots):
    page = browser.new_page()
    page.goto(f"{live_server}/planner/print?threshold=500&k=2")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (screenshots / "planner_print.pdf").write_bytes(pdf)
    page.close()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def test_whatif_by_clicking_the_map_on_a_phone(live_server, offline_page, screenshots):
    view = offline_page(width=375, height=667)
    page = view.page
    page.goto(f"{live_server}/planner?threshold=500&k=2")
    page.wait_for_selector(".leaflet-container .leaflet-interactive", timeout=15_000)
    page.get_by_test_id("planner-map").scroll_into_view_if_needed()
    box = page.get_by_test_id("planner-map").bounding_box()
    assert box["width"] <= 375
    # click the map's centre (the community's middle); the answer appears in the panel
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.5)
    result = page.get_by_test_id("whatif-result")
    result.wait_for(state="visible", timeout=15_000)
    text = result.inner_text()
    assert "居民覆盖" in text and "→" in text and "应设尽设" in text
    assert float(page.input_value('input[name="lon"]')) == pytest.approx(117.26, abs=0.03)
    assert page.locator(".whatif-diamond").count() == 1
    # typing coordinates works as well
    page.fill('input[name="lon"]', str(POINTS[0][0]))
    page.fill('input[name="lat"]', str(POINTS[0][1]))
    page.get_by_test_id("whatif-form").locator("button").click()
    page.wait_for_function(
        "() => document.querySelector('[data-field=lonlat]').textContent.includes('117.26687')"
    )
    # a 歇歇角 instead of a 党群服务站: the answer is asked and said for that kind
    page.get_by_test_id("whatif-kind").select_option("rest_post")
    page.get_by_test_id("whatif-form").locator("button").click()
    page.wait_for_function(
        "() => document.querySelector('[data-field=near]').textContent.startsWith('歇歇角：')"
    )
    page.get_by_test_id("whatif").screenshot(path=str(screenshots / "whatif_375.png"))
    page.screenshot(path=str(screenshots / "planner_whatif_375.png"), full_page=True)
    assert view.blocked == [] and view.errors == []


def test_a_sites_gain_counted_directly_equals_the_two_full_reports(app):
    """``site_gain`` (a few array operations per proposed site) against the difference of the
    full coverage reports before and after the station, grid by grid."""
    from geo_app.planning.whatif import coverage_gain, distances_with_station, site_gain

    with app.test_request_context():
        state = get_state()
        community, distances = state.community, current_distances()
        for lon, lat in POINTS:
            fresh = distances_with_station(
                state.walk_network, distances, lon, lat, kind=PARTY,
                station_row=len(community.stations), max_attach_m=300,
            )
            direct = site_gain(community, distances.to_station[PARTY], fresh.to_station[PARTY],
                               threshold_m=500)
            full = coverage_gain(coverage_at(community, distances, 500)[PARTY],
                                 coverage_at(community, fresh, 500)[PARTY])
            assert direct == full
            assert direct["residents"] > 0  # the points were chosen where a station helps


@pytest.mark.parametrize("threshold", [300, 500, 800])
def test_a_candidates_gain_from_the_siting_reach_equals_walking_it_again(app, threshold):
    """Every site of the four answers: the gain read from the siting's own buildings ×
    candidates reach matrix equals what a station there adds by a fresh walk (the what-if's
    distances with the station added, counted by ``site_gain``)."""
    from geo_app.planning.service import current_report
    from geo_app.planning.whatif import distances_with_station, site_gain, site_summaries

    with app.test_request_context():
        state, settings = get_state(), current_settings()
        community, distances = state.community, current_distances()
        siting = current_report(threshold_m=threshold, k=2).siting
        namer = PlaceNamer(community, crs=state.walk_network.crs)
        sites = [site for answer in (siting.maximal, siting.maximal_greedy, siting.covering,
                                     siting.covering_greedy) for site in siting.sites(answer)]
        assert siting.reach is not None and len(sites) >= 3
        for summary in site_summaries(community, namer, sites, reach=siting.reach):
            fresh = distances_with_station(
                state.walk_network, distances, summary["lon"], summary["lat"], kind=PARTY,
                station_row=len(community.stations), max_attach_m=settings.max_attach_m,
            )
            walked = site_gain(community, distances.to_station[PARTY],
                               fresh.to_station[PARTY], threshold_m=threshold)
            assert summary["gain"] == walked
            assert walked["buildings"] > 0
