"""Editing grids: split one by a line, merge several, move buildings from grid to grid.

All overlays happen in storage coordinates (EPSG:4490), so the pieces of a split share their
cut exactly and a merged grid has no seam. Households are not stored by these functions: a
building belongs to the grid holding its representative point (``boundaries.households``), so
moving a building means moving the boundary around it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from boundaries.errors import InvalidGeometry, InvalidInput
from boundaries.frame import LocalFrame
from boundaries.gridding import voronoi_cells
from boundaries.households import representative_points
from boundaries.topology import polygonal

__all__ = ["split_grid", "merge_grids", "move_buildings"]


def split_grid(grid: BaseGeometry, line: BaseGeometry) -> list[MultiPolygon]:
    """Cut ``grid`` along ``line`` into two or more pieces, largest first.

    The line must cross the grid from boundary to boundary (start and end outside it, or on
    its boundary). A line crossing several times gives more than two pieces; each piece is a
    polygon, so the separate parts of a multipart grid become separate pieces too.

    Raises:
        InvalidGeometry: ``grid`` is not a valid polygon, or ``line`` is not a line.
        InvalidInput: the line does not cut the grid in two.

    """
    shape = polygonal(grid)
    if shape.is_empty or not shape.is_valid:
        raise InvalidGeometry("the grid to split is not a valid polygon; fix it first")
    if not isinstance(line, LineString | MultiLineString) or line.is_empty:
        kind = "nothing" if line is None else line.geom_type
        raise InvalidGeometry(f"a grid is split by a LineString; got {kind}")
    pieces = [p for p in shapely.get_parts(split(shape, line)) if isinstance(p, Polygon)]
    if len(pieces) <= len(shape.geoms):
        raise InvalidInput(
            "the line does not cut the grid in two: draw it across the whole grid, starting "
            "and ending outside it"
        )
    pieces.sort(key=lambda p: -p.area)
    return [MultiPolygon([p]) for p in pieces]


def merge_grids(grids: Sequence[BaseGeometry], names: Sequence[str] | None = None) -> MultiPolygon:
    """Union grids that share borders into one contiguous grid.

    Raises:
        InvalidInput: fewer than two grids, or grids that would not form one piece (they do
            not share a border, only a corner, or leave a gap between them).

    """
    if len(grids) < 2:
        raise InvalidInput("merging needs at least two grids")
    labels = list(names) if names is not None else [f"#{i + 1}" for i in range(len(grids))]
    shapes = [polygonal(g) for g in grids]
    for label, shape in zip(labels, shapes, strict=True):
        if shape.is_empty or not shape.is_valid:
            raise InvalidGeometry(f"grid {label} is not a valid polygon; fix it before merging")
    before = sum(len(s.geoms) for s in shapes) - len(shapes)
    merged = polygonal(shapely.union_all(shapes))
    if len(merged.geoms) > 1 + before:
        raise InvalidInput(
            f"grids {', '.join(labels)} do not form one piece when merged (they share no "
            "border, only a corner, or there is a gap between them)"
        )
    return merged


def move_buildings(
    grids: Sequence[BaseGeometry],
    target: int,
    moved: Sequence[int],
    buildings: Sequence[BaseGeometry] | NDArray[np.object_],
    *,
    area: BaseGeometry,
) -> list[MultiPolygon]:
    """Move buildings into grid ``target`` by moving the boundary around them.

    Each moved building takes its Voronoi cell among all ``buildings`` (the part of ``area``
    nearer to it than to any other building), joined with its footprint, from whichever grids
    hold it, and gives it to ``target``. Other buildings stay where they were, because no other
    building's point lies in that cell. A building whose cell does not touch ``target`` makes
    the target multipart; validation then says so.

    Args:
        grids: The grids of one village (EPSG:4490).
        target: Index of the receiving grid.
        moved: Indices into ``buildings`` of the buildings to move.
        buildings: All buildings of the village (points or footprints).
        area: The village; cells are cut to it.

    Returns:
        The grids after the move, aligned with the input.

    """
    if not 0 <= target < len(grids):
        raise ValueError(f"`target` was {target} but there are {len(grids)} grids")
    shapes = np.asarray(buildings, dtype=object)
    if len(moved) == 0:
        raise InvalidInput("no buildings to move")
    if any(not 0 <= int(b) < len(shapes) for b in moved):
        raise ValueError(f"`moved` holds an index outside 0..{len(shapes) - 1}")
    frame = LocalFrame.around(area)
    points = representative_points(shapes)
    xy = frame.to_xy(shapely.get_x(points), shapely.get_y(points))
    cells = frame.back(voronoi_cells(xy, frame.forward(shapely.envelope(area))))
    taken = shapely.union_all(
        [shapely.union(cells[int(b)], polygonal(shapes[int(b)])) for b in moved]
    )
    taken = polygonal(shapely.intersection(taken, area))
    out = [polygonal(g) for g in grids]
    gained = [taken]
    for i, grid in enumerate(out):
        if i == target or not shapely.intersects(grid, taken):
            continue
        gained.append(polygonal(shapely.intersection(grid, taken)))
        out[i] = polygonal(shapely.difference(grid, taken))
    # only what was taken from other grids (or was in no grid) joins the target
    out[target] = polygonal(shapely.union_all([out[target], *gained[1:]]))
    free = polygonal(shapely.difference(taken, shapely.union_all(out)))
    if not free.is_empty:
        out[target] = polygonal(shapely.union(out[target], free))
    return out
