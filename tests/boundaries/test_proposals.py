"""Proposals: grids tile the village, each in one piece, within the household range where the
buildings allow it, along the streets given, and say what could not be met."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.ops
from shapely.geometry import LineString, Point, Polygon, box

from boundaries.households import assign_buildings
from boundaries.proposals import propose_grids


def _village(rng) -> Polygon:
    """An irregular, non-convex village of roughly 2 x 2 km around (104.0, 30.5)."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, 14))
    radii = rng.uniform(0.006, 0.012, 14)
    poly = Polygon(
        np.column_stack([104.0 + radii * np.cos(angles), 30.5 + radii * np.sin(angles) * 0.9])
    )
    return shapely.make_valid(poly).buffer(0)


def _buildings(rng, area, n, households):
    minx, miny, maxx, maxy = area.bounds
    xy = np.empty((0, 2))
    while len(xy) < n:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(4 * n, 2))
        xy = np.vstack([xy, cand[shapely.contains_xy(area, cand[:, 0], cand[:, 1])]])
    xy = xy[:n]
    return gpd.GeoDataFrame(
        {"code": [f"B{i}" for i in range(n)], "households": households},
        geometry=[Point(p) for p in xy],
        crs=4490,
    )


def _assert_tiles(area, grids):
    union = shapely.union_all(list(grids.geometry))
    assert union.symmetric_difference(area).area <= 1e-9 * area.area
    geoms = list(grids.geometry)
    overlap = sum(a.intersection(b).area for i, a in enumerate(geoms) for b in geoms[i + 1 :])
    assert overlap <= 1e-9 * area.area


@pytest.mark.parametrize("seed", range(6))
def test_random_villages_are_tiled_by_contiguous_grids_within_the_range(seed):
    rng = np.random.default_rng(seed)
    area = _village(rng)
    n = int(rng.integers(150, 600))
    buildings = _buildings(rng, area, n, rng.integers(1, 4, n))
    proposal = propose_grids(area, buildings, floor=100, ceiling=300)
    grids = proposal.grids
    _assert_tiles(area, grids)
    assert all(len(shapely.get_parts(g)) == 1 for g in grids.geometry)  # contiguous
    owner = assign_buildings(list(grids.geometry), list(buildings.geometry)).grid
    expected = np.bincount(owner, weights=buildings["households"], minlength=len(grids))
    assert grids["households"].tolist() == [int(v) for v in expected]
    total = int(buildings["households"].sum())
    assert np.ceil(total / 300) <= len(grids) <= np.floor(total / 100)
    # small buildings leave no excuse: every grid meets floor and ceiling
    assert ((grids["households"] >= 100) & (grids["households"] <= 300)).all(), proposal.unmet
    assert proposal.unmet == []
    assert (grids["compactness"] > 0.2).all()


def test_same_input_same_proposal():
    rng = np.random.default_rng(11)
    area = _village(rng)
    buildings = _buildings(rng, area, 300, rng.integers(1, 4, 300))
    a = propose_grids(area, buildings, floor=100, ceiling=300)
    b = propose_grids(area, buildings, floor=100, ceiling=300)
    assert [g.wkb for g in a.grids.geometry] == [g.wkb for g in b.grids.geometry]


def test_a_building_above_the_ceiling_is_reported_and_gets_its_own_grid():
    rng = np.random.default_rng(5)
    area = _village(rng)
    hh = rng.integers(20, 80, 40)
    hh[7] = 720
    buildings = _buildings(rng, area, 40, hh)
    proposal = propose_grids(area, buildings, floor=200, ceiling=500)
    assert any("B7 has 720 households, above the ceiling 500" in u for u in proposal.unmet)
    owner = assign_buildings(list(proposal.grids.geometry), list(buildings.geometry)).grid
    tower_grid = owner[7]
    assert proposal.grids["households"].iloc[tower_grid] == 720
    _assert_tiles(area, proposal.grids)


def test_too_few_households_for_the_floor_is_said():
    area = box(104.0, 30.5, 104.01, 30.51)
    buildings = _buildings(np.random.default_rng(1), area, 20, np.full(20, 3))
    proposal = propose_grids(area, buildings, floor=100, ceiling=300)
    assert len(proposal.grids) == 1
    assert any("fewer than the floor 100" in u for u in proposal.unmet)


def test_grids_follow_a_street_that_halves_the_households():
    area = box(104.00, 30.50, 104.02, 30.51)
    street = LineString([(104.0103, 30.49), (104.0097, 30.52)])  # slightly slanted
    rng = np.random.default_rng(2)
    buildings = _buildings(rng, area, 800, np.ones(800, dtype=int))
    side = np.array(
        [street.interpolate(street.project(p)).x < p.x for p in buildings.geometry]
    )  # True: east of the street
    proposal = propose_grids(
        area, buildings, floor=100, ceiling=300, target=int(side.sum() / 2), cut_lines=[street]
    )
    assert proposal.blocks == 2
    east_block = shapely.ops.split(area, street).geoms
    east_block = max(east_block, key=lambda g: g.centroid.x)
    for grid in proposal.grids.geometry:
        inside = grid.intersection(east_block).area / grid.area
        assert inside < 0.02 or inside > 0.98, inside  # no grid straddles the street


def test_no_buildings_gives_one_grid():
    area = box(104.0, 30.5, 104.01, 30.51)
    empty = gpd.GeoDataFrame({"households": []}, geometry=[], crs=4490)
    proposal = propose_grids(area, empty, floor=100, ceiling=300)
    assert len(proposal.grids) == 1 and "no buildings" in proposal.unmet[0]
