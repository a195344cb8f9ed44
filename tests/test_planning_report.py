"""The report on a hand-built layout where every figure is worked out by hand.

Layout (metres, local frame; the walking network is the street and one compound lane):

    y=400        B3 ·(120,400)━━━━━━━━━━━━━━━━━━━━━━━━┓(700,400)      lane P2
                                                     ┃
    y=100  (0,100)━S1━B1━━━━━━━B2━━━━━━━━━━━━━━━━━━━(700,100)━━B4━━S2━━━━━(1200,100)  street P1
               x=100 (100)    (400)                          (800) (900)

S1 (党群服务站) at (100,100); S2 (歇歇角) at (900,100). Building entrances 20 m north of the
street, except B3's, 20 m west of the lane's end at (120,400). Walks to S1:
B1 = 20; B2 = 300 + 20 = 320; B4 = 700 + 20 = 720;
B3 = 600 (street) + 300 (lane up) + 580 (lane west) + 20 = 1,500, but only 300 m in a straight
line: at 500 m a buffer covers B3 and a walk does not.
"""

from __future__ import annotations

import numpy as np
import pytest
from support.geo import lonlat
from support.planning_layout import Layout

from geo_app.planning.measure import measure_distances
from geo_app.planning.report import planner_report
from geo_app.planning.settings import PlanningSettings
from geo_app.walking import prepare_community
from layers import load_community


def layout() -> Layout:
    return (
        Layout()
        .grid("G1", (0, 0, 500, 1000))
        .grid("G2", (500, 0, 1000, 1000))
        .path("P1", (0, 100), (700, 100), (1200, 100), kind="street")
        .path("P2", (700, 100), (700, 400), (120, 400), kind="internal")
        .station("S1", (100, 100), "G1")
        .station("S2", (900, 100), "G2", kind="rest_post")
        .building("B1", (100, 130), "G1", households=10, residents=30, entrance=(100, 120))
        .building("B2", (400, 130), "G1", households=12, residents=40, entrance=(400, 120))
        .building("B3", (100, 410), "G1", households=15, residents=50, entrance=(100, 400))
        .building("B4", (800, 130), "G2", households=8, residents=60, entrance=(800, 120))
        # Walks from B1 (20 m access + along the street): 便利店 975 + 20 = 995 ≤ 1,000 m;
        # 早餐店 990 + 20 = 1,010 m, just beyond a 15-minute walk at 4 km/h.
        .poi("Q1", (1075, 100), "便利店")
        .poi("Q2", (1090, 100), "早餐店")
    )


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    directory = layout().write(tmp_path_factory.mktemp("layout"))
    community = load_community(directory)
    network = prepare_community(community)
    return community, network, measure_distances(community, network)


def report_at(measured, threshold: float, **options):
    community, network, distances = measured
    return planner_report(community, network, distances, PlanningSettings(),
                          threshold_m=threshold, k=1, **options)


def test_walking_distances_match_the_hand_calculation(measured) -> None:
    _, _, distances = measured
    walk = distances.to_station["party_service_station"]
    np.testing.assert_allclose(walk, [20, 320, 1500, 720], atol=0.05)
    np.testing.assert_allclose(
        distances.line_to_station["party_service_station"],
        [20, np.hypot(300, 20), 300, np.hypot(700, 20)], atol=0.05,
    )
    # To S2 at (900, 100): B3 walks 20 + 580 + 300 to the T, then 200 east.
    np.testing.assert_allclose(distances.to_station["rest_post"], [820, 520, 1100, 120], atol=0.05)


def test_coverage_counts_by_walk_and_by_buffer(measured) -> None:
    report = report_at(measured, 500).as_dict()
    assert report["threshold_m"] == 500
    net, buf = report["network"], report["buffer"]
    assert (net["buildings"], net["buildings_covered"]) == (4, 2)  # B1, B2
    assert (net["households"], net["households_covered"]) == (45, 22)
    assert (net["residents"], net["residents_covered"]) == (180, 70)
    assert (buf["buildings_covered"], buf["households_covered"], buf["residents_covered"]) == (
        3, 37, 120)  # B1, B2 and B3
    grids = {g["grid_id"]: g for g in report["grids"]}
    assert grids["G1"]["network"]["buildings_covered"] == 2
    assert grids["G1"]["buffer"]["buildings_covered"] == 3
    assert grids["G2"]["network"]["residents_covered"] == 0
    assert [(u["building_id"], u["grid_id"], u["distance_m"]) for u in report["uncovered"]] == [
        ("B3", "G1", pytest.approx(1500, abs=0.1)), ("B4", "G2", pytest.approx(720, abs=0.1))]


