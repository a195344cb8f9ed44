"""Siting: our sparse HiGHS models against spopt (PuLP + HiGHS) on the same cost matrices.

Run: ``.venv/bin/python benchmarks/bench_siting.py``. Demand and candidates are seeded random
points in a square (Euclidean distances stand in for walks); existing "stations" are the first
candidates. Prints wall time and the objective of each, which must agree.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pulp
from scipy.spatial.distance import cdist

from geo_app.planning.siting import CoveringProblem, maximal_covering, set_covering

SIZES = ((150, 80), (1000, 300))  # 3000×600 hits the 60 s limit on both sides
RADIUS_M = 300.0
SIDE_M = 3000.0
K = 5


def instance(n_demand: int, n_candidates: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, SIDE_M, (n_demand, 2))
    sites = rng.uniform(0, SIDE_M, (n_candidates, 2))
    weights = rng.integers(1, 300, n_demand)
    return cdist(demand, sites), weights


def spopt_models(cost: np.ndarray, weights: np.ndarray, *, k: int) -> tuple[float, int, float]:
    from spopt.locate import LSCP, MCLP

    solver = pulp.HiGHS(msg=False, timeLimit=60)
    started = time.perf_counter()
    coverable = (cost <= RADIUS_M).any(axis=1)
    lscp = LSCP.from_cost_matrix(cost[coverable], RADIUS_M).solve(solver)
    mclp = MCLP.from_cost_matrix(cost, weights, RADIUS_M, p_facilities=k).solve(solver)
    seconds = time.perf_counter() - started
    sites = int(sum(v.value() > 0.5 for v in lscp.fac_vars))
    covered = (cost[:, [j for j, v in enumerate(mclp.fac_vars) if v.value() > 0.5]]
               <= RADIUS_M).any(axis=1)
    return seconds, sites, float(weights[covered].sum())


def ours(cost: np.ndarray, weights: np.ndarray, *, k: int) -> tuple[float, int, float]:
    started = time.perf_counter()
    problem = CoveringProblem.from_distances(
        np.where(cost <= RADIUS_M, cost, np.inf), threshold_m=RADIUS_M, weights=weights,
        already_covered=np.zeros(len(weights), dtype=bool),
    )
    covering = set_covering(problem, time_limit_s=60)
    maximal = maximal_covering(problem, k, time_limit_s=60)
    return time.perf_counter() - started, len(covering.selected), maximal.covered_weight


def main() -> None:
    warnings.simplefilter("ignore")
    print(f"{'demand×candidates':>18} {'ours s':>8} {'spopt s':>8}  LSCP sites  MCLP residents")
    for n_demand, n_candidates in SIZES:
        cost, weights = instance(n_demand, n_candidates)
        t_ours, sites_ours, cover_ours = ours(cost, weights, k=K)
        t_spopt, sites_spopt, cover_spopt = spopt_models(cost, weights, k=K)
        print(f"{n_demand:>8}×{n_candidates:<9} {t_ours:8.2f} {t_spopt:8.2f}  "
              f"{sites_ours:>4} / {sites_spopt:<4}  {cover_ours:>8.0f} / {cover_spopt:<8.0f}")


if __name__ == "__main__":
    main()
