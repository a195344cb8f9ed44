"""Siting at scale: thinned candidates and the sparse reach lose no answer; time-limited solves
say how far from optimal they may be; the report says which answer it shows."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from geo_app.planning.candidates import merge_close, reach_matrix, thin_candidates
from geo_app.planning.circle import grade_of, grades_of
from geo_app.planning.measure import measure_distances
from geo_app.planning.report import SitingResult, default_candidates, propose_sites, shown_dict
from geo_app.planning.settings import PlanningSettings
from geo_app.planning.siting import (
    CoveringProblem,
    SitingAnswer,
    greedy_maximal_covering,
    greedy_set_covering,
    maximal_covering,
    set_covering,
)
from geo_app.walking import attach, distance_matrix, prepare_community
from layers import load_community
from layers.schema import POI_CATEGORIES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_scale import generate

THRESHOLD_M = 500.0


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory):
    """The benchmark's 8 × 8 blocks: 384 buildings, one 党群服务站, 81 street crossings."""
    data = tmp_path_factory.mktemp("town")
    generate(8, data)
    community = load_community(data)
    network = prepare_community(community)
    distances = measure_distances(community, network)
    return community, network, distances


def test_sparse_reach_equals_the_dense_walking_matrix(town) -> None:
    community, network, distances = town
    candidates = attach(network, default_candidates(community))
    dense = distance_matrix(network, distances.buildings, candidates, max_distance_m=THRESHOLD_M)
    sparse = reach_matrix(network, distances.buildings, candidates, threshold_m=THRESHOLD_M)
    assert sparse.shape == dense.shape
    assert ((sparse.toarray() > 0) == (dense <= THRESHOLD_M)).all()
    assert sparse.nnz > 1000  # not a vacuous comparison


def test_thinning_keeps_the_optimum_of_the_full_dense_model(town) -> None:
    community, network, distances = town
    lonlat = default_candidates(community)
    assert len(lonlat) == 81 - 4  # every crossing but the four corners (two streets meet)
    # Each crossing twice (a planner's file may repeat a point, 1 m apart): merged into one.
    doubled = np.concatenate([lonlat, lonlat + np.array([1e-5, 0.0])])
    settings = PlanningSettings()
    result = propose_sites(community, network, distances, doubled, threshold_m=THRESHOLD_M,
                           k=2, settings=settings, candidate_source="test")
    assert result.candidates_used <= len(lonlat)
    assert f"{len(lonlat)} 个与相邻候选点相距不足 5 米而合并" in result.thinning

    # The model as it was built before thinning: every candidate, the dense matrix.
    full = attach(network, doubled)
    dense = distance_matrix(network, distances.buildings, full, max_distance_m=THRESHOLD_M)
    residents = community.buildings["residents"].to_numpy(dtype=float)
    problem = CoveringProblem.from_distances(
        dense, threshold_m=THRESHOLD_M, weights=residents,
        already_covered=distances.to_station["party_service_station"] <= THRESHOLD_M,
    )
    assert result.maximal.proven_optimal and result.covering.proven_optimal
    assert result.maximal.covered_weight == maximal_covering(problem, 2).covered_weight
    assert len(result.covering.selected) == len(set_covering(problem).selected)
    assert result.covering.covered_count == set_covering(problem).covered_count
    # Answers name rows of the list given, first copies (merging keeps the lowest index).
    assert max(result.covering.selected) < len(lonlat)


def test_merge_close_keeps_the_first_of_each_chain() -> None:
    xy = np.array([[0, 0], [3, 0], [6, 0], [20, 0], [100, 100], [101, 100]], dtype=float)
    assert merge_close(xy, within_m=5).tolist() == [0, 3, 4]


def test_candidates_out_of_straight_line_reach_are_dropped() -> None:
    candidates = np.array([[0, 0], [450, 0], [1000, 0]], dtype=float)
    demand = np.array([[0, 0], [-100, 0]], dtype=float)
    thinned = thin_candidates(candidates, demand, threshold_m=500)
    assert thinned.kept.tolist() == [0, 1]
    assert thinned.out_of_reach == 1


def plain_greedy(problem: CoveringProblem, weights: np.ndarray, covered: np.ndarray,
                 max_sites: int | None) -> list[int]:
    """The greedy by its definition: recompute every gain each round."""
    reach = problem.reach.toarray() > 0
    selected: list[int] = []
    while max_sites is None or len(selected) < max_sites:
        gains = (reach & ~covered[:, None]).T.astype(float) @ weights
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        selected.append(best)
        covered = covered | reach[:, best]
    return selected


