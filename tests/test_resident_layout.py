"""The tiny gated layout (support.resident_layout), the plan frames and the walking reference."""

from __future__ import annotations

import pytest
from support.geo import SamplePlan, lonlat, plan_xy
from support.oracle import reference_walk_m
from support.resident_layout import layout_lines_xy, write_gated_layout

from layers import validate_directory


def test_layout_is_a_valid_community(tmp_path):
    assert validate_directory(write_gated_layout(tmp_path / "layout")) == []


def test_reference_walk_matches_hand_computed_detours():
    # Just inside the north fence, to PS-B just outside it: down the internal road (12 + 180),
    # out of the gate (20), west along 金宁路 (200), up 西街 (240), east along 北街 (100), and
    # the station's 10 m access: 762 m, against about 108 m in a straight line.
    assert reference_walk_m(layout_lines_xy(), (200, 212), (100, 250)) == pytest.approx(762)
    # Just outside the fence, at (180, 232), to PS-A inside:
    # 8 + 180 + 240 + 200 + 20 + 80 + 70 + 10.
    assert reference_walk_m(layout_lines_xy(), (180, 232), (270, 110)) == pytest.approx(808)


def test_sample_plan_round_trip_is_exact_to_centimetres():
    plan = SamplePlan()
    assert plan.xy(*plan.lonlat(-310, 230)) == pytest.approx((-310, 230), abs=0.02)


def test_plan_round_trip_is_exact_to_millimetres():
    x, y = plan_xy(*lonlat(123.0, -45.0))
    assert (x, y) == pytest.approx((123.0, -45.0), abs=1e-3)
