"""Siting new stations: maximal covering (k sites) and set covering (fewest sites), exactly.

Both problems keep the existing stations: demand they already cover is taken out first, so no
answer can drop one. Each is solved as a mixed-integer programme by HiGHS (through
``scipy.optimize.milp``, which bundles it) over a sparse demand × candidate neighbour list built
directly from the walking-distance matrix — spopt builds the same constraints over the dense
matrix in Python, which is slow and adds nothing here. A greedy answer is computed beside each,
with the gap between them.
"""

from __future__ import annotations

import heapq
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from geo_app.planning.errors import CandidateFileError
from layers.json_errors import invalid_json_message

#: scipy.optimize.milp status codes.
MILP_OPTIMAL = 0
MILP_LIMIT = 1
MILP_INFEASIBLE = 2
#: The MIP is not started with less time than this left (it could not even read the model).
MIN_SOLVE_S = 0.05
#: Segment ends closer than about a centimetre (1e-7°) are one junction.
SNAP_DECIMALS = 7


@dataclass(frozen=True)
class CoveringProblem:
    """Demand points, their weights, and which candidate sites reach which demand.

    ``reach[i, j]`` is true when candidate ``j`` lies within the threshold of demand ``i``;
    ``already_covered[i]`` when an existing station already covers demand ``i``.
    """

    weights: np.ndarray
    reach: sp.csr_array
    already_covered: np.ndarray

    @classmethod
    def from_distances(
        cls,
        distance_m: np.ndarray,
        *,
        threshold_m: float,
        weights: np.ndarray,
        already_covered: np.ndarray,
    ) -> CoveringProblem:
        """Build from a demand × candidate walking-distance matrix (``inf`` = unreachable)."""
        reach = sp.csr_array((np.asarray(distance_m) <= threshold_m).astype(float))
        return cls(
            weights=np.asarray(weights, dtype=float),
            reach=reach,
            already_covered=np.asarray(already_covered, dtype=bool),
        )

    @classmethod
    def from_reach(
        cls, reach: sp.sparray, *, weights: np.ndarray, already_covered: np.ndarray
    ) -> CoveringProblem:
        """Build from a sparse demand × candidate reach matrix (non-zero = within reach)."""
        reach = sp.csr_array(reach, dtype=float)
        reach.data[:] = 1.0
        return cls(
            weights=np.asarray(weights, dtype=float),
            reach=reach,
            already_covered=np.asarray(already_covered, dtype=bool),
        )

    @property
    def n_candidates(self) -> int:
        return int(self.reach.shape[1])

    @property
    def open_demand(self) -> np.ndarray:
        """Indices of demand the existing stations leave uncovered."""
        return np.flatnonzero(~self.already_covered)

    @property
    def uncoverable(self) -> np.ndarray:
        """Indices of uncovered demand that no candidate reaches."""
        open_rows = self.open_demand
        reachable = np.asarray(self.reach[open_rows].sum(axis=1)).ravel() > 0
        return open_rows[~reachable]

    def covered_by(self, selected: np.ndarray | list[int]) -> np.ndarray:
        """Demand mask covered by the existing stations plus candidates ``selected``."""
        selected = np.asarray(selected, dtype=int)
        if selected.size == 0:
            return self.already_covered.copy()
        return self.already_covered | (np.asarray(self.reach[:, selected].sum(axis=1)).ravel() > 0)


@dataclass(frozen=True)
class SitingAnswer:
    """A set of new sites, what it covers, and how it was found."""

    method: str  # "exact" or "greedy"
    selected: tuple[int, ...]
    covered_weight: float
    covered_count: int
    proven_optimal: bool
    status: str
    #: Relative gap between this answer and the best bound proven (0 when optimal; None when
    #: no bound is known, e.g. for a greedy answer).
    gap: float | None = None
    #: The best bound proven on the optimum: for maximal covering an upper bound on the weight
    #: new sites can add, for set covering a lower bound on the sites needed (None: unknown).
    bound: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "selected": list(self.selected),
            "covered_weight": self.covered_weight,
            "covered_count": self.covered_count,
            "proven_optimal": self.proven_optimal,
            "status": self.status,
            "gap": None if self.gap is None else round(self.gap, 4),
            "bound": self.bound,
        }


def _answer(problem: CoveringProblem, method: str, selected: list[int], *, proven: bool,
            status: str, gap: float | None = None, bound: float | None = None) -> SitingAnswer:
    covered = problem.covered_by(selected)
    return SitingAnswer(
        method=method,
        selected=tuple(sorted(int(j) for j in selected)),
        covered_weight=float(problem.weights[covered].sum()),
        covered_count=int(covered.sum()),
        proven_optimal=proven,
        status=status,
        gap=0.0 if proven else gap,
        bound=bound,
    )