@pytest.mark.parametrize("seed", range(8))
def test_lazy_greedy_picks_what_the_plain_greedy_picks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 60, 25
    reach = rng.random((n, m)) < 0.12
    weights = rng.integers(0, 4, n).astype(float)  # many ties
    already = rng.random(n) < 0.2
    problem = CoveringProblem.from_reach(sp.csr_array(reach.astype(float)), weights=weights,
                                         already_covered=already)
    assert list(greedy_maximal_covering(problem, 4).selected) == sorted(
        plain_greedy(problem, weights, already.copy(), 4))
    covered = already.copy()
    covered[problem.uncoverable] = True
    assert list(greedy_set_covering(problem).selected) == sorted(
        plain_greedy(problem, np.ones(n), covered, None))


def hard_problem(n_demand: int = 2000, n_sites: int = 600) -> CoveringProblem:
    """Demand points and sites at random in a 3 km square, 250 m reach."""
    rng = np.random.default_rng(11)
    demand, sites = rng.uniform(0, 3000, (n_demand, 2)), rng.uniform(0, 3000, (n_sites, 2))
    return CoveringProblem.from_distances(
        cdist(demand, sites), threshold_m=250, weights=rng.integers(1, 300, n_demand),
        already_covered=np.zeros(n_demand, dtype=bool))


def test_a_time_limited_solve_says_it_is_not_proven_and_how_far_it_may_be() -> None:
    problem = hard_problem()
    stopped = set_covering(problem, time_limit_s=0.3)
    assert not stopped.proven_optimal
    if stopped.selected:  # an answer found in time: its gap to the bound is given
        assert "未证明最优" in stopped.status
        assert stopped.gap is None or 0 < stopped.gap < 1
    greedy = greedy_set_covering(problem)
    note = shown_dict(stopped, greedy if not stopped.selected else stopped)
    assert note["optimal_proven"] is False
    assert "未" in note["shown_note"]


def test_a_maximal_covering_gap_bounds_the_optimum() -> None:
    problem = hard_problem(1200, 400)
    best = maximal_covering(problem, 15, time_limit_s=60)
    assert best.proven_optimal and best.gap == 0.0
    for limit in (0.02, 0.1, 0.2):
        stopped = maximal_covering(problem, 15, time_limit_s=limit)
        if stopped.proven_optimal or stopped.gap is None:
            continue
        # The optimum lies within the reported gap of the answer found.
        assert best.covered_weight <= stopped.covered_weight / (1 - stopped.gap) + 1e-6
        assert stopped.covered_weight <= best.covered_weight


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_grades_match_the_rule_one_building_at_a_time(seed: int) -> None:
    from geo_app.config import CIRCLE_GRADES
    from geo_app.planning.settings import grade_rules

    rules = grade_rules(CIRCLE_GRADES)
    rng = np.random.default_rng(seed)
    reached = pd.DataFrame(rng.random((300, len(POI_CATEGORIES))) < rng.uniform(0.5, 0.98),
                           columns=list(POI_CATEGORIES))
    expected = [grade_of(frozenset(c for c in POI_CATEGORIES if row[c]), rules)
                for row in reached.to_dict("records")]
    assert grades_of(reached, rules).tolist() == expected
    assert len(set(expected)) > 1


def test_exhaustive_small_case_still_exact() -> None:
    """Thinning aside, the sparse model still finds the brute-force optimum."""
    reach = np.array([[1, 0, 0, 1], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [1, 0, 1, 0]])
    problem = CoveringProblem.from_reach(sp.csr_array(reach.astype(float)),
                                         weights=np.array([5, 1, 1, 5, 2.0]),
                                         already_covered=np.zeros(5, dtype=bool))
    best = max(problem.weights[problem.covered_by(list(s))].sum()
               for s in itertools.combinations(range(4), 2))
    answer = maximal_covering(problem, 2)
    assert answer.proven_optimal and answer.covered_weight == best == 14
    assert answer.gap == 0.0


def answer(method: str, sites: int, weight: float, *, proven: bool, bound: float | None = None
           ) -> SitingAnswer:
    return SitingAnswer(method=method, selected=tuple(range(sites)), covered_weight=weight,
                        covered_count=10, proven_optimal=proven, status="", bound=bound)


