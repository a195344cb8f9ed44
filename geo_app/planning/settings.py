"""The planners' parameters: defaults here, overridable in the Flask configuration.

The 15-minute circle is graded after 商务部《城市一刻钟便民生活圈建设指南》: the guide asks first
for "一店一早、一菜一修" (便利店, 早餐店, 菜市场 or 生鲜超市/菜店, 维修点) and then "一老一小"
(养老服务, 托育服务), and grades circles 基础型 / 提升型 / 品质型 by how many categories a
15-minute walk reaches. Our rule, each level including the one below:

* 基础型: every "一店一早、一菜一修" group and at least ``min_basic`` (8) of the 12 基本保障类;
* 提升型: also "一老一小" and at least 10 基本保障类;
* 品质型: all 12 基本保障类 and at least 4 of the 6 品质提升类.

Below 基础型 a building is "未达标". The thresholds live in ``CIRCLE_GRADES``
(:mod:`geo_app.config`, like every default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from geo_app.config import DEFAULTS
from geo_app.formats.numbers import decimal_number, integer_number
from geo_app.planning.errors import BadParameterError
from layers.quoting import quoted
from layers.schema import ITEM_LABELS, STATION_KINDS

#: Bounds a planner's parameters must respect.
MIN_THRESHOLD_M = 50.0
MAX_THRESHOLD_M = 5000.0
MAX_K = 50
BELOW_GRADES = "未达标"


@dataclass(frozen=True)
class GradeRule:
    """One level of the 15-minute circle: groups (one category of each needed) and counts."""

    grade: str
    groups: tuple[tuple[str, ...], ...] = ()
    min_basic: int = 0
    min_quality: int = 0


@dataclass(frozen=True)
class PlanningSettings:
    """Every parameter of the planners' analyses."""

    thresholds_m: tuple[float, ...] = tuple(map(float, DEFAULTS["COVERAGE_THRESHOLDS_M"]))
    walk_speed_kmh: float = DEFAULTS["WALK_SPEED_KMH"]
    circle_minutes: float = DEFAULTS["CIRCLE_MINUTES"]
    minimum_kit: tuple[str, ...] = tuple(DEFAULTS["MINIMUM_KIT"])
    isochrone_buffer_m: float = DEFAULTS["ISOCHRONE_BUFFER_M"]
    grid_station_kinds: tuple[str, ...] = tuple(DEFAULTS["GRID_STATION_KINDS"])
    area_share: float = DEFAULTS["CIRCLE_AREA_SHARE"]
    grades: tuple[GradeRule, ...] = field(
        default_factory=lambda: grade_rules(DEFAULTS["CIRCLE_GRADES"])
    )
    siting_k: int = DEFAULTS["SITING_K"]
    siting_time_limit_s: float = DEFAULTS["SITING_TIME_LIMIT_S"]
    max_attach_m: float = DEFAULTS["MAX_ATTACH_M"]
    uncovered_rows: int = DEFAULTS["PLANNER_UNCOVERED_ROWS"]

    @property
    def circle_reach_m(self) -> float:
        """How far a walk of ``circle_minutes`` at ``walk_speed_kmh`` goes, in metres."""
        return self.walk_speed_kmh * 1000.0 / 60.0 * self.circle_minutes


def settings_from_config(config: Mapping[str, Any]) -> PlanningSettings:
    """Read the planners' settings from a configuration mapping (defaults where absent)."""

    def get(key: str) -> Any:
        return config.get(key, DEFAULTS[key])

    kit = tuple(get("MINIMUM_KIT"))
    unknown = [item for item in kit if item not in ITEM_LABELS]
    if unknown:
        msg = f"MINIMUM_KIT 含未知物资 {unknown}（可选：{'、'.join(ITEM_LABELS)}）"
        raise BadParameterError(msg, parameter="MINIMUM_KIT")
    thresholds = tuple(
        validate_threshold(t, parameter="COVERAGE_THRESHOLDS_M")
        for t in get("COVERAGE_THRESHOLDS_M")
    )
    return PlanningSettings(
        thresholds_m=thresholds,
        walk_speed_kmh=_positive(get("WALK_SPEED_KMH"), "WALK_SPEED_KMH"),
        circle_minutes=_positive(get("CIRCLE_MINUTES"), "CIRCLE_MINUTES"),
        minimum_kit=kit,
        isochrone_buffer_m=_positive(get("ISOCHRONE_BUFFER_M"), "ISOCHRONE_BUFFER_M"),
        grid_station_kinds=_station_kinds(get("GRID_STATION_KINDS")),
        area_share=_share_setting(get("CIRCLE_AREA_SHARE")),
        grades=grade_rules(get("CIRCLE_GRADES")),
        siting_k=validate_k(get("SITING_K"), parameter="SITING_K"),
        siting_time_limit_s=_positive(get("SITING_TIME_LIMIT_S"), "SITING_TIME_LIMIT_S"),
        max_attach_m=_positive(get("MAX_ATTACH_M"), "MAX_ATTACH_M"),
        uncovered_rows=positive_int(get("PLANNER_UNCOVERED_ROWS"), "PLANNER_UNCOVERED_ROWS"),
    )