def _useful(
    problem: CoveringProblem, rows: np.ndarray, weights: np.ndarray
) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """The reach matrix over ``rows``, reduced without changing any optimum.

    Candidates reaching none of the rows go, and so does each candidate reaching exactly the
    same rows as a lower-numbered one; rows reached by exactly the same candidates become one
    row with their weights summed. Returns the reduced matrix, the candidates it keeps (as
    columns of ``problem.reach``) and the merged weights.
    """
    sub = sp.csr_array(problem.reach[rows])
    columns = np.flatnonzero(np.asarray(sub.sum(axis=0)).ravel() > 0)
    sub = sp.csc_array(sub[:, columns])
    keep = _first_of_equal(sub)
    columns = columns[keep]
    sub = sp.csr_array(sub[:, keep])
    unique = _first_of_equal(sub.T.tocsc(), return_inverse=True)
    first, inverse = unique
    merged = np.bincount(inverse, weights=weights, minlength=len(first))
    return sp.csr_array(sub[first]), columns, merged


def _first_of_equal(matrix: sp.csc_array, *, return_inverse: bool = False) -> Any:
    """Columns of ``matrix`` whose pattern differs from every earlier column's (and, asked,
    which kept column each column equals)."""
    matrix = sp.csc_array(matrix)
    matrix.sort_indices()
    indptr, indices = matrix.indptr, matrix.indices
    keys = [indices[indptr[j]:indptr[j + 1]].tobytes() for j in range(matrix.shape[1])]
    codes, _ = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    _, first = np.unique(codes, return_index=True)
    if return_inverse:
        return first, codes
    return np.sort(first)


def _status_text(
    result: Any, *, objective: float, bound: float | None
) -> tuple[bool, str, float | None]:
    """Whether ``result`` is proven optimal, a sentence saying so, and the relative gap.

    ``objective`` is the answer's value and ``bound`` the best bound proven on the optimum, in
    the same units (a maximum's upper bound, a minimum's lower bound).
    """
    if result.status == MILP_OPTIMAL:
        return True, "已证明最优", 0.0
    if result.x is not None and bound is not None and abs(bound - objective) <= 1e-9:
        return True, "已证明最优（达到界）", 0.0
    if result.x is None:
        return False, f"求解未完成：{result.message}", None
    if bound is None or not np.isfinite(bound):
        return False, "达到求解时限，得到可行解但未证明最优（尚无界可比）", None
    gap = abs(bound - objective) / max(abs(objective), abs(bound), 1e-9)
    return False, f"达到求解时限，得到可行解但未证明最优，与最优解至多相差 {gap:.1%}", gap


