"""Siting: exact answers checked against brute force over all subsets; greedy beside them."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from shapely.geometry import LineString, box

from geo_app.planning.errors import CandidateFileError
from geo_app.planning.siting import (
    CoveringProblem,
    greedy_maximal_covering,
    greedy_set_covering,
    maximal_covering,
    path_intersections,
    read_candidates,
    set_covering,
)

THRESHOLD = 100.0
NEAR, FAR = 50.0, np.inf


def problem_from_sets(n_demand: int, sets: list[set[int]], weights: list[int],
                      already: set[int] = frozenset()) -> CoveringProblem:
    distance = np.full((n_demand, len(sets)), FAR)
    for j, members in enumerate(sets):
        distance[sorted(members), j] = NEAR
    return CoveringProblem.from_distances(
        distance, threshold_m=THRESHOLD, weights=np.array(weights),
        already_covered=np.array([i in already for i in range(n_demand)]),
    )


def brute_force_max_cover(problem: CoveringProblem, k: int) -> float:
    best = 0.0
    for size in range(k + 1):
        for subset in itertools.combinations(range(problem.n_candidates), size):
            best = max(best, problem.weights[problem.covered_by(list(subset))].sum())
    return best


def brute_force_min_cover(problem: CoveringProblem) -> int:
    target = problem.covered_by(list(range(problem.n_candidates)))
    for size in range(problem.n_candidates + 1):
        for subset in itertools.combinations(range(problem.n_candidates), size):
            if (problem.covered_by(list(subset)) == target).all():
                return size
    raise AssertionError


def random_problem(seed: int) -> CoveringProblem:
    rng = np.random.default_rng(seed)
    n_demand, n_candidates = rng.integers(6, 13), rng.integers(4, 9)
    distance = rng.uniform(0, 300, (n_demand, n_candidates))
    distance[rng.random(distance.shape) < 0.2] = np.inf
    return CoveringProblem.from_distances(
        distance, threshold_m=THRESHOLD, weights=rng.integers(0, 60, n_demand),
        already_covered=rng.random(n_demand) < 0.25,
    )


@pytest.mark.parametrize("seed", range(12))
def test_maximal_covering_is_optimal_and_keeps_existing_stations(seed: int) -> None:
    problem = random_problem(seed)
    for k in (1, 2, 3):
        exact = maximal_covering(problem, k)
        covered = problem.covered_by(list(exact.selected))
        assert exact.proven_optimal
        assert len(exact.selected) <= k
        assert covered[problem.already_covered].all()  # existing coverage never lost
        assert exact.covered_weight == pytest.approx(brute_force_max_cover(problem, k))
        greedy = greedy_maximal_covering(problem, k)
        assert greedy.covered_weight <= exact.covered_weight + 1e-9


@pytest.mark.parametrize("seed", range(12))
def test_set_covering_is_optimal_and_covers_every_coverable_building(seed: int) -> None:
    problem = random_problem(seed)
    exact = set_covering(problem)
    everything = problem.covered_by(list(range(problem.n_candidates)))
    assert exact.proven_optimal
    assert (problem.covered_by(list(exact.selected)) == everything).all()
    assert len(exact.selected) == brute_force_min_cover(problem)
    greedy = greedy_set_covering(problem)
    assert (problem.covered_by(list(greedy.selected)) == everything).all()
    assert len(greedy.selected) >= len(exact.selected)


def test_greedy_set_covering_can_need_more_sites() -> None:
    # Demand 0–5. C reaches {0,1,3,4} (4 points) so greedy takes it first, then still needs A
    # for 2 and B for 5: 3 sites. A {0,1,2} + B {3,4,5} cover everything with 2.
    problem = problem_from_sets(6, [{0, 1, 2}, {3, 4, 5}, {0, 1, 3, 4}], [1] * 6)
    assert set_covering(problem).selected == (0, 1)
    assert len(greedy_set_covering(problem).selected) == 3


def test_greedy_maximal_covering_can_cover_fewer_residents() -> None:
    # Residents 4, 2, 4, 2. A {0,1} = 6, B {2,3} = 6, C {0,2} = 8. With k = 2 greedy takes C then
    # A (adds 2): 10. The optimum A + B covers all 12.
    problem = problem_from_sets(4, [{0, 1}, {2, 3}, {0, 2}], [4, 2, 4, 2])
    exact = maximal_covering(problem, 2)
    greedy = greedy_maximal_covering(problem, 2)
    assert exact.selected == (0, 1) and exact.covered_weight == 12
    assert greedy.covered_weight == 10


def test_uncoverable_demand_is_listed_and_the_rest_solved() -> None:
    # Demand 2 has no candidate within reach; demand 0 is already covered by a station.
    problem = problem_from_sets(4, [{1}, {1, 3}], [5, 5, 5, 5], already={0})
    assert problem.uncoverable.tolist() == [2]
    answer = set_covering(problem)
    assert answer.selected == (1,)
    assert answer.covered_count == 3  # 0 (existing), 1 and 3


def test_no_site_is_proposed_that_covers_nobody() -> None:
    problem = problem_from_sets(3, [{0}, {0}, {1}], [5, 0, 0])
    # Only demand 0 has residents: one site is enough even though k = 3.
    assert len(maximal_covering(problem, 3).selected) == 1
    assert len(greedy_maximal_covering(problem, 3).selected) == 1


def test_path_intersections_include_crossings_without_a_shared_vertex() -> None:
    lines = [
        LineString([(0, 0), (10, 0)]),  # crossed by the next at (5, 0): degree 4
        LineString([(5, -5), (5, 5)]),
        LineString([(10, 0), (10, 5)]),  # an L-bend at (10, 0): degree 2, not an intersection
        LineString([(0, 0), (0, 5)]),
        LineString([(0, 0), (-5, 0)]),  # (0, 0): three ends meet
    ]
    points = path_intersections(lines)
    assert sorted(map(tuple, points.tolist())) == [(0.0, 0.0), (5.0, 0.0)]
    inside = path_intersections(lines, box(2, -1, 8, 1))
    assert inside.tolist() == [[5.0, 0.0]]


def test_candidates_are_read_from_a_planners_geojson(tmp_path) -> None:
    path = tmp_path / "candidates.geojson"
    features = [{"type": "Feature", "properties": {}, "geometry": {"type": "Point",
                 "coordinates": [117.26, 31.96]}}]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert read_candidates(path).tolist() == [[117.26, 31.96]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "无法读取为 GeoJSON，不是有效的 JSON（第 1 行第 1 列）：缺少值"),
        (b'{"type": "FeatureCollection",}', "第 1 行第 30 列）：多余的逗号"),
        (b'{"type": "FeatureCollection", "features": []}', "至少含一个要素"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
         b'{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}', "第 1 个要素应为经纬度点"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
         b'{"type": "Point", "coordinates": [500000, 3500000]}}]}', "第 1 个要素应为经纬度点"),
    ],
)
def test_bad_candidate_files_are_refused_with_the_reason(content: bytes, message: str) -> None:
    with pytest.raises(CandidateFileError, match=message):
        read_candidates(content)
