"""The planners' report: coverage, 应设尽设 rules, the 15-minute circle and siting, together.

:func:`planner_report` assembles it from distances measured once (:mod:`.measure`); its
:meth:`PlannerReport.as_dict` is what the page, the downloads and ``geo-app coverage`` show.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from geo_app.planning.circle import CircleReport, circle_report
from geo_app.planning.coverage import CoverageReport, coverage_curve, coverage_report
from geo_app.planning.measure import CommunityDistances
from geo_app.planning.rules import RuleResult, check_rules
from geo_app.planning.settings import PlanningSettings
from geo_app.planning.siting import (
    CoveringProblem,
    SitingAnswer,
    greedy_maximal_covering,
    greedy_set_covering,
    maximal_covering,
    path_intersections,
    set_covering,
)
from geo_app.walking import (
    Isochrone,
    PointTooFarError,
    PreparedNetwork,
    attach,
    distance_matrix,
    isochrone,
)
from layers import Community
from layers.schema import STATION_KINDS

PARTY = "party_service_station"
#: Thresholds of the coverage chart, in metres.
CURVE_STEP_M = 100.0
CURVE_MAX_M = 1500.0


@dataclass(frozen=True)
class SitingResult:
    """Proposed new 党群服务站 sites at one threshold, exact and greedy, keeping existing ones."""

    threshold_m: float
    k: int
    candidate_source: str
    candidates_lonlat: np.ndarray
    maximal: SitingAnswer
    maximal_greedy: SitingAnswer
    covering: SitingAnswer
    covering_greedy: SitingAnswer
    uncoverable: tuple[str, ...]
    residents: int
    residents_covered_now: int
    solve_seconds: float

    def sites(self, answer: SitingAnswer) -> list[dict[str, float | int]]:
        return [
            {"candidate": j, "lon": float(self.candidates_lonlat[j, 0]),
             "lat": float(self.candidates_lonlat[j, 1])}
            for j in answer.selected
        ]

    def as_dict(self) -> dict[str, object]:
        def answer(a: SitingAnswer) -> dict[str, object]:
            return {**a.as_dict(), "sites": self.sites(a)}

        exact_new = self.maximal.covered_weight - self.residents_covered_now
        gap_residents = self.maximal.covered_weight - self.maximal_greedy.covered_weight
        return {
            "threshold_m": self.threshold_m,
            "k": self.k,
            "candidate_source": self.candidate_source,
            "candidates": len(self.candidates_lonlat),
            "residents": self.residents,
            "residents_covered_now": self.residents_covered_now,
            "maximal_covering": {
                "exact": answer(self.maximal),
                "greedy": answer(self.maximal_greedy),
                "gap_residents": gap_residents,
                "gap_share": round(gap_residents / exact_new, 4) if exact_new else 0.0,
            },
            "set_covering": {
                "exact": answer(self.covering),
                "greedy": answer(self.covering_greedy),
                "gap_sites": len(self.covering_greedy.selected) - len(self.covering.selected),
                "uncoverable": list(self.uncoverable),
            },
            "solve_seconds": round(self.solve_seconds, 3),
        }


@dataclass(frozen=True)
class PlannerReport:
    """Everything the planner page shows for one threshold and one k."""

    threshold_m: float
    coverage: dict[str, CoverageReport]
    at_thresholds: list[dict[str, object]]
    curve: list[dict[str, float | None]]
    rules: list[RuleResult]
    circle: CircleReport
    siting: SitingResult
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def stations(self) -> CoverageReport:
        return self.coverage[PARTY]

    def as_dict(self) -> dict[str, object]:
        main = self.stations.as_dict()
        return {
            "threshold_m": self.threshold_m,
            "station_kind": PARTY,
            "network": main["network"],
            "buffer": main["buffer"],
            "grids": main["grids"],
            "uncovered": main["uncovered"],
            "buffer_only": main["buffer_only"],
            "rest_post": self.coverage["rest_post"].as_dict(),
            "at_thresholds": self.at_thresholds,
            "curve": self.curve,
            "rules": [rule.as_dict() for rule in self.rules],
            "circle": self.circle.as_dict(),
            "siting": self.siting.as_dict(),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def planner_report(
    community: Community,
    network: PreparedNetwork,
    distances: CommunityDistances,
    settings: PlanningSettings,
    *,
    threshold_m: float,
    k: int,
    candidates_lonlat: np.ndarray | None = None,
    candidate_source: str = "",
    stock: Mapping[str, Mapping[str, int]] | None = None,
) -> PlannerReport:
    """Assemble the report at ``threshold_m``, proposing ``k`` sites by maximal covering."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    buildings, grids = community.buildings, community.grids
    coverage = coverage_at(community, distances, threshold_m)
    residents = buildings["residents"].to_numpy()
    walk, line = distances.to_station[PARTY], distances.line_to_station[PARTY]
    at_thresholds = [
        {"threshold_m": t, **{kind: {"network": c.network.as_dict(), "buffer": c.buffer.as_dict()}
                              for kind, c in coverage_at(community, distances, t).items()}}
        for t in settings.thresholds_m
    ]
    steps = np.arange(CURVE_STEP_M, CURVE_MAX_M + 1, CURVE_STEP_M).tolist()
    curve = coverage_curve(walk, line, residents, sorted({*steps, *settings.thresholds_m}))
    seconds["coverage"] = time.perf_counter() - started

    started = time.perf_counter()
    rules = check_rules(
        community, crs=network.network.crs, minimum_kit=settings.minimum_kit, stock=stock,
        grid_station_kinds=settings.grid_station_kinds,
    )
    seconds["rules"] = time.perf_counter() - started

    started = time.perf_counter()
    circle = circle_report(
        buildings, grids, distances.to_category, reach_m=settings.circle_reach_m,
        rules=settings.grades, area_share=settings.area_share,
    )
    seconds["circle"] = time.perf_counter() - started

    started = time.perf_counter()
    if candidates_lonlat is None:
        candidates_lonlat = default_candidates(community)
        candidate_source = candidate_source or "社区内路网交叉口"
    siting = propose_sites(
        community, network, distances, candidates_lonlat, threshold_m=threshold_m, k=k,
        settings=settings, candidate_source=candidate_source,
    )
    seconds["siting"] = time.perf_counter() - started
    return PlannerReport(
        threshold_m=threshold_m, coverage=coverage, at_thresholds=at_thresholds, curve=curve,
        rules=rules, circle=circle, siting=siting, seconds=seconds,
    )


