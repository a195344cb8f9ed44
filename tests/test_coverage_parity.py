"""``geo-app coverage`` and the web app's ``/planner/report.json`` measure the same walks.

Both get their walking network from :func:`geo_app.walking.prepare_community` (paths fenced by
the ``compounds`` layer), so every building's distance is the same from the command line and
from the web, on the sample and on a layout whose fence matters.

The fenced layout (metres, local frame; worked by hand)::

    y=310        +------------------ fence 测试小区 ------------------+
    y=210        |  lane (120,210)━━━━━━━━━━━━━━━━━━━━━━━━━━━━━(350,210) |
                 |                                              ┃ gate |
    y=130        |  B1 entrance (150,130)                       ┃      |
    y=110        +----------------------------------------------┃------+
    y=100  (0,100)━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━(350,100)━━━━━(1000,100) street
            S1 (50,90)                                        B2 entrance (600,120)  S2 (900,90)

B1's entrance is 30 m from the street, through the fence, and 80 m from its own lane. Fenced,
its walk to S1 (党群服务站) is 80 (leg to the lane) + 200 (lane east) + 110 (gate) + 300
(street west to x=50) + 10 (S1's leg) = 700 m; with the fence ignored it would be 30 + 100 +
10 = 140 m. B2, outside: 20 + 550 + 10 = 580 m to S1, 20 + 300 + 10 = 330 m to S2 (歇歇角).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from support.geo import ring
from support.planning_layout import Layout

from geo_app import create_app
from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.planning.measure import measure_distances
from geo_app.walking import attach, prepare, prepare_community
from layers import load_community

THRESHOLD = 50  # the least allowed: nearly every building is listed with its distance
FENCE_BOX = (100, 110, 400, 310)


def fenced_layout(directory: Path) -> Path:
    """Write the layout drawn above, with its compounds layer."""
    layout = (
        Layout()
        .grid("G1", (0, 0, 1000, 1000))
        .path("P1", (0, 100), (350, 100), (1000, 100), kind="street")
        .path("P2", (350, 100), (350, 210), kind="gate")
        .path("P3", (120, 210), (350, 210), kind="internal")
        .station("S1", (50, 90), "G1")
        .station("S2", (900, 90), "G1", kind="rest_post")
        .building("B1", (150, 145), "G1", entrance=(150, 130))
        .building("B2", (600, 135), "G1", entrance=(600, 120))
        .poi("Q1", (60, 90), "便利店")
    )
    layout.write(directory)
    compounds = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "C1", "name": "测试小区"},
                "geometry": {"type": "Polygon", "coordinates": [ring(*FENCE_BOX)]},
            }
        ],
    }
    (directory / "compounds.geojson").write_text(json.dumps(compounds), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def fenced_dir(tmp_path_factory) -> Path:
    return fenced_layout(tmp_path_factory.mktemp("fenced"))


def cli_report(data_dir: Path, *, threshold: float) -> dict:
    args = ["coverage", "--data", str(data_dir), "--threshold", f"{threshold:g}", "--k", "1"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def web_report(data_dir: Path, tmp_path: Path, *, threshold: float) -> dict:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        }
    )
    response = app.test_client().get(f"/planner/report.json?threshold={threshold:g}&k=1")
    assert response.status_code == 200
    return response.get_json()


def building_distances(report: dict) -> dict[str, float | None]:
    """Building id → walking metres to the nearest 党群服务站, for every building listed."""
    return {row["building_id"]: row["distance_m"] for row in report["uncovered"]}


def without_timings(report: dict) -> dict:
    report = {k: v for k, v in report.items() if k != "seconds"}
    report["siting"] = {k: v for k, v in report["siting"].items() if k != "solve_seconds"}
    return report


@pytest.mark.parametrize("where", ["sample", "fenced"])
def test_cli_and_web_report_the_same_distance_for_every_building(where, fenced_dir, tmp_path):
    data_dir = BUNDLED_DATA_DIR if where == "sample" else fenced_dir
    cli = cli_report(data_dir, threshold=THRESHOLD)
    web = web_report(data_dir, tmp_path, threshold=THRESHOLD)
    assert building_distances(cli) == building_distances(web)
    assert cli["network"] == web["network"]
    assert cli["rest_post"] == web["rest_post"]
    assert cli["curve"] == web["curve"]
    assert cli["circle"] == web["circle"]
    assert without_timings(cli) == without_timings(web)
    n_buildings = cli["network"]["buildings"]
    listed = len(cli["uncovered"])
    assert listed == n_buildings - cli["network"]["buildings_covered"]
    assert listed >= (n_buildings + 1) // 2  # most buildings are compared one by one


def test_the_fenced_building_walks_out_through_the_gate_in_both(fenced_dir, tmp_path):
    cli = building_distances(cli_report(fenced_dir, threshold=THRESHOLD))
    web = building_distances(web_report(fenced_dir, tmp_path, threshold=THRESHOLD))
    assert cli["B1"] == web["B1"] == pytest.approx(700.0, abs=0.05)  # by hand, see above
    assert cli["B2"] == web["B2"] == pytest.approx(580.0, abs=0.05)


def test_in_the_fenced_layout_the_fence_matters(fenced_dir):
    """Without the fence B1 would be passed off through it: 140 m instead of 700 m."""
    community = load_community(fenced_dir)
    fenced = measure_distances(community, prepare_community(community))
    plain = measure_distances(community, prepare(prepare_community(community).network))
    np.testing.assert_allclose(fenced.to_station["party_service_station"], [700, 580], atol=0.05)
    np.testing.assert_allclose(plain.to_station["party_service_station"], [140, 580], atol=0.05)
    np.testing.assert_allclose(fenced.to_station["rest_post"], [950, 330], atol=0.05)


def test_random_points_in_the_sample_attach_alike_from_the_cli_and_the_web(tmp_path):
    """The issue's check: 2,000 random points inside the sample's boundary attach to the same
    segment, at the same distance, on the web app's network as on the CLI's; the fences do
    move some of them (else this would prove nothing)."""
    from geo_app.state.community import get_state

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATA_DIR": str(BUNDLED_DATA_DIR),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        }
    )
    with app.app_context():
        web = get_state().walk_network
    community = load_community(BUNDLED_DATA_DIR)
    cli = prepare_community(community)
    boundary = community.boundary.geometry.union_all()
    rng = np.random.default_rng(9)
    west, south, east, north = boundary.bounds
    points = rng.uniform([west, south], [east, north], (6000, 2))
    points = points[shapely.contains_xy(boundary, points[:, 0], points[:, 1])][:2000]
    assert len(points) == 2000
    on_web, on_cli = attach(web, points), attach(cli, points)
    np.testing.assert_array_equal(on_web.segment, on_cli.segment)
    np.testing.assert_array_equal(on_web.access_m, on_cli.access_m)
    unfenced = attach(prepare(cli.network), points)
    assert (unfenced.segment != on_cli.segment).sum() > 100