def maximal_covering(
    problem: CoveringProblem, k: int, *, time_limit_s: float = 10.0
) -> SitingAnswer:
    """The ≤ ``k`` new sites covering the most weight left uncovered (exact MIP).

    Maximise Σ wᵢ yᵢ subject to yᵢ ≤ Σ_{j reaches i} xⱼ, Σ xⱼ ≤ k, x binary, 0 ≤ y ≤ 1, with a
    small penalty on each site used (under one unit of weight in total: weights are counts of
    residents or buildings), so no site is proposed that covers nobody. Stopped by
    ``time_limit_s``, the best answer found is returned with the gap to the proven bound.
    """
    rows = problem.open_demand
    rows = rows[np.asarray(problem.reach[rows].sum(axis=1)).ravel() > 0]
    rows = rows[problem.weights[rows] > 0]
    if rows.size == 0 or k <= 0:
        return _answer(problem, "exact", [], proven=True, status="已证明最优（无可新增覆盖的需求）")
    reach, columns, weights = _useful(problem, rows, problem.weights[rows])
    # A site can be part of an optimal answer only if it and the k − 1 heaviest sites together
    # could add as much as the greedy answer does: drop every other site (and what only they
    # reach) before the solver sees them.
    column_weight = reach.T @ weights
    greedy = _greedy(sp.csc_array(reach), weights, np.zeros(len(weights), dtype=bool),
                     max_sites=k)
    greedy_gain = float(weights[np.asarray(reach[:, greedy].sum(axis=1)).ravel() > 0].sum())
    heaviest = np.sort(column_weight)[::-1]
    if greedy_gain >= heaviest[:k].sum() - 1e-9:  # no k sites can add more than the greedy's
        return _answer(problem, "exact", columns[greedy].tolist(), proven=True,
                       status="已证明最优（贪心解达到上界）", bound=greedy_gain)
    others = float(heaviest[: k - 1].sum())
    promising = np.flatnonzero(column_weight + others >= greedy_gain - 1e-9)
    reach = sp.csr_array(reach[:, promising])
    columns = columns[promising]
    reached = np.asarray(reach.sum(axis=1)).ravel() > 0
    reach, weights = sp.csr_array(reach[np.flatnonzero(reached)]), weights[reached]
    n_y, n_x = reach.shape
    site_penalty = 0.5 / (k + 1)  # weights are counts: the penalties sum to under one
    cost = np.concatenate([np.full(n_x, site_penalty), -weights])
    # yᵢ − Σ xⱼ ≤ 0 for each demand row; Σ xⱼ ≤ k.
    link = sp.hstack([-reach, sp.eye_array(n_y)], format="csr")
    budget = sp.hstack(
        [sp.csr_array(np.ones((1, n_x))), sp.csr_array((1, n_y))], format="csr"
    )
    result = milp(
        cost,
        integrality=np.concatenate([np.ones(n_x), np.zeros(n_y)]),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(budget, -np.inf, k),
        ],
        options={"time_limit": time_limit_s, "mip_rel_gap": 0.0},
    )
    selected = [] if result.x is None else columns[np.flatnonzero(result.x[:n_x] > 0.5)].tolist()
    answer = _answer(problem, "exact", selected, proven=False, status="")
    gained = answer.covered_weight - float(problem.weights[problem.already_covered].sum())
    # Upper bounds on the weight k new sites can add: the k heaviest sites' own weights, and
    # the solver's dual bound (cost ≥ L, so weight ≤ penalties − L ≤ k·penalty − L).
    bound = float(np.sort(column_weight)[::-1][:k].sum())
    dual = getattr(result, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual):
        bound = min(bound, k * site_penalty - float(dual))
    bound = max(bound, gained)
    proven, status, gap = _status_text(result, objective=gained, bound=bound)
    return _answer(problem, "exact", selected, proven=proven, status=status, gap=gap,
                   bound=bound)


def greedy_maximal_covering(problem: CoveringProblem, k: int) -> SitingAnswer:
    """Add, ``k`` times, the site that covers the most still-uncovered weight (ties: lowest)."""
    selected = _greedy(problem.reach, problem.weights, problem.already_covered.copy(),
                       max_sites=k)
    return _answer(problem, "greedy", selected, proven=False, status="贪心近似解")


def set_covering(problem: CoveringProblem, *, time_limit_s: float = 10.0) -> SitingAnswer:
    """The fewest new sites that cover every coverable demand point (exact MIP).

    Demand no candidate reaches is left out (see :attr:`CoveringProblem.uncoverable`);
    minimise Σ xⱼ subject to Σ_{j reaches i} xⱼ ≥ 1 for every other uncovered demand point.
    Before the MIP, the linear relaxation gives a lower bound and, rounded, a cover: when that
    cover meets the bound it is optimal and the MIP is not needed. Stopped by
    ``time_limit_s``, the best cover found is returned with the gap to the proven lower bound.
    """
    rows = problem.open_demand
    rows = rows[np.asarray(problem.reach[rows].sum(axis=1)).ravel() > 0]
    if rows.size == 0:
        return _answer(problem, "exact", [], proven=True, status="已证明最优（无需新增站点）")
    started = time.perf_counter()
    reach, columns, _ = _useful(problem, rows, np.ones(len(rows)))
    n_x = reach.shape[1]
    packing = float(_packing_bound(reach))
    greedy = _greedy(reach, np.ones(reach.shape[0]), np.zeros(reach.shape[0], dtype=bool),
                     max_sites=None)
    if len(greedy) <= packing:  # as few sites as any cover needs
        return _answer(problem, "exact", columns[greedy].tolist(), proven=True,
                       status="已证明最优（贪心解达到下界）", bound=packing)
    relaxed = _relaxation(reach, time_limit_s=time_limit_s)
    bound, rounded = packing, None
    if relaxed is not None:
        bound = max(bound, relaxed.bound)
        rounded = relaxed.cover
        if len(rounded) <= bound:
            return _answer(problem, "exact", columns[rounded].tolist(), proven=True,
                           status="已证明最优（线性松弛取整达到下界）", bound=bound)
    left = time_limit_s - (time.perf_counter() - started)
    result = None
    if left > MIN_SOLVE_S:
        result = milp(
            np.ones(n_x),
            integrality=np.ones(n_x),
            bounds=Bounds(0, 1),
            constraints=[LinearConstraint(reach, 1, np.inf)],
            options={"time_limit": left, "mip_rel_gap": 0.0},
        )
    solved = [] if result is None or result.x is None else np.flatnonzero(result.x > 0.5).tolist()
    if result is not None and result.status == MILP_OPTIMAL:
        return _answer(problem, "exact", columns[solved].tolist(), proven=True,
                       status="已证明最优", bound=float(len(solved)))
    dual = None if result is None else getattr(result, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual):
        bound = max(bound, math.ceil(dual - 1e-6))
    # the best cover met on the way: greedy's, the rounded relaxation's or the MIP's
    found = min((c for c in (greedy, rounded, solved) if c), key=len)
    bound = min(bound, float(len(found)))
    gap = (len(found) - bound) / len(found)
    if gap <= 1e-9:
        return _answer(problem, "exact", columns[found].tolist(), proven=True,
                       status="已证明最优（达到界）", bound=bound)
    status = f"达到求解时限，得到可行解但未证明最优，与最优解至多相差 {gap:.1%}"
    return _answer(problem, "exact", columns[found].tolist(), proven=False, status=status,
                   gap=gap, bound=bound)


