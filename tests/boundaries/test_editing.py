"""Split, merge and move buildings: exact overlays in storage coordinates."""

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from boundaries.editing import merge_grids, move_buildings, split_grid
from boundaries.errors import InvalidInput
from boundaries.households import assign_buildings


def test_split_by_a_line_gives_pieces_that_tile_the_grid():
    grid = box(104.00, 30.50, 104.01, 30.51)
    pieces = split_grid(grid, LineString([(104.003, 30.49), (104.004, 30.52)]))
    assert len(pieces) == 2
    assert pieces[0].area > pieces[1].area
    assert shapely.union_all(pieces).symmetric_difference(grid).area < 1e-15
    assert pieces[0].intersection(pieces[1]).area == 0


def test_split_needs_a_line_across_the_grid():
    grid = box(104.00, 30.50, 104.01, 30.51)
    with pytest.raises(InvalidInput, match="does not cut"):
        split_grid(grid, LineString([(104.003, 30.49), (104.003, 30.505)]))


def test_merge_needs_a_shared_border():
    a, b, far = box(0, 0, 1, 1), box(1, 0, 2, 1), box(3, 0, 4, 1)
    merged = merge_grids([a, b])
    assert len(merged.geoms) == 1 and merged.area == pytest.approx(2)
    with pytest.raises(InvalidInput, match="do not form one piece"):
        merge_grids([a, far], ["a", "far"])
    with pytest.raises(InvalidInput, match="do not form one piece"):
        merge_grids([a, box(1, 1, 2, 2)])  # corner only


def test_moving_buildings_moves_exactly_them():
    village = box(104.00, 30.50, 104.02, 30.51)
    west, east = box(104.00, 30.50, 104.01, 30.51), box(104.01, 30.50, 104.02, 30.51)
    rng = np.random.default_rng(7)
    xy = rng.uniform((104.0, 30.5), (104.02, 30.51), size=(120, 2))
    points = np.array([Point(p) for p in xy], dtype=object)
    before = assign_buildings([west, east], points).grid
    near = np.argsort(np.abs(xy[:, 0] - 104.01) + (before != 0) * 10)[:3]  # west, near border
    after_grids = move_buildings([west, east], 1, near.tolist(), points, area=village)
    after = assign_buildings(after_grids, points).grid
    assert (after[near] == 1).all()
    others = np.setdiff1d(np.arange(120), near)
    assert (after[others] == before[others]).all()
    union = shapely.union_all(after_grids)
    assert union.symmetric_difference(village).area < 1e-12
    assert after_grids[0].intersection(after_grids[1]).area < 1e-15