def coverage_at(
    community: Community, distances: CommunityDistances, threshold_m: float
) -> dict[str, CoverageReport]:
    """Coverage of each kind of station at ``threshold_m``."""
    return {
        kind: coverage_report(
            community.buildings, community.grids, distances.to_station[kind],
            distances.line_to_station[kind], threshold_m=threshold_m, station_kind=kind,
        )
        for kind in STATION_KINDS
    }


def default_candidates(community: Community) -> np.ndarray:
    """Path intersections inside the community boundary, lon/lat."""
    boundary = community.boundary.geometry.union_all()
    return path_intersections(community.paths.geometry.to_numpy(), boundary)


def propose_sites(
    community: Community,
    network: PreparedNetwork,
    distances: CommunityDistances,
    candidates_lonlat: np.ndarray,
    *,
    threshold_m: float,
    k: int,
    settings: PlanningSettings,
    candidate_source: str,
) -> SitingResult:
    """Maximal and set covering for new 党群服务站, exact and greedy, existing stations kept."""
    started = time.perf_counter()
    candidates = attach(network, candidates_lonlat, max_attach_m=settings.max_attach_m)
    matrix = distance_matrix(network, distances.buildings, candidates, max_distance_m=threshold_m)
    residents = community.buildings["residents"].to_numpy(dtype=float)
    covered_now = distances.to_station[PARTY] <= threshold_m
    problem = CoveringProblem.from_distances(
        matrix, threshold_m=threshold_m, weights=residents, already_covered=covered_now
    )
    limit = settings.siting_time_limit_s
    ids = community.buildings["id"].to_numpy(dtype=object)
    return SitingResult(
        threshold_m=threshold_m,
        k=k,
        candidate_source=candidate_source,
        candidates_lonlat=np.asarray(candidates_lonlat, dtype=float).reshape(-1, 2),
        maximal=maximal_covering(problem, k, time_limit_s=limit),
        maximal_greedy=greedy_maximal_covering(problem, k),
        covering=set_covering(problem, time_limit_s=limit),
        covering_greedy=greedy_set_covering(problem),
        uncoverable=tuple(str(i) for i in ids[problem.uncoverable]),
        residents=int(residents.sum()),
        residents_covered_now=int(residents[covered_now].sum()),
        solve_seconds=time.perf_counter() - started,
    )


def station_isochrones(
    community: Community, network: PreparedNetwork, settings: PlanningSettings
) -> list[tuple[str, Isochrone]]:
    """The area each station reaches in the circle's walk (stations off the network skipped)."""
    shapes = []
    for sid, point in zip(community.stations["id"], community.stations.geometry, strict=True):
        try:
            shapes.append((sid, isochrone(
                network, (point.x, point.y), minutes=settings.circle_minutes,
                speed_kmh=settings.walk_speed_kmh, buffer_m=settings.isochrone_buffer_m,
                max_attach_m=settings.max_attach_m,
            )))
        except PointTooFarError:
            continue
    return shapes