@dataclass(frozen=True)
class Relaxation:
    """The linear relaxation of a set-covering model: its lower bound and a cover from it."""

    bound: float  # ⌈relaxed optimum⌉: no cover has fewer sites
    cover: list[int]  # columns, rounded from the relaxed answer (see :func:`_round_cover`)


def _relaxation(reach: sp.csr_array, *, time_limit_s: float) -> Relaxation | None:
    """Solve the relaxation 0 ≤ x ≤ 1 by HiGHS's interior point (fast on these degenerate,
    regular models); None when it does not finish in ``time_limit_s``."""
    result = linprog(
        np.ones(reach.shape[1]), A_ub=-sp.csr_array(reach), b_ub=-np.ones(reach.shape[0]),
        bounds=(0, 1), method="highs-ipm", options={"time_limit": max(time_limit_s, 0.01)},
    )
    if result.status != 0 or result.x is None:
        return None
    return Relaxation(bound=float(math.ceil(result.fun - 1e-6)),
                      cover=_round_cover(reach, np.asarray(result.x)))


def _round_cover(reach: sp.sparray, x: np.ndarray) -> list[int]:
    """A cover from relaxed values ``x``: the smaller of two roundings, each with every site
    whose rows all stay covered without it then dropped (smallest ``x`` first).

    By value: sites taken by decreasing ``x`` while they add a row. Whole, then greedy: the
    sites the relaxation takes whole, then the greedy choice for the rows they leave. (Each
    wins on some models: on the benchmark's 6,144 buildings the first, on 24,576 the second.)
    """
    by_site = sp.csc_array(reach)
    by_site.sort_indices()
    indptr, indices = by_site.indptr, by_site.indices
    n_rows = by_site.shape[0]

    def covering(sites: list[int] | np.ndarray) -> np.ndarray:
        covered = np.zeros(n_rows, dtype=bool)
        for j in sites:
            covered[indices[indptr[j]:indptr[j + 1]]] = True
        return covered

    def completed(chosen: list[int]) -> list[int]:
        """``chosen`` plus the greedy sites for the rows it leaves, then made irredundant."""
        chosen = chosen + _greedy(by_site, np.ones(n_rows), covering(chosen), max_sites=None)
        times = np.zeros(n_rows, dtype=np.int64)
        for j in chosen:
            times[indices[indptr[j]:indptr[j + 1]]] += 1
        kept = set(chosen)
        for j in sorted(chosen, key=lambda j: (x[j], j)):
            rows = indices[indptr[j]:indptr[j + 1]]
            if (times[rows] >= 2).all():
                kept.discard(j)
                times[rows] -= 1
        return sorted(kept)

    by_value: list[int] = []
    covered = np.zeros(n_rows, dtype=bool)
    for j in np.lexsort((np.arange(len(x)), -x)).tolist():
        if x[j] <= 1e-9 or covered.all():
            break
        rows = indices[indptr[j]:indptr[j + 1]]
        if not covered[rows].all():
            by_value.append(j)
            covered[rows] = True
    whole = np.flatnonzero(x >= 1 - 1e-3).tolist()
    return min(completed(by_value), completed(whole), key=len)


