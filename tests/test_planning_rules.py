"""应设尽设 rules on hand-built layouts: each passes on a clean layout and fires when broken."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.geo import HEFEI_METRIC
from support.planning_layout import Layout

from geo_app.planning.rules import check_rules
from layers import load_community

KIT = ("umbrella", "first_aid_kit", "power_bank", "sewing_kit")


def clean_layout() -> Layout:
    """Two grids splitting a 1 km square, a station in each, one building in each."""
    return (
        Layout()
        .grid("G1", (0, 0, 500, 1000))
        .grid("G2", (500, 0, 1000, 1000))
        .station("S1", (250, 500), "G1")
        .station("S2", (750, 500), "G2")
        .building("B1", (200, 200), "G1")
        .building("B2", (800, 200), "G2")
        .path("P1", (0, 500), (1000, 500))
    )


def rules_of(layout: Layout, tmp_path: Path, **options: object) -> dict[str, list[tuple[str, str]]]:
    community = load_community(layout.write(tmp_path / "layers"))
    results = check_rules(community, crs=HEFEI_METRIC, minimum_kit=KIT, **options)
    return {r.rule: [(v.feature_id, v.message) for v in r.violations] for r in results}


def test_a_clean_layout_passes_every_rule(tmp_path: Path) -> None:
    found = rules_of(clean_layout(), tmp_path)
    assert set(found) == {
        "grid_has_station", "grids_no_overlap", "grids_no_gaps", "building_in_one_grid",
        "station_minimum_kit", "station_hours_given",
    }
    assert all(not violations for violations in found.values()), found


def test_grid_without_a_station_is_listed(tmp_path: Path) -> None:
    layout = clean_layout()
    layout.stations[1]["at"] = (400, 500)  # S2 moves into G1: G2 has none
    found = rules_of(layout, tmp_path)
    assert found["grid_has_station"] == [("G2", "网格内没有党群服务站或歇歇角")]


def test_a_rest_post_counts_unless_only_party_stations_are_asked_for(tmp_path: Path) -> None:
    layout = clean_layout()
    layout.stations[1]["kind"] = "rest_post"
    assert rules_of(layout, tmp_path / "a")["grid_has_station"] == []
    found = rules_of(layout, tmp_path / "b", grid_station_kinds=["party_service_station"])
    assert found["grid_has_station"] == [("G2", "网格内没有党群服务站")]


def test_overlapping_grids_are_listed_with_the_overlap_area(tmp_path: Path) -> None:
    layout = clean_layout()
    layout.grids[0]["box"] = (0, 0, 600, 1000)  # overlaps G2 on a 100 m × 1,000 m strip
    found = rules_of(layout, tmp_path)
    [(grid_id, message)] = found["grids_no_overlap"]
    assert grid_id == "G1"
    assert "G2" in message
    area = float(message.split("重叠 ")[1].split(" 平方米")[0].replace(",", ""))
    assert area == pytest.approx(100_000, rel=1e-3)
    assert not found["grids_no_gaps"]


def test_a_gap_inside_the_boundary_is_listed(tmp_path: Path) -> None:
    layout = clean_layout()
    layout.grids[0]["box"] = (0, 0, 400, 1000)  # leaves x 400–500 to no grid: 100,000 m²
    found = rules_of(layout, tmp_path)
    [(boundary_id, message)] = found["grids_no_gaps"]
    assert boundary_id == "C"
    area = float(message.split("有 ")[1].split(" 平方米")[0].replace(",", ""))
    assert area == pytest.approx(100_000, rel=1e-3)
    assert not found["grids_no_overlap"]


def test_buildings_outside_across_or_mislabelled_are_listed(tmp_path: Path) -> None:
    layout = clean_layout()
    layout.grids[0]["box"] = (0, 0, 400, 1000)
    layout.building("B3", (250, 800), "G2")  # inside G1 but labelled G2
    layout.building("B4", (500, 800), "G2", half=20)  # x 480–520: in the gap and in G2
    layout.building("B5", (450, 300), "G1")  # entirely in the gap
    found = dict(rules_of(layout, tmp_path)["building_in_one_grid"])
    # B4 lies partly in the gap (480–500) and partly in G2 (500–520): one grid, and it agrees.
    assert found == {"B3": "所属网格记为 G2，但位于网格 G1 内", "B5": "不在任何网格内"}


def test_a_building_across_two_grids_is_listed(tmp_path: Path) -> None:
    layout = clean_layout().building("B3", (500, 800), "G1", half=20)
    found = dict(rules_of(layout, tmp_path)["building_in_one_grid"])
    assert found == {"B3": "跨越多个网格：G1、G2"}


def test_stations_lacking_kit_are_listed_with_the_items(tmp_path: Path) -> None:
    layout = clean_layout()
    layout.stations[0]["items"] = {"umbrella": 5, "first_aid_kit": 1, "power_bank": 0}
    found = rules_of(layout, tmp_path)
    assert found["station_minimum_kit"] == [("S1", "缺少基本物资：充电宝、针线盒")]


def test_current_stock_overrides_the_layer(tmp_path: Path) -> None:
    stock = {"S1": {"umbrella": 0, "first_aid_kit": 1, "power_bank": 1, "sewing_kit": 1},
             "S2": {"umbrella": 1, "first_aid_kit": 1, "power_bank": 1, "sewing_kit": 1}}
    found = rules_of(clean_layout(), tmp_path, stock=stock)
    assert found["station_minimum_kit"] == [("S1", "缺少基本物资：雨伞")]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("24h", []),
        ({}, [("S1", "未填写开放时间")]),
        ({"mon": "closed", "tue": "closed", "wed": "closed", "thu": "closed", "fri": "closed",
          "sat": "closed", "sun": "closed"}, []),
        ({d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
         [("S1", "未注明周六、周日的开放时间（休息请填 closed）")]),
    ],
)
def test_station_hours_must_be_given(tmp_path: Path, hours: object, expected: list) -> None:
    layout = clean_layout()
    layout.stations[0]["hours"] = hours
    assert rules_of(layout, tmp_path)["station_hours_given"] == expected
