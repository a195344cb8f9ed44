"""On the bundled sample, the report finds the problems the sample was built with.

The sample (layers/sample.py) plants: grids 05 and 06 with no station; 金色港湾 (JG-01…06)
well over a kilometre from any station on foot; 风格城市's east column 60–260 m from PS-01 in a
straight line but 340–750 m on foot; a single 菜市场 at the west end (62 of 154 buildings within
1 km, checked there with an independent networkx graph); no 洗染店 and no 托育服务 at all.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR

GRID = "340121400001-"


def run_coverage(*args: str) -> CliRunner:
    result = CliRunner().invoke(main, ["coverage", "--data", str(BUNDLED_DATA_DIR), *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def report_1000() -> dict:
    return json.loads(run_coverage("--threshold", "1000", "--format", "json").stdout)


def test_json_has_the_documented_fields(report_1000) -> None:
    assert report_1000["threshold_m"] == 1000
    for side in ("network", "buffer"):
        assert {"buildings", "buildings_covered", "households", "households_covered",
                "residents", "residents_covered"} <= set(report_1000[side])
    assert len(report_1000["grids"]) == 6
    assert all({"grid_id", "network", "buffer"} <= set(g) for g in report_1000["grids"])
    assert all({"building_id", "grid_id", "distance_m"} <= set(u) for u in report_1000["uncovered"])
    assert report_1000["network"]["buildings"] == 154
    assert report_1000["network"]["households"] == 10_372


def test_far_buildings_of_jinse_gangwan_are_found(report_1000) -> None:
    far = {u["building_id"]: u["distance_m"] for u in report_1000["uncovered"]}
    jinse = [f"JG-0{n}" for n in range(1, 7)]
    assert set(jinse) <= set(far)
    assert all(far[b] > 1000 for b in jinse)


def test_grids_without_a_station_are_found(report_1000) -> None:
    rule = next(r for r in report_1000["rules"] if r["rule"] == "grid_has_station")
    assert not rule["passed"]
    assert sorted(v["feature_id"] for v in rule["violations"]) == [f"{GRID}05", f"{GRID}06"]


def test_missing_categories_are_found(report_1000) -> None:
    community = report_1000["circle"]["community"]
    assert community["category_share"]["洗染店"] == 0
    assert community["category_share"]["托育服务"] == 0
    assert "洗染店" in community["missing_basic"]
    assert "菜市场" in community["missing_basic"]  # only the west end reaches it
    assert 0 < community["category_share"]["菜市场"] < 1


def test_the_single_market_is_within_fifteen_minutes_of_62_buildings() -> None:
    from geo_app.planning.measure import measure_distances
    from geo_app.planning.report import planner_report
    from geo_app.planning.settings import PlanningSettings
    from geo_app.walking import prepare_community
    from layers import load_community

    community = load_community(BUNDLED_DATA_DIR)
    network = prepare_community(community)
    report = planner_report(community, network, measure_distances(community, network),
                            PlanningSettings(), threshold_m=500, k=1)
    assert int(report.circle.reached["菜市场"].sum()) == 62


def test_a_buffer_overstates_coverage_in_fengge_chengshi() -> None:
    result = run_coverage("--threshold", "300", "--format", "json")
    report = json.loads(result.stdout)
    buffer_only = [b for b in report["buffer_only"] if b["name"].startswith("风格城市")]
    assert buffer_only
    assert all(b["buffer_distance_m"] <= 300 < b["distance_m"] for b in buffer_only)
    assert report["buffer"]["residents_covered"] > report["network"]["residents_covered"]


def test_csv_tables_and_progress_on_stderr() -> None:
    result = run_coverage("--threshold", "500", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))  # the same table as /planner/grids.csv
    assert [r["网格编码"] for r in rows][-1] == ""  # the total row: 全社区 names it, no code
    assert len(rows) == 7
    assert int(rows[-1]["楼栋数"]) == 154
    assert "覆盖分析" in result.stderr
    uncovered = run_coverage("--threshold", "500", "--format", "csv", "--table", "uncovered")
    first = next(csv.DictReader(io.StringIO(uncovered.stdout)))
    assert first["楼栋编号"].startswith("JG-")  # farthest first
    assert first["按直线距离会误算为已覆盖"] in {"是", "否"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "20"], "--threshold 应在 50–5000 米之间"),
        (["--threshold", "abc"], "'abc' 不是有效的数值"),
        (["--k", "0"], "--k 应在 1–50 之间"),
        (["--format", "xml"], "'xml' 不是可选值"),
    ],
)
def test_bad_options_are_refused_with_the_reason(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["coverage", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_candidates_file_is_refused(tmp_path) -> None:
    bad = tmp_path / "candidates.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    result = CliRunner().invoke(main, ["coverage", "--candidates", str(bad)])
    assert result.exit_code == 2
    assert "至少含一个要素" in result.output
