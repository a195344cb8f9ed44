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

from geo_app.planning.coverage import share
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

    def missing_basic(self, row: int) -> list[str]:
        """The 基本保障类 categories building ``row`` does not reach."""
        return [c for c in BASIC_CATEGORIES if not self.reached.at[row, c]]

    def as_dict(self) -> dict[str, object]:
        return {
            "reach_m": self.reach_m,
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
    grades = tuple(
        grade_of(frozenset(c for c in POI_CATEGORIES if row[c]), rules)
        for row in reached.to_dict("records")
    )
    households = buildings["households"].to_numpy(dtype=np.int64)
    grid_of = buildings["grid_id"].to_numpy(dtype=object)
    grade_names = [BELOW_GRADES, *(rule.grade for rule in rules)]

    def area(area_id: str, name: str, inside: np.ndarray) -> AreaCircle:
        weight = households[inside]
        total = int(weight.sum())
        by_category = {
            c: share(weight[reached[c].to_numpy()[inside]].sum(), total) for c in POI_CATEGORIES
        }
        has = frozenset(c for c, s in by_category.items() if s is not None and s >= area_share)
        area_grades = np.asarray(grades, dtype=object)[inside]
        return AreaCircle(
            area_id=area_id,
            name=name,
            households=total,
            category_share=by_category,
            grade=grade_of(has, rules) if total else BELOW_GRADES,
            grade_share={g: share(weight[area_grades == g].sum(), total) for g in grade_names},
            missing_basic=tuple(c for c in BASIC_CATEGORIES if c not in has),
        )

    grid_rows = tuple(
        area(grid_id, name, grid_of == grid_id)
        for grid_id, name in zip(grids["id"], grids["name"], strict=True)
    )
    return CircleReport(
        reach_m=reach_m,
        reached=reached,
        building_grades=grades,
        grids=grid_rows,
        community=area("community", "全社区", np.ones(n, dtype=bool)),
    )