def _packing_bound(reach: sp.csr_array) -> int:
    """A lower bound on the sites any cover needs: demand rows no one site reaches two of.

    Rows are taken fewest candidates first; a row joins when none of its candidates reaches
    a row already taken. Each taken row needs a site of its own.
    """
    reach = sp.csr_array(reach)
    indptr, indices = reach.indptr, reach.indices
    column_ptr, column_rows = (lambda m: (m.indptr, m.indices))(sp.csc_array(reach))
    blocked = np.zeros(reach.shape[0], dtype=bool)
    taken = 0
    for row in np.argsort(np.diff(indptr), kind="stable"):
        if blocked[row]:
            continue
        taken += 1
        for col in indices[indptr[row]:indptr[row + 1]]:
            blocked[column_rows[column_ptr[col]:column_ptr[col + 1]]] = True  # share a site
    return taken


def greedy_set_covering(problem: CoveringProblem) -> SitingAnswer:
    """Add the site covering the most uncovered demand points until all coverable are covered."""
    covered = problem.already_covered.copy()
    covered[problem.uncoverable] = True  # nothing can cover them: do not chase them
    selected = _greedy(problem.reach, np.ones(len(covered)), covered, max_sites=None)
    return _answer(problem, "greedy", selected, proven=False, status="贪心近似解")


def _greedy(
    reach: sp.sparray, weights: np.ndarray, covered: np.ndarray, *, max_sites: int | None
) -> list[int]:
    """Repeatedly pick the site adding the most uncovered ``weights`` (ties: lowest index),
    until ``max_sites`` are picked (``None``: no limit) or no site adds anything.

    Lazy evaluation: a site's gain can only shrink as sites are added, so a site whose gain,
    recomputed, still tops every other site's last known gain is the greedy choice; only the
    sites that reach the top are recomputed.
    """
    reach = sp.csc_array(reach)
    reach.sort_indices()
    indptr, indices = reach.indptr, reach.indices
    open_weight = weights * ~covered
    gains = reach.T @ open_weight
    heap = [(-float(g), int(j)) for j, g in enumerate(gains) if g > 0]
    heapq.heapify(heap)
    selected: list[int] = []
    while heap and (max_sites is None or len(selected) < max_sites):
        _, j = heapq.heappop(heap)
        rows = indices[indptr[j]:indptr[j + 1]]
        gain = float(open_weight[rows].sum())
        if gain <= 0:
            continue
        if heap and (-gain, j) > heap[0]:
            heapq.heappush(heap, (-gain, j))  # another site may now add more: look again
            continue
        selected.append(j)
        open_weight[rows] = 0.0
    return selected


def path_intersections(lines: Any, area: Any = None) -> np.ndarray:
    """Points where three or more path segments meet (lon/lat), optionally inside ``area``.

    Lines are noded first, so paths that cross without a shared vertex still meet.
    """
    geometries = np.asarray(lines)
    noded = shapely.node(shapely.union_all(geometries)) if len(geometries) else None
    if noded is None or noded.is_empty:
        return np.empty((0, 2))
    segments = shapely.get_parts(noded)
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(segments, 0)),
                           shapely.get_coordinates(shapely.get_point(segments, -1))])
    _, first, degree = np.unique(np.round(ends, SNAP_DECIMALS), axis=0, return_index=True,
                                 return_counts=True)
    points = ends[first[degree >= 3]].reshape(-1, 2)  # the junction itself, not its rounding
    if area is not None and len(points):
        points = points[shapely.intersects_xy(area, points[:, 0], points[:, 1])]
    return points


def read_candidates(source: str | Path | bytes) -> np.ndarray:
    """A planner's candidate sites: a GeoJSON FeatureCollection of Points → (n, 2) lon/lat."""
    name = "候选点 GeoJSON" if isinstance(source, bytes) else str(source)
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        msg = f"{name}：无法读取（{exc.strerror or exc}）"
        raise CandidateFileError(msg) from None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        msg = f"{name}：无法读取为 GeoJSON，{invalid_json_message(exc)}"
        raise CandidateFileError(msg) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        msg = f"{name}：应为至少含一个要素的 FeatureCollection"
        raise CandidateFileError(msg)
    points = []
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates", [])  # missing: not a list of two, as None
        valid = (
            geometry.get("type") == "Point"
            and isinstance(coords, list)
            and len(coords) >= 2
            and all(isinstance(c, int | float) for c in coords[:2])
            and -180 <= coords[0] <= 180
            and -90 <= coords[1] <= 90
        )
        if not valid:
            msg = f"{name}：第 {number} 个要素应为经纬度点（Point [经度, 纬度]）"
            raise CandidateFileError(msg)
        points.append(coords[:2])
    return np.asarray(points, dtype=float)
