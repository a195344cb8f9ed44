"""15-minute circle grades and household shares, and the planners' settings, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_app.planning.circle import circle_report, grade_of
from geo_app.planning.errors import BadParameterError
from geo_app.planning.settings import PlanningSettings, settings_from_config
from layers.schema import BASIC_CATEGORIES, QUALITY_CATEGORIES

RULES = PlanningSettings().grades
PRIORITY = {"便利店", "早餐店", "菜市场", "维修点"}


def test_grades_follow_the_documented_rule() -> None:
    assert grade_of(set(), RULES) == "未达标"
    # 一店一早、一菜一修 and 8 basic categories: 基础型.
    eight = PRIORITY | {"综合超市", "药店", "洗染店", "美容美发店"}
    assert grade_of(eight, RULES) == "基础型"
    # 11 basic categories but no 维修点 (一修): below 基础型.
    assert grade_of(set(BASIC_CATEGORIES) - {"维修点"}, RULES) == "未达标"
    # 生鲜超市/菜店 stands in for 菜市场 in the 一菜 group.
    assert grade_of(eight - {"菜市场"} | {"生鲜超市/菜店"}, RULES) == "基础型"
    ten = eight | {"照相文印店", "家政服务点"}
    assert grade_of(ten, RULES) == "基础型"  # no 一老一小 yet
    assert grade_of(ten | {"养老服务", "托育服务"}, RULES) == "提升型"
    full = set(BASIC_CATEGORIES) | {"养老服务", "托育服务"}
    assert grade_of(full, RULES) == "提升型"  # 2 quality categories, 4 needed
    assert grade_of(full | {"书店", "健身场所"}, RULES) == "品质型"
    # 品质型 without 一老一小 is not reached: each level includes the one below.
    assert grade_of(set(BASIC_CATEGORIES) | set(QUALITY_CATEGORIES[:4]), RULES) == "基础型"


def test_household_shares_and_area_grade() -> None:
    buildings = pd.DataFrame({"grid_id": ["A", "A", "B"], "households": [30, 10, 60]})
    grids = pd.DataFrame({"id": ["A", "B"], "name": ["甲", "乙"]})
    near, far = 500.0, np.inf
    distances = {c: np.array([near, near, near]) for c in BASIC_CATEGORIES}
    distances["维修点"] = np.array([near, far, far])  # 30 of A's 40 households, none in B
    report = circle_report(buildings, grids, distances, reach_m=1000, rules=RULES, area_share=0.7)
    a, b = report.grids
    assert a.category_share["维修点"] == 0.75
    assert b.category_share["维修点"] == 0.0
    assert report.community.category_share["维修点"] == 0.3  # 30 / 100
    assert a.grade == "基础型"  # 75% ≥ 70% reach every basic category
    assert b.grade == "未达标" and b.missing_basic == ("维修点",)
    assert report.building_grades == ("基础型", "未达标", "未达标")
    assert report.missing_basic() == [[], ["维修点"], ["维修点"]]  # what each building lacks
    assert a.grade_share == {"未达标": 0.25, "基础型": 0.75, "提升型": 0.0, "品质型": 0.0}


def test_the_walk_reaches_the_configured_distance() -> None:
    assert PlanningSettings().circle_reach_m == pytest.approx(1000)
    assert PlanningSettings(walk_speed_kmh=3.0).circle_reach_m == pytest.approx(750)


@pytest.mark.parametrize(
    ("override", "parameter"),
    [
        ({"MINIMUM_KIT": ["umbrella", "teapot"]}, "MINIMUM_KIT"),
        ({"WALK_SPEED_KMH": 0}, "WALK_SPEED_KMH"),
        ({"COVERAGE_THRESHOLDS_M": [300, "far"]}, "COVERAGE_THRESHOLDS_M"),
        ({"CIRCLE_AREA_SHARE": 1.5}, "CIRCLE_AREA_SHARE"),
        ({"GRID_STATION_KINDS": ["kiosk"]}, "GRID_STATION_KINDS"),
        ({"PLANNER_UNCOVERED_ROWS": 0}, "PLANNER_UNCOVERED_ROWS"),
        ({"PLANNER_UNCOVERED_ROWS": "200"}, "PLANNER_UNCOVERED_ROWS"),
        ({"PLANNER_UNCOVERED_ROWS": 2.5}, "PLANNER_UNCOVERED_ROWS"),
    ],
)
def test_bad_settings_name_the_setting(override: dict, parameter: str) -> None:
    with pytest.raises(BadParameterError, match=parameter) as caught:
        settings_from_config(override)
    assert caught.value.parameter == parameter


def test_settings_default_from_the_module() -> None:
    settings = settings_from_config({})
    assert settings.thresholds_m == (300.0, 500.0, 1000.0)
    assert settings.minimum_kit == ("umbrella", "first_aid_kit", "power_bank", "sewing_kit")