def grade_rules(raw: Sequence[Mapping[str, Any]]) -> tuple[GradeRule, ...]:
    """Grade rules from configuration dictionaries, lowest grade first."""
    try:
        return tuple(
            GradeRule(
                grade=str(rule["grade"]),
                groups=tuple(tuple(group) for group in rule.get("groups", ())),
                min_basic=int(rule.get("min_basic", 0)),
                min_quality=int(rule.get("min_quality", 0)),
            )
            for rule in raw
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        msg = (f"CIRCLE_GRADES 应为等级规则列表（每条含 grade，可含 groups、min_basic、"
               f"min_quality），实际为 {raw!r}")
        raise BadParameterError(msg, parameter="CIRCLE_GRADES") from None


N = TypeVar("N", int, float)


def validate_threshold(value: Any, *, parameter: str = "threshold", label: str = "") -> float:
    """A walking threshold in metres, between 50 and 5,000 (``label``: the words a page's
    form shows for it, named in the message before the parameter)."""
    return _in_range(_decimal, value, parameter, MIN_THRESHOLD_M, MAX_THRESHOLD_M,
                     kind="以米计的数值", unit=" 米", label=label)


def validate_k(value: Any, *, parameter: str = "k", label: str = "") -> int:
    """How many new sites to propose: an integer from 1 to 50 (``label`` as above)."""
    return _in_range(_whole, value, parameter, 1, MAX_K, kind="整数", label=label)


def _decimal(value: Any) -> float:
    """A number as written ("500", "５００", 500), never "1_000"."""
    return decimal_number(value) if isinstance(value, str) else float(value)


def _whole(value: Any) -> int:
    """An integer as written ("3", "03", "+3", "３", 3, 3.0), never a truncated "2.5" or 2.5,
    nor "1e1" or "1_0"."""
    if isinstance(value, str):
        return integer_number(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


def _in_range(
    parse: Callable[[Any], N], value: Any, parameter: str, low: float, high: float, *,
    kind: str, unit: str = " ", label: str = "",
) -> N:
    """``parse(value)`` if it lies in ``[low, high]``; otherwise a BadParameterError that says
    what was expected (``kind``) and what came, naming ``label（parameter）`` when labelled."""
    name = f"{label}（{parameter}）" if label else f"{parameter} "
    try:
        number = parse(value)
    except (TypeError, ValueError):
        msg = f"{name}应为{kind}，实际为 {quoted(value)}"
        raise BadParameterError(msg, parameter=parameter) from None
    if not low <= number <= high:
        msg = f"{name}应在 {low:g}–{high:g}{unit}之间，实际为 {quoted(value)}"
        raise BadParameterError(msg, parameter=parameter)
    return number


def _share_setting(value: Any) -> float:
    share = _positive(value, "CIRCLE_AREA_SHARE")
    if share > 1:
        msg = f"CIRCLE_AREA_SHARE 应在 0–1 之间，实际为 {value!r}"
        raise BadParameterError(msg, parameter="CIRCLE_AREA_SHARE")
    return share


def _station_kinds(value: Any) -> tuple[str, ...]:
    kinds = tuple(value)
    unknown = [kind for kind in kinds if kind not in STATION_KINDS]
    if unknown or not kinds:
        msg = f"GRID_STATION_KINDS 应为 {'、'.join(STATION_KINDS)} 中的一个或多个，实际为 {value!r}"
        raise BadParameterError(msg, parameter="GRID_STATION_KINDS")
    return kinds


def positive_int(value: Any, parameter: str) -> int:
    """A setting that counts something (rows, pages): a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{parameter} 应为正整数，实际为 {value!r}"
        raise BadParameterError(msg, parameter=parameter)
    return value


def _positive(value: Any, parameter: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0:
        msg = f"{parameter} 应为正数，实际为 {value!r}"
        raise BadParameterError(msg, parameter=parameter)
    return number