def test_a_buffer_covers_a_building_a_walk_does_not_reach(measured) -> None:
    report = report_at(measured, 500).as_dict()
    assert [b["building_id"] for b in report["buffer_only"]] == ["B3"]
    # At 1,000 m the buffer reaches B4 as well, yet the walk to B3 is still 1,500 m.
    wide = report_at(measured, 1000).as_dict()
    assert wide["network"]["buildings_covered"] == 3
    assert wide["buffer"]["buildings_covered"] == 4


def test_rest_post_coverage_is_reported_separately(measured) -> None:
    rest = report_at(measured, 500).as_dict()["rest_post"]
    assert rest["network"]["buildings_covered"] == 1  # B4 (120 m); B2 is 520 m away


def test_category_reachability_at_the_fifteen_minute_edge(measured) -> None:
    circle = report_at(measured, 500).circle
    assert circle.reach_m == pytest.approx(1000)
    reached = circle.reached
    assert bool(reached.at[0, "便利店"]) is True  # 995 m
    assert bool(reached.at[0, "早餐店"]) is False  # 1,010 m
    assert bool(reached.at[1, "早餐店"]) is True  # B2: 690 + 20 = 710 m
    # Households of G1 reaching 早餐店: B2 (12) only, B3 is 1,500 + … away: 12 / 37.
    g1 = next(g for g in circle.grids if g.area_id == "G1")
    assert g1.category_share["早餐店"] == pytest.approx(12 / 37, abs=1e-4)
    assert "早餐店" in g1.missing_basic


def test_siting_at_path_intersections_keeps_the_station_and_lists_the_uncoverable(measured):
    # The only intersection is the T at (700, 100). It reaches B4 (100 + 20) but not B3 (900).
    siting = report_at(measured, 500).siting.as_dict()
    assert siting["candidates"] == 1
    mclp = siting["maximal_covering"]["exact"]
    assert mclp["sites"][0]["lon"] == pytest.approx(lonlat(700, 100)[0], abs=1e-7)
    assert mclp["covered_weight"] == 70 + 60  # S1's residents kept, B4 added
    assert mclp["proven_optimal"] is True
    assert siting["set_covering"]["uncoverable"] == ["B3"]
    assert len(siting["set_covering"]["exact"]["sites"]) == 1


def test_siting_with_a_planners_candidates(measured) -> None:
    # (400, 400) on the lane reaches B3 (280 + 20 = 300) but not B4 (720); (700, 100) the reverse.
    candidates = np.array([lonlat(700, 100), lonlat(400, 400)])
    siting = report_at(measured, 500, candidates_lonlat=candidates,
                       candidate_source="planner.geojson").siting.as_dict()
    assert siting["candidate_source"] == "planner.geojson"
    assert siting["maximal_covering"]["exact"]["selected"] == [0]  # B4 has 60 residents, B3 50
    assert siting["set_covering"]["exact"]["selected"] == [0, 1]
    assert siting["set_covering"]["uncoverable"] == []


def test_the_rules_flag_the_grid_without_a_station(measured) -> None:
    # G2 holds only the 歇歇角 S2, which counts by default; G1 holds S1.
    rules = {r.rule: r for r in report_at(measured, 500).rules}
    assert rules["grid_has_station"].passed


def test_the_rules_can_ask_for_a_party_station_in_every_grid(measured) -> None:
    community, network, distances = measured
    settings = PlanningSettings(grid_station_kinds=("party_service_station",))
    report = planner_report(community, network, distances, settings, threshold_m=500, k=1)
    rules = {r.rule: r for r in report.rules}
    assert [v.feature_id for v in rules["grid_has_station"].violations] == ["G2"]
