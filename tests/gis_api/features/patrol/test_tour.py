"""The optimiser alone: matrices in, routes out, compared with exhaustive search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gis_api.features.patrol.tour import solve, solve_tours

LIMIT = 0.3


def euclidean(n, seed):
    pts = np.random.default_rng(seed).uniform(0, 1000, (n, 2))
    return np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))


def cost(matrix, route):
    return sum(matrix[a][b] for a, b in itertools.pairwise(route))


def best_path(matrix, start, end, stops):
    """Exhaustive: the cheapest order of ``stops`` from start to end."""
    if not stops:
        return cost(matrix, [start, end])
    return min(cost(matrix, [start, *p, end]) for p in itertools.permutations(stops))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_team_finds_the_optimal_tour(seed):
    matrix = euclidean(9, seed)
    (route,) = solve(matrix, time_limit_s=LIMIT)
    assert route[0] == route[-1] == 0
    assert sorted(route[1:-1]) == list(range(1, 9))
    assert cost(matrix, route) == pytest.approx(best_path(matrix, 0, 0, list(range(1, 9))))


def test_asymmetric_matrix_with_distinct_end():
    rng = np.random.default_rng(7)
    matrix = rng.integers(1, 100, (8, 8)).tolist()  # nested lists of ints, asymmetric
    (route,) = solve(matrix, start=2, end=5, time_limit_s=LIMIT)
    assert route[0] == 2 and route[-1] == 5
    stops = [i for i in range(8) if i not in (2, 5)]
    assert sorted(route[1:-1]) == stops
    assert cost(matrix, route) == best_path(matrix, 2, 5, stops)


def test_teams_are_balanced_by_their_longest_route():
    matrix = euclidean(8, 11)
    routes = solve(matrix, teams=3, time_limit_s=LIMIT)
    assert len(routes) == 3
    assert all(len(r) >= 3 and r[0] == 0 and r[-1] == 0 for r in routes)  # a stop each
    assert sorted(s for r in routes for s in r[1:-1]) == list(range(1, 8))
    longest = max(cost(matrix, r) for r in routes)
    best = np.inf
    for assign in itertools.product(range(3), repeat=7):
        if len(set(assign)) < 3:
            continue
        groups = [[i + 1 for i, a in enumerate(assign) if a == g] for g in range(3)]
        best = min(best, max(best_path(matrix, 0, 0, g) for g in groups))
    assert longest == pytest.approx(best)


def test_time_limit_per_route_drops_what_cannot_fit():
    matrix = np.array(
        [
            [0, 10, 10, 500],
            [10, 0, 5, 500],
            [10, 5, 0, 500],
            [500, 500, 500, 0],
        ],
        dtype=float,
    )
    tours = solve_tours(matrix, time_limit_s=LIMIT, max_route_cost=100.0)
    assert tours.dropped == [3]
    assert tours.routes[0] in ([0, 1, 2, 0], [0, 2, 1, 0])
    assert tours.costs == [pytest.approx(25.0)]


def test_floats_are_scaled_without_changing_the_answer():
    matrix = euclidean(7, 5) / 1e4  # small floats: scaled to integers inside
    (route,) = solve(matrix, time_limit_s=LIMIT)
    assert cost(matrix, route) == pytest.approx(best_path(matrix, 0, 0, list(range(1, 7))))


def test_no_stops_besides_start_and_end():
    assert solve([[0, 3], [4, 0]], start=0, end=1, time_limit_s=LIMIT) == [[0, 1]]


@pytest.mark.parametrize(
    ("matrix", "kwargs", "message"),
    [
        ([[0, 1, 2], [1, 0, 2]], {}, "square"),
        ([[0, 1], [1]], {}, "square matrix of numbers"),
        ([[0, -1], [1, 0]], {}, ">= 0"),
        ([[0, float("nan")], [1, 0]], {}, "finite"),
        ([[0, 1], [1, 0]], {"start": 2}, "start"),
        ([[0, 1], [1, 0]], {"end": -1}, "end"),
        ([[0, 1, 1], [1, 0, 1], [1, 1, 0]], {"teams": 3}, "only 2 stop"),
        ([[0, 1], [1, 0]], {"teams": 0}, "teams"),
        ([[0, 1], [1, 0]], {"time_limit_s": 0}, "time_limit_s"),
        ("not a matrix", {}, "square matrix of numbers"),
    ],
)
def test_bad_input_is_refused(matrix, kwargs, message):
    with pytest.raises(ValueError, match=message):
        solve(matrix, **kwargs)