def test_the_report_shows_greedy_when_a_stopped_solve_is_worse_and_says_how_far() -> None:
    lonlat = np.zeros((20, 2))
    result = SitingResult(
        threshold_m=500, k=2, candidate_source="", candidates_lonlat=lonlat,
        maximal=answer("exact", 2, 900, proven=False, bound=1000),  # 800 new, bound 1000 new
        maximal_greedy=answer("greedy", 2, 950, proven=False),  # 850 new
        covering=answer("exact", 12, 0, proven=False, bound=8),
        covering_greedy=answer("greedy", 10, 0, proven=False),
        uncoverable=(), residents=2000, residents_covered_now=100, solve_seconds=1.0,
    ).as_dict()
    mclp, lscp = result["maximal_covering"], result["set_covering"]
    assert mclp["shown"] == "greedy" and mclp["optimal_proven"] is False
    assert mclp["shown_gap"] == 0.15  # (1000 − 850) / 1000
    assert lscp["shown"] == "greedy"
    assert lscp["shown_gap"] == 0.2  # (10 − 8) / 10
    assert "贪心" in lscp["shown_note"] and "20.0%" in lscp["shown_note"]


def test_the_report_shows_a_proven_exact_answer() -> None:
    result = SitingResult(
        threshold_m=500, k=2, candidate_source="", candidates_lonlat=np.zeros((5, 2)),
        maximal=answer("exact", 2, 900, proven=True, bound=800),
        maximal_greedy=answer("greedy", 2, 900, proven=False),
        covering=answer("exact", 3, 0, proven=True, bound=3),
        covering_greedy=answer("greedy", 4, 0, proven=False),
        uncoverable=(), residents=2000, residents_covered_now=100, solve_seconds=1.0,
    ).as_dict()
    for key in ("maximal_covering", "set_covering"):
        assert result[key]["shown"] == "exact"
        assert result[key]["optimal_proven"] is True
        assert result[key]["shown_note"] == "显示精确解（已证明最优）"


def brute_force_cover_size(reach: np.ndarray) -> int:
    """The fewest columns covering every row that any column reaches, by trying every subset."""
    rows = reach.any(axis=1)
    for size in range(reach.shape[1] + 1):
        for subset in itertools.combinations(range(reach.shape[1]), size):
            if reach[rows][:, list(subset)].any(axis=1).all():
                return size
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(12))
def test_the_relaxation_bound_and_its_rounded_cover_bracket_the_optimum(seed: int) -> None:
    """On random 14 × 10 models: ⌈relaxed optimum⌉ ≤ brute-force optimum ≤ the rounded cover,
    which covers every row and has no site whose rows others all cover."""
    from geo_app.planning.siting import _relaxation

    rng = np.random.default_rng(seed)
    reach = rng.random((14, 10)) < 0.25
    reach = reach[reach.any(axis=1)]
    optimum = brute_force_cover_size(reach)
    relaxed = _relaxation(sp.csr_array(reach.astype(float)), time_limit_s=10)
    assert relaxed is not None
    assert relaxed.bound <= optimum <= len(relaxed.cover)
    chosen = reach[:, relaxed.cover]
    assert chosen.any(axis=1).all()
    for k in range(len(relaxed.cover)):  # each site covers a row no other chosen site does
        others = np.delete(chosen, k, axis=1)
        assert not others.any(axis=1).all()


@pytest.mark.parametrize("seed", range(12))
def test_set_covering_is_still_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    reach = rng.random((16, 9)) < 0.3
    problem = CoveringProblem.from_reach(sp.csr_array(reach.astype(float)),
                                         weights=np.ones(16),
                                         already_covered=np.zeros(16, dtype=bool))
    answer = set_covering(problem, time_limit_s=10)
    assert answer.proven_optimal
    assert len(answer.selected) == brute_force_cover_size(reach)
    assert problem.covered_by(list(answer.selected))[reach.any(axis=1)].all()


def test_a_rounded_relaxation_that_meets_its_bound_is_proven_without_the_mip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Greedy's trap: C reaches four of six homes, so greedy takes C, then A and B (3 sites);
    A and B alone cover all six. The relaxation must take A and B whole (homes 3 and 6 have
    no other site): bound 2, rounded cover {A, B}, proven, and the MIP never runs. (D, which
    reaches homes 2 and 5, keeps every home's list of sites different.)"""
    from geo_app.planning import siting

    #                 A  B  C  D
    reach = np.array([[1, 0, 1, 0], [1, 0, 1, 1], [1, 0, 0, 0],
                      [0, 1, 1, 0], [0, 1, 1, 1], [0, 1, 0, 0]])
    problem = CoveringProblem.from_reach(sp.csr_array(reach.astype(float)),
                                         weights=np.ones(6), already_covered=np.zeros(6, bool))
    assert len(greedy_set_covering(problem).selected) == 3

    def no_mip(*args: object, **kwargs: object) -> None:
        raise AssertionError("the MIP should not be needed")

    monkeypatch.setattr(siting, "milp", no_mip)
    answer = set_covering(problem)
    assert answer.selected == (0, 1)
    assert answer.proven_optimal and answer.bound == 2
    assert answer.status == "已证明最优（线性松弛取整达到下界）"
