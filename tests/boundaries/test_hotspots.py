"""Kernel density in metres against independent computations (scikit-learn, brute force)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KernelDensity

from boundaries.hotspots import kernel, kernel_density


@pytest.fixture
def points() -> np.ndarray:
    rng = np.random.default_rng(7)
    a = rng.normal([0, 0], 150, (120, 2))
    b = rng.normal([1500, 800], 300, (80, 2))
    return np.vstack([a, b])


@pytest.mark.parametrize("kind", ["gaussian", "epanechnikov"])
def test_density_matches_scikit_learn(points, kind):
    h = 250.0
    grid = kernel_density(points, bandwidth=h, cell=50.0, kind=kind)
    cx, cy = grid.centres()
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    kde = KernelDensity(kernel=kind, bandwidth=h).fit(points)
    # scikit-learn: a probability density (integral 1); ours: points per km²
    expected = np.exp(kde.score_samples(centres)) * len(points) * 1e6
    got = grid.density.ravel()
    if kind == "gaussian":  # ours stops at 4 bandwidths: the tails differ by < 0.04 %
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=expected.max() * 4e-4)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_quartic_matches_brute_force_sum(points):
    h = 300.0
    grid = kernel_density(points, bandwidth=h, cell=75.0)
    cx, cy = grid.centres()
    d = np.hypot(cx.ravel()[:, None] - points[:, 0], cy.ravel()[:, None] - points[:, 1])
    u = d / h
    brute = np.where(u < 1, 3 / (np.pi * h * h) * (1 - u**2) ** 2, 0).sum(axis=1) * 1e6
    np.testing.assert_allclose(grid.density.ravel(), brute, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kind", ["quartic", "epanechnikov", "gaussian"])
def test_each_kernel_integrates_to_one(kind):
    h = 100.0
    r = np.linspace(0, 6 * h, 200_001)
    ring = kernel(r, bandwidth=h, kind=kind) * 2 * np.pi * r
    assert np.trapezoid(ring, r) == pytest.approx(1.0, abs=1e-4)


def test_cells_add_up_to_the_number_of_points(points):
    grid = kernel_density(points, bandwidth=200.0, cell=20.0)
    assert grid.density.sum() * 20 * 20 / 1e6 == pytest.approx(len(points), rel=1e-3)


def test_weights_scale_the_density(points):
    plain = kernel_density(points, bandwidth=200.0, cell=50.0)
    double = kernel_density(points, bandwidth=200.0, cell=50.0, weights=np.full(len(points), 2.0))
    np.testing.assert_allclose(double.density, 2 * plain.density)


def test_peaks_are_the_cluster_centres(points):
    grid = kernel_density(points, bandwidth=400.0, cell=50.0)
    rows, cols = grid.peaks(minimum=0.05 * grid.density.max())
    cx, cy = grid.centres()
    found = np.column_stack([cx[rows, cols], cy[rows, cols]])
    assert len(found) == 2
    assert np.hypot(*(found[0] - [0, 0])) < 150  # the denser cluster ranks first
    assert np.hypot(*(found[1] - [1500, 800])) < 300


def test_cells_are_squares_at_their_place():
    grid = kernel_density(np.array([[0.0, 0.0]]), bandwidth=100.0, cell=10.0)
    [cell] = grid.cells(np.array([0]), np.array([0]))
    assert cell.bounds == pytest.approx((grid.x0, grid.y0, grid.x0 + 10, grid.y0 + 10))
    assert grid.x0 == pytest.approx(-100.0) and grid.density.shape == (20, 20)


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="kind"):
        kernel_density(np.zeros((1, 2)), bandwidth=10, cell=1, kind="box")
    with pytest.raises(ValueError, match="bandwidth"):
        kernel_density(np.zeros((1, 2)), bandwidth=0, cell=1)
    with pytest.raises(ValueError, match="shape"):
        kernel_density(np.zeros((3,)), bandwidth=10, cell=1)
    with pytest.raises(ValueError, match="cells"):
        kernel_density(np.array([[0, 0], [1e6, 1e6]]), bandwidth=10, cell=1)
    with pytest.raises(ValueError, match="nothing to cover"):
        kernel_density(np.zeros((0, 2)), bandwidth=10, cell=1)
