"""The 15-minute convenience circle: which categories each building reaches on foot, and grades.

A category is reached when the walking distance to its nearest POI is at most the distance a
``CIRCLE_MINUTES`` walk covers at ``WALK_SPEED_KMH`` (1,000 m at the defaults). The grading rule
is documented in :mod:`geo_app.planning.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo_app.formats.numbers import published_metres
from geo_app.planning.coverage import grid_index, share
from geo_app.planning.settings import BELOW_GRADES, GradeRule
from layers.schema import BASIC_CATEGORIES, POI_CATEGORIES, QUALITY_CATEGORIES


@dataclass(frozen=True)
class AreaCircle:
    """A grid's or the community's circle: household shares per category, and its grade."""

    area_id: str
    name: str
    households: int
    category_share: dict[str, float | None]
    grade: str
    grade_share: dict[str, float | None]
    missing_basic: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "area_id": self.area_id,
            "name": self.name,
            "households": self.households,
            "category_share": self.category_share,
            "grade": self.grade,
            "grade_share": self.grade_share,
            "missing_basic": list(self.missing_basic),
        }


@dataclass(frozen=True)
class CircleReport:
    """The circle of every building, every grid and the whole community."""

    reach_m: float
    reached: pd.DataFrame  # one bool column per category, one row per building
    building_grades: tuple[str, ...]
    grids: tuple[AreaCircle, ...]
    community: AreaCircle

    def missing_basic(self) -> list[list[str]]:
        """For each building, the 基本保障类 categories it does not reach (one pass over the
        whole table: the planner's map lists them for tens of thousands of buildings)."""
        categories = list(BASIC_CATEGORIES)
        absent = ~self.reached[categories].to_numpy(dtype=bool)
        return [[c for c, gone in zip(categories, row, strict=True) if gone]
                for row in absent.tolist()]

    def as_dict(self) -> dict[str, object]:
        return {
            "reach_m": published_metres(self.reach_m),
            "community": self.community.as_dict(),
            "grids": [grid.as_dict() for grid in self.grids],
        }


def grade_of(reached: set[str] | frozenset[str], rules: Sequence[GradeRule]) -> str:
    """The highest grade whose rule (and every lower rule) ``reached`` meets."""
    grade = BELOW_GRADES
    for rule in rules:
        basic = sum(c in reached for c in BASIC_CATEGORIES)
        quality = sum(c in reached for c in QUALITY_CATEGORIES)
        groups_met = all(any(c in reached for c in group) for group in rule.groups)
        if not (groups_met and basic >= rule.min_basic and quality >= rule.min_quality):
            break
        grade = rule.grade
    return grade


def grades_of(reached: pd.DataFrame, rules: Sequence[GradeRule]) -> np.ndarray:
    """:func:`grade_of` for every row of ``reached`` (bool column per category) at once."""
    n = len(reached)

    def has(category: str) -> np.ndarray:
        if category in reached.columns:
            return reached[category].to_numpy(dtype=bool)
        return np.zeros(n, dtype=bool)

    basic = sum((has(c).astype(np.int64) for c in BASIC_CATEGORIES), np.zeros(n, np.int64))
    quality = sum((has(c).astype(np.int64) for c in QUALITY_CATEGORIES), np.zeros(n, np.int64))
    grades = np.full(n, BELOW_GRADES, dtype=object)
    still = np.ones(n, dtype=bool)  # met every rule so far
    for rule in rules:
        met = still & (basic >= rule.min_basic) & (quality >= rule.min_quality)
        for group in rule.groups:
            met &= np.logical_or.reduce([has(c) for c in group]) if group else False
        grades[met] = rule.grade
        still = met
    return grades


def circle_report(
    buildings: pd.DataFrame,
    grids: pd.DataFrame,
    category_m: Mapping[str, np.ndarray],
    *,
    reach_m: float,
    rules: Sequence[GradeRule],
    area_share: float,
) -> CircleReport:
    """Grade the circle from each building's walking distance to each category's nearest POI.

    Parameters
    ----------
    buildings
        Rows with ``grid_id`` and ``households``.
    grids
        Rows with ``id`` and ``name``.
    category_m
        Category → walking distance of each building to its nearest POI of that category
        (``inf`` when none is reached); a category absent here is reached by nobody.
    reach_m
        How far the circle's walk goes.
    rules
        Grade rules, lowest first.
    area_share
        An area "has" a category when at least this share of its households reach it.
    """
    n = len(buildings)
    reached = pd.DataFrame(
        {c: np.asarray(category_m.get(c, np.full(n, np.inf))) <= reach_m for c in POI_CATEGORIES},
        index=pd.RangeIndex(n),
    )
    grades = grades_of(reached, rules)
    households = buildings["households"].to_numpy(dtype=np.int64)
    grade_names = [BELOW_GRADES, *(rule.grade for rule in rules)]
    group = grid_index(buildings, grids)
    n_areas = len(grids) + 1  # the grids, then the whole community
    in_grid = group >= 0

    def per_area(mask: np.ndarray) -> np.ndarray:
        """Households where ``mask`` holds, per grid and (last) for the community."""
        weights = households * mask
        sums = np.bincount(group[in_grid], weights=weights[in_grid], minlength=n_areas)
        sums[-1] = weights.sum()
        return sums

    totals = per_area(np.ones(n, dtype=bool))
    category_sums = {c: per_area(reached[c].to_numpy()) for c in POI_CATEGORIES}
    grade_sums = {g: per_area(grades == g) for g in grade_names}

    def area(row: int, area_id: str, name: str) -> AreaCircle:
        total = int(totals[row])
        by_category = {c: share(category_sums[c][row], total) for c in POI_CATEGORIES}
        has = frozenset(c for c, s in by_category.items() if s is not None and s >= area_share)
        return AreaCircle(
            area_id=area_id,
            name=name,
            households=total,
            category_share=by_category,
            grade=grade_of(has, rules) if total else BELOW_GRADES,
            grade_share={g: share(grade_sums[g][row], total) for g in grade_names},
            missing_basic=tuple(c for c in BASIC_CATEGORIES if c not in has),
        )

    grid_rows = tuple(
        area(row, grid_id, name)
        for row, (grid_id, name) in enumerate(zip(grids["id"], grids["name"], strict=True))
    )
    return CircleReport(
        reach_m=reach_m,
        reached=reached,
        building_grades=tuple(grades.tolist()),
        grids=grid_rows,
        community=area(n_areas - 1, "community", "全社区"),
    )
