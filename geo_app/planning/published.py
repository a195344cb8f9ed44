"""The planners' report as it is published: the JSON with every proposed site named (the road
or crossing it is near, its 小区 and grid) and what it adds, and the coverage targets — the
same from ``geo-app coverage`` and from ``/planner/report.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geo_app.planning.errors import BadParameterError
from geo_app.planning.places import PlaceNamer
from geo_app.planning.report import PlannerReport
from geo_app.planning.whatif import site_summaries
from layers import Community

SiteKey = tuple[str, str]
NamedSites = dict[SiteKey, list[dict[str, Any]]]


def coverage_targets(raw: object) -> tuple[float, ...]:
    """Configured targets (shares, ascending), checked (config ``COVERAGE_TARGETS``)."""
    try:
        targets = tuple(float(t) for t in raw)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        targets = ()
    if not targets or any(not 0 < t <= 1 for t in targets) or list(targets) != sorted(targets):
        msg = f"COVERAGE_TARGETS 应为 0–1 之间、由小到大的比例，如 [0.85, 0.99]，实际为 {raw!r}"
        raise BadParameterError(msg, parameter="COVERAGE_TARGETS")
    return targets


def name_sites(report: PlannerReport, community: Community, namer: PlaceNamer) -> NamedSites:
    """Each answer's sites with ``near`` and ``gain``: (problem, method) → sites."""
    siting = report.siting
    if siting.reach is None:
        msg = "选址结果缺少 楼栋 × 候选点 可达矩阵，无法计算各站点的新增覆盖"
        raise ValueError(msg)
    answers = {
        ("maximal_covering", "exact"): siting.maximal,
        ("maximal_covering", "greedy"): siting.maximal_greedy,
        ("set_covering", "exact"): siting.covering,
        ("set_covering", "greedy"): siting.covering_greedy,
    }
    return {
        key: site_summaries(community, namer, siting.sites(answer), reach=siting.reach)
        for key, answer in answers.items()
    }


def shown_method(report: PlannerReport, problem: str) -> str:
    """Which answer the report shows for ``problem``: "exact", or "greedy" when the exact solve
    was stopped by its time limit with a worse answer."""
    siting = report.siting
    if problem == "maximal_covering":
        return "exact" if siting.shown_maximal is siting.maximal else "greedy"
    return "exact" if siting.shown_covering is siting.covering else "greedy"


def report_data(
    report: PlannerReport, named: Mapping[SiteKey, Sequence[dict[str, Any]]],
    targets: Sequence[float],
) -> dict[str, Any]:
    """:meth:`PlannerReport.as_dict` with the named sites and the targets."""
    data = report.as_dict()
    for (problem, method), sites in named.items():
        data["siting"][problem][method]["sites"] = list(sites)  # type: ignore[index]
    data["targets"] = list(targets)
    return data
