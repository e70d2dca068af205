"""The point index answers what shapely answers, boundaries included, raster or not."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from boundaries.gridding import voronoi_cells
from boundaries.pointindex import PolygonIndex


def _tiling(seed: int, n: int = 60):
    """A Voronoi tiling of the unit square (a stand-in for grids of a village)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1, (n, 2))
    cells = voronoi_cells(xy, box(0, 0, 1, 1))
    return np.asarray([c for c in cells if c is not None and not c.is_empty], dtype=object)


def _expected(geoms, priority, x, y):
    """Independent answer: the lowest priority among polygons that cover the point."""
    out = np.full(len(x), -1)
    for i, (px, py) in enumerate(zip(x, y)):
        p = shapely.Point(px, py)
        hits = [j for j, g in enumerate(geoms) if g.covers(p)]
        if hits:
            out[i] = min(hits, key=lambda j: priority[j])
    return out


@pytest.mark.parametrize("cells_per_polygon", [0, 4, 256])
def test_random_points_match_shapely(cells_per_polygon):
    geoms = _tiling(1)
    rng = np.random.default_rng(2)
    priority = rng.permutation(len(geoms))
    index = PolygonIndex(geoms, priority=priority, cells_per_polygon=cells_per_polygon)
    x, y = rng.uniform(-0.1, 1.1, 3000), rng.uniform(-0.1, 1.1, 3000)
    expected = _expected(geoms, priority, x, y)
    assert (index.locate(x, y) == expected).all()
    assert [index.locate_one(a, b) for a, b in zip(x[:500], y[:500])] == list(expected[:500])


def test_vertices_and_edge_points_get_the_lowest_priority():
    geoms = _tiling(3)
    priority = np.arange(len(geoms))[::-1].copy()
    index = PolygonIndex(geoms, priority=priority)
    coords = shapely.get_coordinates(geoms)  # every vertex: shared by 2 or 3 cells
    rings = [np.asarray(g.exterior.coords) for g in geoms]
    mids = np.vstack([(r[:-1] + r[1:]) / 2 for r in rings])  # points on edges
    pts = np.vstack([coords, mids])
    expected = _expected(geoms, priority, pts[:, 0], pts[:, 1])
    assert (index.locate(pts[:, 0], pts[:, 1]) == expected).all()
    assert all(index.locate_one(a, b) == e for (a, b), e in zip(pts, expected))


def test_pure_cells_are_used_and_overlaps_are_not_trusted_to_the_raster():
    # two overlapping squares: the overlap is never a pure cell, so the lowest priority wins
    a, b = box(0, 0, 2, 2), box(1, 1, 3, 3)
    index = PolygonIndex([a, b], priority=[1, 0], cells_per_polygon=400)
    assert index.pure_share > 0.3
    assert index.locate_one(1.5, 1.5) == 1
    assert index.locate_one(0.5, 0.5) == 0
    assert index.locate_one(2.5, 2.5) == 1
    x = np.random.default_rng(4).uniform(0, 3, 2000)
    y = np.random.default_rng(5).uniform(0, 3, 2000)
    assert (index.locate(x, y) == _expected([a, b], [1, 0], x, y)).all()


def test_far_edge_of_the_bounds_and_outside():
    square = box(0, 0, 1, 1)
    index = PolygonIndex([square], cells_per_polygon=16)
    assert index.locate_one(1.0, 1.0) == 0  # the far corner is on the polygon
    assert index.locate_one(1.0, 0.5) == 0
    assert index.locate_one(1.0 + 1e-12, 0.5) == -1
    assert index.locate_one(float("nan"), 0.5) == -1
    got = index.locate(np.array([1.0, 0.0, 2.0, np.nan]), np.array([1.0, 0.0, 0.5, 0.5]))
    assert list(got) == [0, 0, -1, -1]


def test_polygon_with_a_hole():
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    inner = box(1, 1, 3, 3)
    index = PolygonIndex([ring, inner], cells_per_polygon=256)
    x = np.random.default_rng(6).uniform(-1, 5, 3000)
    y = np.random.default_rng(7).uniform(-1, 5, 3000)
    assert (index.locate(x, y) == _expected([ring, inner], [0, 1], x, y)).all()


def test_threads_give_the_same_answer():
    geoms = _tiling(8, 200)
    index = PolygonIndex(geoms, cells_per_polygon=8)
    rng = np.random.default_rng(9)
    x, y = rng.uniform(0, 1, 120_000), rng.uniform(0, 1, 120_000)
    assert (index.locate(x, y, threads=1) == index.locate(x, y, threads=2)).all()


def test_bad_input():
    with pytest.raises(ValueError, match="priority"):
        PolygonIndex([box(0, 0, 1, 1)], priority=[1, 2])
    index = PolygonIndex([box(0, 0, 1, 1)])
    with pytest.raises(ValueError, match="1-D"):
        index.locate(np.zeros(3), np.zeros(2))
    assert len(PolygonIndex([]).locate(np.zeros(2), np.zeros(2))) == 2
