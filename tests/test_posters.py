"""Printable posters: the QR code (server-side SVG) decodes to the deep link, the walks printed
on it match an independent shortest-path reference, and the link opens the page offline."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from support.accounts import add_accounts, logged_in
from support.apps import make_grid_app
from support.geo import SamplePlan
from support.oracle import ReferenceNetwork, reference_walk_m

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.stations.places import current_place_index
from geo_app.web.views import posters
from layers import load_community

PLAN = SamplePlan()


@pytest.fixture(scope="module")
def sample():
    return load_community(BUNDLED_DATA_DIR)


def decode_qr(png: bytes) -> list[str]:
    """Texts of the QR codes in a PNG screenshot (zxing-cpp, independent of the encoder)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    found = zxingcpp.read_barcodes(image)
    return [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_building_poster_qr_decodes_to_the_deep_link_which_answers(
    offline_page, live_server, sample, tmp_path
):
    session = offline_page(800, 1100)
    page = session.page
    response = page.goto(f"{live_server}/posters/building/FG-03")
    assert response.status == 200
    qr = page.locator("[data-testid=poster-qr] svg")
    png = qr.screenshot(path=str(tmp_path / "poster-qr.png"))
    page.screenshot(path=str(tmp_path / "poster-building.png"), full_page=True)
    assert decode_qr(png) == [f"{live_server}/?b=FG-03"]
    assert "风格城市 3栋" in page.inner_text("h1")
    # the walks printed: nearest first, each as the independent networkx reference
    row = sample.buildings[sample.buildings["id"] == "FG-03"].iloc[0]
    lines = PLAN.lines_xy(sample.paths)
    start = PLAN.xy(*row["entrances"][0])
    walks = {
        s.id: reference_walk_m(lines, start, PLAN.xy(s.geometry.x, s.geometry.y))
        for s in sample.stations.itertuples()
    }
    printed = page.eval_on_selector_all(
        "[data-testid=poster-walks] tbody tr",
        "rows => rows.map(r => [r.dataset.stationId, +r.dataset.distanceM, r.innerText])",
    )
    assert [p[0] for p in printed] == sorted(walks, key=walks.get)[:3]
    for sid, distance, text in printed:
        assert abs(distance - walks[sid]) <= 1.0
        assert f"{max(1, round(walks[sid] / (4000 / 60)))} 分钟" in text  # 4 km/h
        assert f"长者约 {max(1, round(walks[sid] / 50))} 分钟" in text  # 3 km/h
    # the QR's link, opened on a phone, starts from the building with no geolocation
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(decode_qr(png)[0])
    page.wait_for_selector("[data-testid=result]", timeout=10_000)
    lon, lat = row["entrances"][0]
    assert page.get_attribute("[data-testid=resident-map]", "data-origin") == f"{lon:.6f},{lat:.6f}"
    assert session.blocked == [] and session.errors == []


def test_station_poster_qr_and_facts(offline_page, live_server, sample, tmp_path):
    session = offline_page(800, 1100)
    page = session.page
    page.goto(f"{live_server}/posters/station/RP-01")
    png = page.locator("[data-testid=poster-qr] svg").screenshot(path=str(tmp_path / "qr.png"))
    assert decode_qr(png) == [f"{live_server}/?s=RP-01"]
    text = page.inner_text("[data-testid=poster]")
    station = sample.stations[sample.stations["id"] == "RP-01"].iloc[0]
    assert station["name"] in text and station["contact"] in text and station["address"] in text
    assert "全天开放" in text or "24" in text
    page.screenshot(path=str(tmp_path / "poster-station.png"), full_page=True)
    assert session.blocked == []


def test_grid_posters_print_every_building_of_the_grid_once(client, sample):
    grid = sample.grids.iloc[0]["id"]
    html = client.get(f"/posters/grid/{grid}").get_data(as_text=True)
    expected = set(sample.buildings.loc[sample.buildings["grid_id"] == grid, "id"])
    printed = re.findall(r'data-testid="poster" data-building-id="([^"]+)"', html)
    assert sorted(printed) == sorted(expected) and len(printed) == len(expected)
    assert html.count("<svg") == len(expected)


def test_every_poster_of_a_grid_prints_its_three_nearest_stations(client, sample):
    """The walk now stops at the three nearest stations: they are still the three nearest of
    all (independent networkx reference over the same paths), nearest first, within 1 m."""
    grid = "340121400001-02"  # 16 buildings; the sample has 4 stations, so one is left out
    html = client.get(f"/posters/grid/{grid}").get_data(as_text=True)
    network = ReferenceNetwork.from_plan(PLAN.lines_xy(sample.paths))
    stations = {s.id: PLAN.xy(s.geometry.x, s.geometry.y) for s in sample.stations.itertuples()}
    posters_printed = re.findall(
        r'data-building-id="([^"]+)">(.*?)</article>', html, re.S)
    buildings = sample.buildings.set_index("id")
    assert len(posters_printed) == 16
    for building_id, poster in posters_printed:
        start = PLAN.xy(*buildings.loc[building_id, "entrances"][0])
        walks = {sid: network.walk_m(start, end) for sid, end in stations.items()}
        printed = re.findall(r'data-station-id="([^"]+)" data-distance-m="(\d+)"', poster)
        assert [sid for sid, _ in printed] == sorted(walks, key=walks.get)[:3], building_id
        for sid, metres in printed:
            assert abs(int(metres) - walks[sid]) <= 1.0, (building_id, sid)


def test_a_grid_printed_again_draws_no_qr_code_again(client, sample, monkeypatch):
    drawn = []
    make = posters.segno.make
    monkeypatch.setattr(posters.segno, "make", lambda data, **kw: drawn.append(data)
                        or make(data, **kw))
    posters.qr_svg.cache_clear()
    grid = "340121400001-03"
    first, again = (client.get(f"/posters/grid/{grid}").get_data(as_text=True) for _ in "12")
    ids = set(sample.buildings.loc[sample.buildings["grid_id"] == grid, "id"])
    assert sorted(drawn) == sorted(f"http://localhost/?b={b}" for b in ids)  # once each
    without_token = re.compile(r'<meta name="csrf-token"[^>]*>')
    assert without_token.sub("", first) == without_token.sub("", again)
    assert again.count("<svg") == len(ids) == 20


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/posters/building/NOPE", 404, "没有编号为“NOPE”的楼栋"),
        ("/posters/station/NOPE", 404, "没有编号为“NOPE”的服务站"),
        ("/posters/grid/NOPE", 404, "没有编号为“NOPE”的网格"),
        ("/?b=NOPE", 404, "没有编号为“NOPE”的楼栋"),
        ("/?s=NOPE", 404, "没有编号为“NOPE”的服务站"),
        ("/?item=gold", 400, "不认识的物资“gold”"),
    ],
)
def test_bad_ids_get_a_chinese_page_naming_them(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert words in html and 'href="/"' in html


def test_the_posters_index_leads_to_every_station_and_building_poster(client, sample):
    """/posters was a 404: staff had to know each poster's address."""
    page = client.get("/posters/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    stations = set(re.findall(r'href="/posters/station/([^"]+)"', html))
    assert stations == set(sample.stations["id"])
    for grid in sample.grids.itertuples():
        block = re.search(rf'data-grid-id="{re.escape(grid.id)}">(.*?)</details>', html, re.S)
        assert block is not None, grid.id
        listed = set(re.findall(r'href="/posters/building/([^"]+)"', block.group(1)))
        assert listed == set(sample.buildings.loc[sample.buildings["grid_id"] == grid.id, "id"])
        assert f"打印本网格全部 {len(listed)} 张" in block.group(1)
        assert f'href="/posters/grid/{grid.id}"' in block.group(1)
    some = sorted(stations)[0]
    assert client.get(f"/posters/station/{some}").status_code == 200


def test_a_grid_page_links_its_buildings_posters(tmp_path):
    app = make_grid_app(tmp_path)
    add_accounts(app)
    page = logged_in(app, "leader1").get("/grid/JN-01").get_data(as_text=True)
    assert 'data-testid="posters-link"' in page and 'href="/posters/grid/JN-01"' in page


def test_a_qr_codes_building_is_looked_up_by_its_id(client, sample):
    """``?b=`` finds its building in the index's lookup (every building, the same place the
    search lists), not by scanning every place; an unknown id is a 404 naming it."""
    with client.application.app_context():
        index = current_place_index()
    assert set(index.buildings) == set(sample.buildings["id"])
    listed = [p for p in index.places if p.kind == "building"]
    assert all(index.buildings[p.id] is p for p in listed)
    row = sample.buildings.iloc[-1]
    page = client.get(f"/?b={row['id']}")
    assert page.status_code == 200 and str(row["name"]) in page.get_data(as_text=True)
    missing = client.get("/?b=ZZ-99")
    assert missing.status_code == 404 and "ZZ-99" in missing.get_data(as_text=True)
