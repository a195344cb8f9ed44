"""The vectorised 应设尽设 rules against hand-worked answers and a per-feature reference.

The fixture breaks every rule once or twice; its expected violations are worked out from the
drawing below. The reference (``reference_*``) checks one feature at a time with plain shapely
calls, as the rules did before they were vectorised, and must agree on the fixture and on the
bundled sample.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from support.geo import HEFEI_METRIC as LOCAL_CRS
from support.geo import lonlat
from support.planning_layout import Layout

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.planning.rules import check_rules
from layers import Community, load_community

KIT = ("umbrella", "first_aid_kit", "power_bank", "sewing_kit")
KINDS = ("party_service_station", "rest_post")


def every_rule_broken() -> Layout:
    """A 1 km square community where each rule fires.

    G1 covers x 0–600, G2 x 500–1000 up to y 800: they overlap on 100 × 800 m = 80,000 m², and
    x 600–1000, y 800–1000 (400 × 200 m = 80,000 m²) is in no grid. G3 lies outside the
    boundary. Stations S1, S2 stand in G1, S3 in the gap: G2 and G3 have none.
    """
    return (
        Layout()
        .grid("G1", (0, 0, 600, 1000))
        .grid("G2", (500, 0, 1000, 800))
        .grid("G3", (0, 1000, 100, 1100))
        .station("S1", (250, 500), "G1",
                 items={"umbrella": 2, "first_aid_kit": 1, "power_bank": 1, "sewing_kit": 0})
        .station("S2", (300, 900), "G1", kind="rest_post", hours={})
        .station("S3", (800, 900), "G2",
                 hours={d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")})
        .building("B1", (200, 200), "G1")  # in G1, labelled G1: fine
        .building("B2", (550, 400), "G1")  # x 545–555: in G1 and in G2
        .building("B3", (800, 400), "G1")  # in G2, labelled G1
        .building("B4", (800, 900), "G2")  # in the gap
        .path("P1", (0, 500), (1000, 500))
    )


EXPECTED = {
    "grid_has_station": [("G2", "网格内没有党群服务站或歇歇角"),
                         ("G3", "网格内没有党群服务站或歇歇角")],
    "grids_no_overlap": [("G1", "与网格 G2 重叠 80,000 平方米")],
    "grids_no_gaps": [("C", "社区边界内有 80,000 平方米不属于任何网格")],
    "building_in_one_grid": [("B2", "跨越多个网格：G1、G2"),
                             ("B3", "所属网格记为 G1，但位于网格 G2 内"),
                             ("B4", "不在任何网格内")],
    "station_minimum_kit": [("S1", "缺少基本物资：针线盒")],
    "station_hours_given": [("S2", "未填写开放时间"),
                            ("S3", "未注明周六、周日的开放时间（休息请填 closed）")],
}


def found(community: Community) -> dict[str, list[tuple[str, str]]]:
    results = check_rules(community, crs=LOCAL_CRS, minimum_kit=KIT, grid_station_kinds=KINDS)
    return {r.rule: [(v.feature_id, v.message) for v in r.violations] for r in results}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Community:
    return load_community(every_rule_broken().write(tmp_path_factory.mktemp("broken")))


@pytest.fixture(scope="module")
def sample() -> Community:
    return load_community(BUNDLED_DATA_DIR)


def test_every_rule_fires_with_the_hand_worked_violations(broken: Community) -> None:
    assert found(broken) == EXPECTED


def test_violations_point_at_the_feature_in_lon_lat(broken: Community) -> None:
    results = {r.rule: r for r in check_rules(broken, crs=LOCAL_CRS, minimum_kit=KIT)}
    b4 = results["building_in_one_grid"].violations[-1]
    assert shapely.get_coordinates(b4.geometry.centroid)[0] == pytest.approx(lonlat(800, 900),
                                                                            abs=1e-6)
    gap = results["grids_no_gaps"].violations[0].geometry
    gap_m2 = gpd.GeoSeries([gap], crs="EPSG:4326").to_crs(LOCAL_CRS).area.iloc[0]
    assert gap_m2 == pytest.approx(80_000, rel=1e-3)
    overlap = results["grids_no_overlap"].violations[0].geometry
    assert overlap.contains(shapely.Point(lonlat(550, 400)))
    assert results["grid_has_station"].violations[1].geometry.contains(
        shapely.Point(lonlat(50, 1050)))


def reference_rules(community: Community) -> dict[str, set[tuple[str, str]]]:
    """The spatial rules feature by feature (the code before vectorising, in short)."""
    grids = community.grids.to_crs(LOCAL_CRS)
    stations = community.stations.to_crs(LOCAL_CRS)
    buildings = community.buildings.to_crs(LOCAL_CRS)
    boundary = community.boundary.to_crs(LOCAL_CRS)
    counted = stations[stations["kind"].isin(KINDS)].geometry
    out: dict[str, set[tuple[str, str]]] = {k: set() for k in EXPECTED if "station_" not in k}
    ids = list(grids["id"])
    for gid, polygon in zip(ids, grids.geometry, strict=True):
        if not any(polygon.intersects(p) for p in counted):
            out["grid_has_station"].add((gid, "网格内没有党群服务站或歇歇角"))
    for i, a in enumerate(grids.geometry):
        for j in range(i + 1, len(ids)):
            area = a.intersection(grids.geometry.iloc[j]).area
            if area > 1.0:
                out["grids_no_overlap"].add((ids[i], f"与网格 {ids[j]} 重叠 {area:,.0f} 平方米"))
    covered = shapely.union_all(list(grids.geometry))
    for bid, outline in zip(boundary["id"], boundary.geometry, strict=True):
        for gap in shapely.get_parts(outline.difference(covered)):
            if gap.area > 1.0:
                out["grids_no_gaps"].add(
                    (bid, f"社区边界内有 {gap.area:,.0f} 平方米不属于任何网格"))
    for bid, recorded, footprint in zip(buildings["id"], buildings["grid_id"],
                                        buildings.geometry, strict=True):
        inside = [g for g, p in zip(ids, grids.geometry, strict=True)
                  if footprint.intersection(p).area > 1.0]
        if not inside:
            out["building_in_one_grid"].add((bid, "不在任何网格内"))
        elif len(inside) > 1:
            out["building_in_one_grid"].add((bid, f"跨越多个网格：{'、'.join(inside)}"))
        elif inside[0] != recorded:
            out["building_in_one_grid"].add(
                (bid, f"所属网格记为 {recorded}，但位于网格 {inside[0]} 内"))
    return out


@pytest.mark.parametrize("which", ["broken", "sample"])
def test_vectorised_rules_agree_with_the_reference(which: str, request: pytest.FixtureRequest
                                                   ) -> None:
    community = request.getfixturevalue(which)
    got = found(community)
    for rule, expected in reference_rules(community).items():
        assert set(got[rule]) == expected, rule
        assert len(got[rule]) == len(expected), rule


def test_the_reference_agrees_with_the_hand_worked_answer(broken: Community) -> None:
    reference = reference_rules(broken)
    assert reference == {rule: set(EXPECTED[rule]) for rule in reference}
