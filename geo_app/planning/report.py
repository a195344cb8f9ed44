"""The planners' report: coverage, 应设尽设 rules, the 15-minute circle and siting, together.

:func:`planner_report` assembles it from distances measured once (:mod:`.measure`); its
:meth:`PlannerReport.as_dict` is what the page, the downloads and ``geo-app coverage`` show.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from geo_app.planning.candidates import attach_candidates, reach_matrix, thin_candidates
from geo_app.planning.circle import CircleReport, circle_report
from geo_app.planning.coverage import (
    CoverageReport,
    coverage_curve,
    coverage_figures,
    coverage_report,
)
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
    isochrone,
)
from layers import Community
from layers.schema import POI_CATEGORIES, STATION_KINDS

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
    candidates_used: int = 0
    thinning: str = ""
    #: Buildings × candidates: which building left uncovered each candidate reaches within the
    #: threshold (what a proposed site adds, without walking it again); None when not kept.
    reach: sp.csr_array | None = field(default=None, compare=False, repr=False)

    @property
    def shown_maximal(self) -> SitingAnswer:
        """The maximal-covering answer the page and downloads show (see :func:`shown`)."""
        return shown(self.maximal, self.maximal_greedy, better=_covers_more)

    @property
    def shown_covering(self) -> SitingAnswer:
        """The set-covering answer the page and downloads show (see :func:`shown`)."""
        return shown(self.covering, self.covering_greedy, better=_fewer_sites)

    def sites(self, answer: SitingAnswer) -> list[dict[str, float | int]]:
        return [
            {"candidate": j, "lon": float(self.candidates_lonlat[j, 0]),
             "lat": float(self.candidates_lonlat[j, 1])}
            for j in answer.selected
        ]

    def bound_text(self, answer: SitingAnswer, bound_of: str) -> str | None:
        """What ``answer.bound`` bounds, in Chinese: for maximal covering (``"gain"``) the
        residents new sites can *add* — ``covered_weight`` also counts those already within
        reach — and for set covering (``"sites"``) the fewest new sites needed."""
        if answer.bound is None:
            return None
        if bound_of == "sites":
            return f"覆盖全部可覆盖的居民至少需要新增 {answer.bound:,.0f} 处站点（下界）"
        now = self.residents_covered_now
        most = answer.bound + now
        return (f"新增站点至多能让 {answer.bound:,.0f} 名居民新进入步行范围（上界，只计新增）；"
                f"covered_weight 还含已在范围内的 {now:,} 人，合计至多 {most:,.0f} 人")

    def as_dict(self) -> dict[str, object]:
        def answer(a: SitingAnswer, bound_of: str) -> dict[str, object]:
            return {**a.as_dict(), "bound_of": bound_of,
                    "bound_text": self.bound_text(a, bound_of), "sites": self.sites(a)}

        exact_new = self.maximal.covered_weight - self.residents_covered_now
        gap_residents = self.maximal.covered_weight - self.maximal_greedy.covered_weight
        return {
            "threshold_m": self.threshold_m,
            "k": self.k,
            "candidate_source": self.candidate_source,
            "candidates": len(self.candidates_lonlat),
            "candidates_used": self.candidates_used,
            "thinning": self.thinning,
            "residents": self.residents,
            "residents_covered_now": self.residents_covered_now,
            "maximal_covering": {
                "exact": answer(self.maximal, "gain"),
                "greedy": answer(self.maximal_greedy, "gain"),
                "gap_residents": gap_residents,
                "gap_share": round(gap_residents / exact_new, 4) if exact_new else 0.0,
                **shown_dict(self.maximal, self.shown_maximal,
                             gained=self.shown_maximal.covered_weight
                             - self.residents_covered_now),
            },
            "set_covering": {
                "exact": answer(self.covering, "sites"),
                "greedy": answer(self.covering_greedy, "sites"),
                "gap_sites": len(self.covering_greedy.selected) - len(self.covering.selected),
                "uncoverable": list(self.uncoverable),
                **shown_dict(self.covering, self.shown_covering,
                             sites=len(self.shown_covering.selected)),
            },
            "solve_seconds": round(self.solve_seconds, 3),
        }


def _covers_more(a: SitingAnswer, b: SitingAnswer) -> bool:
    return a.covered_weight > b.covered_weight


def _fewer_sites(a: SitingAnswer, b: SitingAnswer) -> bool:
    return a.covered_count >= b.covered_count and len(a.selected) < len(b.selected)


def shown(
    exact: SitingAnswer, greedy: SitingAnswer, *, better: Callable[[SitingAnswer, SitingAnswer],
                                                                   bool]
) -> SitingAnswer:
    """The exact answer, unless the solver stopped at its time limit with one the greedy beats."""
    if exact.proven_optimal or not better(greedy, exact):
        return exact
    return greedy


def shown_dict(
    exact: SitingAnswer, answer: SitingAnswer, *, gained: float | None = None,
    sites: int | None = None,
) -> dict[str, object]:
    """Which answer is shown, whether it is proven optimal, how far from optimal it may be
    (against the exact solve's bound: ``gained`` weight for maximal covering, ``sites`` for set
    covering), and a sentence saying so."""
    gap = answer.gap
    if answer is not exact and exact.bound is not None:
        if gained is not None and exact.bound > 0:
            gap = max(0.0, (exact.bound - gained) / exact.bound)
        elif sites:
            gap = max(0.0, (sites - exact.bound) / sites)
    far = "" if gap is None else f"，与最优解至多相差 {gap:.1%}"
    if answer is exact and exact.proven_optimal:
        note = "显示精确解（已证明最优）"
    elif answer is exact:
        note = f"显示精确解：求解器在时限内未能证明最优{far}"
    else:
        note = f"显示贪心解：求解器在时限内未找到优于贪心解的整数解，最优性未证明{far}"
    return {"shown": answer.method, "optimal_proven": answer.proven_optimal,
            "shown_gap": None if gap is None else round(gap, 4), "shown_note": note}


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
    #: What the layers lack that the figures depend on, in Chinese (empty when nothing).
    notes: tuple[str, ...] = ()

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
            "notes": list(self.notes),
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
    residents = buildings["residents"].to_numpy(dtype=np.int64)
    walk, line = distances.to_station[PARTY], distances.line_to_station[PARTY]
    households = buildings["households"].to_numpy(dtype=np.int64)
    at_thresholds = [
        {"threshold_m": t, **{kind: dict(zip(("network", "buffer"), (f.as_dict() for f in
                                             coverage_figures(
                                                 distances.to_station[kind],
                                                 distances.line_to_station[kind], households,
                                                 residents, threshold_m=t)), strict=True))
                              for kind in STATION_KINDS}}
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
        rules=rules, circle=circle, siting=siting, seconds=seconds, notes=layer_notes(community),
    )


def layer_notes(community: Community) -> tuple[str, ...]:
    """What is absent from the layers — normal in an imported community — said plainly."""
    notes = []
    buildings, grids = community.buildings, community.grids
    if len(buildings) == 0:
        notes.append("楼栋图层为空：覆盖率、生活圈与选址均无从计算，各项比例显示为“—”。")
    kinds = set(community.stations["kind"])
    for kind, label in STATION_KINDS.items():
        if kind not in kinds:
            notes.append(f"图层中没有{label}：{label}的覆盖人数为 0，覆盖率为 0%。")
    categories = set(community.pois["category"])
    missing = [c for c in POI_CATEGORIES if c not in categories]
    if missing:
        notes.append("图层中没有以下类别的便民设施，各楼栋这几类都算作 15 分钟内走不到"
                     f"（覆盖 0%）：{'、'.join(missing)}。")
    occupied = set(buildings["grid_id"])
    empty = [f"{gid}（{name}）" for gid, name in zip(grids["id"], grids["name"], strict=True)
             if gid not in occupied]
    if empty:
        notes.append(f"以下网格内没有楼栋，其覆盖率与生活圈等级不适用（显示为“—”/未达标）："
                     f"{'、'.join(empty)}。")
    return tuple(notes)


def coverage_at(
    community: Community, distances: CommunityDistances, threshold_m: float, *,
    kinds: Sequence[str] = tuple(STATION_KINDS), rows: bool = True,
) -> dict[str, CoverageReport]:
    """Coverage of each kind of station (of ``kinds``) at ``threshold_m`` (``rows=False``:
    the figures without the per-building lists)."""
    return {
        kind: coverage_report(
            community.buildings, community.grids, distances.to_station[kind],
            distances.line_to_station[kind], threshold_m=threshold_m, station_kind=kind,
            rows=rows,
        )
        for kind in kinds
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
    """Maximal and set covering for new 党群服务站, exact and greedy, existing stations kept.

    Candidates are thinned first (:mod:`.candidates`); answers' ``selected`` still index
    ``candidates_lonlat``. The two exact models share ``settings.siting_time_limit_s``: each
    stopped by it reports how far from optimal its answer may be.
    """
    started = time.perf_counter()
    candidates_lonlat = np.asarray(candidates_lonlat, dtype=float).reshape(-1, 2)
    residents = community.buildings["residents"].to_numpy(dtype=float)
    covered_now = distances.to_station[PARTY] <= threshold_m
    demand = distances.buildings
    open_rows = np.flatnonzero(~covered_now & demand.ok)
    candidate_xy = np.column_stack(network.network.to_local(candidates_lonlat[:, 0],
                                                    candidates_lonlat[:, 1]))
    thinned = thin_candidates(candidate_xy, demand.xy[open_rows], threshold_m=threshold_m)
    attached = attach_candidates(network, candidates_lonlat[thinned.kept],
                                 max_attach_m=settings.max_attach_m)
    reach = reach_matrix(network, demand, attached, threshold_m=threshold_m,
                         demand_rows=open_rows)
    # Back to the columns of the full candidate list, so answers name the planner's points.
    reach = sp.csr_array(sp.coo_array(reach).tocsr() @ _columns(thinned.kept,
                                                                len(candidates_lonlat)))
    problem = CoveringProblem.from_reach(reach, weights=residents, already_covered=covered_now)
    # One time budget for both models: set covering gets what maximal covering leaves.
    solving = time.perf_counter()
    maximal = maximal_covering(problem, k, time_limit_s=settings.siting_time_limit_s / 2)
    left = settings.siting_time_limit_s - (time.perf_counter() - solving)
    ids = community.buildings["id"].to_numpy(dtype=object)
    return SitingResult(
        threshold_m=threshold_m,
        k=k,
        candidate_source=candidate_source,
        candidates_lonlat=candidates_lonlat,
        maximal=maximal,
        maximal_greedy=greedy_maximal_covering(problem, k),
        covering=set_covering(problem, time_limit_s=max(left, settings.siting_time_limit_s / 2)),
        covering_greedy=greedy_set_covering(problem),
        uncoverable=tuple(str(i) for i in ids[problem.uncoverable]),
        residents=int(residents.sum()),
        residents_covered_now=int(residents[covered_now].sum()),
        solve_seconds=time.perf_counter() - started,
        candidates_used=len(thinned.kept),
        thinning=thinned.note(),
        reach=reach,
    )


def _columns(kept: np.ndarray, n: int) -> sp.csr_array:
    """A 0/1 matrix taking column ``c`` of a thinned matrix to column ``kept[c]`` of ``n``."""
    return sp.csr_array((np.ones(len(kept)), (np.arange(len(kept)), kept)), shape=(len(kept), n))


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
