"""Empty kinds and categories are normal: ``geo-app coverage`` reports them, never crashes.

An imported community often has only 党群服务站 (no 歇歇角), POIs of a few categories only,
or a grid drawn before its buildings are entered.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from support.planning_layout import Layout

from geo_app.cli import main
from layers.schema import POI_CATEGORIES


def base() -> Layout:
    """Two grids of a 1 km square; a 党群服务站 on the street, one building in each grid.

    B1 (200, 450) is 50 m from the street y = 500 and the station S1 is at (250, 500): a walk
    of 50 + 50 = 100 m. B2 (800, 450): 50 + 550 = 600 m.
    """
    return (
        Layout()
        .grid("G1", (0, 0, 500, 1000))
        .grid("G2", (500, 0, 1000, 1000))
        .station("S1", (250, 500), "G1")
        .building("B1", (200, 450), "G1", households=10, residents=30)
        .building("B2", (800, 450), "G2", households=20, residents=50)
        .path("P1", (0, 500), (1000, 500))
        .poi("M1", (300, 500), "便利店")
    )


def coverage(layout: Layout, tmp_path: Path, *args: str) -> dict:
    data = layout.write(tmp_path / "layers")
    result = CliRunner().invoke(main, ["coverage", "--data", str(data), "--threshold", "500",
                                       "--format", "json", *args])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_no_rest_post_is_reported_not_a_crash(tmp_path: Path) -> None:
    report = coverage(base(), tmp_path)
    rest = report["rest_post"]
    assert rest["network"]["buildings_covered"] == 0
    assert rest["network"]["residents"] == 80
    assert rest["network"]["residents_share"] == 0.0
    assert [b["building_id"] for b in rest["uncovered"]] == ["B1", "B2"]  # both unreachable
    assert all(b["distance_m"] is None for b in rest["uncovered"])
    assert any("没有歇歇角" in note for note in report["notes"])
    # The 党群服务站 figures are untouched: B1 walks 100 m, B2 600 m.
    assert report["network"]["buildings_covered"] == 1
    assert report["network"]["residents_covered"] == 30


def test_no_station_at_all_is_reported(tmp_path: Path) -> None:
    layout = base()
    layout.stations.clear()
    report = coverage(layout, tmp_path)
    assert report["network"]["buildings_covered"] == 0
    assert any("没有党群服务站" in note for note in report["notes"])
    assert any("没有歇歇角" in note for note in report["notes"])
    rule = {r["rule"]: r for r in report["rules"]}["grid_has_station"]
    assert [v["feature_id"] for v in rule["violations"]] == ["G1", "G2"]


def test_missing_poi_categories_are_named_and_reached_by_nobody(tmp_path: Path) -> None:
    report = coverage(base(), tmp_path)
    community = report["circle"]["community"]
    assert community["category_share"]["便利店"] == 1.0  # both within 1,000 m of M1
    assert community["category_share"]["药店"] == 0.0
    [note] = [n for n in report["notes"] if "便民设施" in n]
    missing = [c for c in POI_CATEGORIES if c != "便利店"]
    assert note.endswith("：" + "、".join(missing) + "。")
    assert community["grade"] == "未达标"


def test_no_pois_at_all(tmp_path: Path) -> None:
    layout = base()
    layout.pois.clear()
    report = coverage(layout, tmp_path)
    shares = report["circle"]["community"]["category_share"]
    assert set(shares.values()) == {0.0}


def test_a_grid_with_no_buildings_has_no_shares_and_is_named(tmp_path: Path) -> None:
    layout = base()
    layout.buildings.pop()  # G2 keeps no building
    report = coverage(layout, tmp_path)
    g2 = {g["grid_id"]: g for g in report["grids"]}["G2"]
    assert g2["network"]["buildings"] == 0
    assert g2["network"]["residents_share"] is None
    circle = {g["area_id"]: g for g in report["circle"]["grids"]}["G2"]
    assert circle["households"] == 0
    assert circle["grade"] == "未达标"
    assert any("G2（网格G2）" in note and "没有楼栋" in note for note in report["notes"])


def test_the_grid_csv_of_an_empty_kind_community_has_every_grid(tmp_path: Path) -> None:
    data = base().write(tmp_path / "layers")
    result = CliRunner().invoke(main, ["coverage", "--data", str(data), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 + 2 + 1  # header, G1, G2, total


def test_nothing_is_missing_in_the_sample(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notes"]
    assert not any("没有歇歇角" in n or "没有党群服务站" in n for n in notes)


def test_no_buildings_at_all(tmp_path: Path) -> None:
    layout = base()
    layout.buildings.clear()
    report = coverage(layout, tmp_path)
    assert report["network"]["buildings"] == 0
    assert report["network"]["residents_share"] is None
    assert report["siting"]["maximal_covering"]["exact"]["sites"] == []
    assert report["notes"][0].startswith("楼栋图层为空")
