"""The maximal covering location problem: HiGHS against brute force, greedy and its gap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from scipy.sparse import csr_array
from shapely.geometry import LineString, box

from boundaries import placement as pl


def brute_force(a: np.ndarray, w: np.ndarray, k: int, groups: np.ndarray | None = None) -> float:
    n = a.shape[1]
    best = 0.0
    for size in range(1, k + 1):
        for combo in itertools.combinations(range(n), size):
            if groups is not None and len({groups[j] for j in combo}) < size:
                continue
            best = max(best, float(w[a[:, list(combo)].sum(axis=1) > 0].sum()))
    return best


@pytest.mark.parametrize("solver", pl.SOLVERS)
@pytest.mark.parametrize("seed", range(8))
def test_exact_equals_brute_force(seed, solver):
    rng = np.random.default_rng(seed)
    a = (rng.random((25, 8)) < 0.25).astype(int)
    w = rng.integers(0, 9, 25).astype(float)
    k = int(rng.integers(1, 4))
    greedy = pl.greedy(csr_array(a), w, k)
    got = pl.exact(csr_array(a), w, k, solver=solver, start=greedy)
    assert got.status == "optimal"
    assert got.covered_weight == pytest.approx(brute_force(a, w, k))
    assert len(got.chosen) <= k
    assert got.covered_weight == pytest.approx(w[a[:, got.chosen].sum(axis=1) > 0].sum())
    assert greedy.covered_weight <= got.covered_weight + 1e-9


def test_greedy_gap_on_the_classic_trap():
    # candidate 0 covers the middle of both halves (weight 6); 1 and 2 cover a half each (5 each)
    a = np.zeros((4, 3), dtype=int)
    a[[0, 1], 1] = 1  # left half
    a[[2, 3], 2] = 1  # right half
    a[[1, 2], 0] = 1  # middle
    w = np.array([2.0, 3.0, 3.0, 2.0])
    greedy = pl.greedy(csr_array(a), w, 2)
    exact = pl.exact(csr_array(a), w, 2, start=greedy)
    assert list(greedy.chosen) == [0, 1] or list(greedy.chosen) == [0, 2]
    assert greedy.covered_weight == 8.0 and exact.covered_weight == 10.0
    assert list(exact.chosen) == [1, 2]
    assert pl.relative_gap(exact.covered_weight, greedy.covered_weight) == pytest.approx(0.2)


def test_groups_allow_one_heading_per_position():
    # candidates 0 and 1 are two headings at one position; together they would cover everything
    a = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    w = np.array([5.0, 4.0, 1.0])
    groups = np.array([0, 0, 1])
    got = pl.exact(csr_array(a), w, 2, groups=groups)
    assert got.covered_weight == pytest.approx(brute_force(a, w, 2, groups)) == 6.0
    assert list(got.chosen) == [0, 2]
    assert list(pl.greedy(csr_array(a), w, 2, groups=groups).chosen) == [0, 2]


def test_redundant_picks_are_dropped():
    a = np.array([[1, 1, 1]])
    got = pl.exact(csr_array(a), np.array([3.0]), 3)
    assert len(got.chosen) == 1 and got.covered_weight == 3.0


def test_coverage_matrix_from_views():
    views = np.array([box(0, 0, 10, 10), box(5, 0, 15, 10)])
    pts = np.array([[1, 1], [7, 5], [14, 9], [30, 30], [10, 5]])
    got = pl.coverage_matrix(views, pts).toarray()
    ref = np.array([[shapely.intersects(v, shapely.Point(p)) for v in views] for p in pts]).astype(
        int
    )
    np.testing.assert_array_equal(got, ref)


def test_points_along_lattice_and_junctions():
    xy, owner = pl.points_along([LineString([(0, 0), (100, 0)]), LineString([(0, 0), (0, 30)])], 25)
    np.testing.assert_allclose(xy[owner == 0][:, 0], [12.5, 37.5, 62.5, 87.5])
    np.testing.assert_allclose(xy[owner == 1], [[0, 15]])
    grid = pl.lattice(box(0, 0, 100, 50), 10)
    assert len(grid) == 50 and grid[:, 0].min() == 5
    lines = [
        LineString([(0, 0), (10, 0)]),
        LineString([(10, 0), (20, 0)]),
        LineString([(10, 0), (10, 10)]),
    ]
    np.testing.assert_allclose(pl.junctions(lines), [[10, 0]])
    assert list(pl.orientations(90)) == [0, 90, 180, 270]
    assert list(pl.orientations(100)) == [0, 90, 180, 270]
    assert np.isnan(pl.orientations(360)).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pl.greedy(csr_array(np.ones((2, 2))), [1.0], 1), "`weights` has 1 values"),
        (lambda: pl.greedy(csr_array(np.ones((2, 2))), [1.0, -1.0], 1), "finite and >= 0"),
        (lambda: pl.exact(csr_array(np.ones((2, 2))), [1.0, 1.0], 0), "`k` was 0"),
        (lambda: pl.exact(csr_array(np.ones((2, 2))), [1.0, 1.0], 1, time_limit=0), "time_limit"),
        (lambda: pl.points_along([], 0), "`spacing` was 0"),
        (lambda: pl.exact(csr_array(np.ones((2, 2))), [1.0, 1.0], 1, solver="GUROBI"), "`solver`"),
    ],
)
def test_bad_inputs_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
