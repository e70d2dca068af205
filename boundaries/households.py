"""Which grid holds each building: households are counted by containment.

A building is a point or a footprint. It belongs to the grid that contains its representative
point (the point itself, or ``point_on_surface`` of a footprint), so each building is counted
exactly once even where its footprint crosses a grid boundary. A point lying exactly on a
shared boundary goes to the first grid (in input order) that touches it.

A building is reported as lying "in two grids" when its representative point is inside two or
more grids (the grids overlap there), or when its footprint has at least ``split_share`` of its
area in each of two or more grids (a boundary cuts through it).

Works on geometries in any one CRS; pure, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["BuildingAssignment", "assign_buildings", "representative_points"]


def representative_points(geoms: Sequence[BaseGeometry] | NDArray[np.object_]) -> NDArray:
    """The point that decides a building's grid: the point itself or ``point_on_surface``."""
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    if len(arr) == 0:
        return np.empty(0, dtype=object)
    if shapely.is_missing(arr).any() or shapely.is_empty(arr).any():
        bad = int(np.flatnonzero(shapely.is_missing(arr) | shapely.is_empty(arr))[0])
        raise ValueError(f"building {bad} has no geometry; every building needs a point or shape")
    points = shapely.get_type_id(arr) == shapely.GeometryType.POINT
    return np.where(points, arr, shapely.point_on_surface(arr))


@dataclass
class BuildingAssignment:
    """The grid of each building (index into the grids, -1 for none) and the doubtful ones."""

    grid: NDArray[np.int64]
    """Per building: the grid that counts it, -1 when no grid holds its representative point."""
    in_two: dict[int, tuple[int, ...]]
    """Building index → the grids (sorted, two or more) it lies in, as defined above."""

    def households(self, households: NDArray[np.float64], n_grids: int) -> NDArray[np.float64]:
        """Households per grid (length ``n_grids``) summed over the buildings each one counts."""
        counted = self.grid >= 0
        weights = np.asarray(households, dtype=np.float64)[counted]
        return np.bincount(self.grid[counted], weights=weights, minlength=n_grids).astype(
            np.float64
        )

    def buildings(self, n_grids: int) -> NDArray[np.int64]:
        """Number of buildings each grid counts."""
        counted = self.grid >= 0
        return np.bincount(self.grid[counted], minlength=n_grids)


def assign_buildings(
    grids: Sequence[BaseGeometry] | NDArray[np.object_],
    buildings: Sequence[BaseGeometry] | NDArray[np.object_],
    *,
    split_share: float = 0.1,
) -> BuildingAssignment:
    """Find the grid of every building (see the module docstring for the rules).

    Args:
        grids: Polygonal grid geometries (empty or missing ones hold nothing).
        buildings: Building points or footprints, in the same CRS.
        split_share: Share of a footprint's area that must lie in each of two grids for the
            building to count as cut by a boundary; in (0, 0.5].

    Returns:
        A :class:`BuildingAssignment`.

    """
    if not 0.0 < split_share <= 0.5:
        raise ValueError(f"`split_share` was {split_share} but is expected to be in (0, 0.5]")
    grid_arr = np.asarray(list(grids) if not isinstance(grids, np.ndarray) else grids, dtype=object)
    points = representative_points(buildings)
    n = len(points)
    owner = np.full(n, -1, dtype=np.int64)
    in_two: dict[int, tuple[int, ...]] = {}
    usable = ~(shapely.is_missing(grid_arr) | shapely.is_empty(grid_arr)) if len(grid_arr) else []
    if n == 0 or not np.any(usable):
        return BuildingAssignment(grid=owner, in_two=in_two)
    index = np.flatnonzero(usable)
    tree = shapely.STRtree(grid_arr[index])
    b_idx, g_local = tree.query(points, predicate="intersects")
    g_idx = index[g_local]
    interior = shapely.contains_properly(grid_arr[g_idx], points[b_idx])
    order = np.lexsort((g_idx, ~interior, b_idx))  # per building: interior hits first
    b_sorted, g_sorted = b_idx[order], g_idx[order]
    first = np.ones(len(b_sorted), dtype=bool)
    first[1:] = b_sorted[1:] != b_sorted[:-1]
    owner[b_sorted[first]] = g_sorted[first]
    inside_count = np.bincount(b_idx[interior], minlength=n)
    for doubled in np.flatnonzero(inside_count >= 2).tolist():
        hits = g_idx[(b_idx == doubled) & interior]
        in_two[doubled] = tuple(sorted(int(g) for g in hits))
    footprints = np.flatnonzero(shapely.get_dimensions(np.asarray(buildings, dtype=object)) == 2)
    if len(footprints):
        shapes = np.asarray(buildings, dtype=object)[footprints]
        f_local, g_hit = tree.query(shapes, predicate="intersects")
        if len(f_local):
            g_hit = index[g_hit]
            share = shapely.area(
                shapely.intersection(grid_arr[g_hit], shapes[f_local])
            ) / shapely.area(shapes[f_local])
            big = share >= split_share
            counts = np.bincount(f_local[big], minlength=len(footprints))
            for local in np.flatnonzero(counts >= 2).tolist():
                b = int(footprints[local])
                grids_hit = {int(g) for g in g_hit[(f_local == local) & big]}
                in_two[b] = tuple(sorted(grids_hit | set(in_two.get(b, ()))))
    return BuildingAssignment(grid=owner, in_two=in_two)
