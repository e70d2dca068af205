"""Propose grids for a village or community from its buildings.

The steps (all in a local affine metric frame, ``boundaries.frame``, so the result overlays
the stored village exactly):

1. Street blocks: the village is cut by the streets and rivers given as ``cut_lines`` (none:
   the village is one block).
2. Tiles: inside each block, the Voronoi cell of each building (its representative point);
   a block without buildings is a tile of its own; a cell that the block's shape cuts in two
   leaves its detached part as an extra empty tile. Tiles that share a border are neighbours.
3. A first partition by recursive bisection (``boundaries.gridding.partition_households``):
   balanced, ``round(H / target)`` grids clamped to what the floor and ceiling allow. A
   building above the ceiling is a grid of its own.
4. Repair and improve on the tile graph (``boundaries.regions``): detached pieces go to the
   neighbour they border most; regions below the floor merge into a neighbour they fit into;
   a local search moves border tiles to meet the floor and ceiling, make grids compact, and
   keep street blocks whole.
5. Each grid is the union of its tiles, so the grids tile the village with no gap or overlap,
   every grid is one piece (on a connected village), and its boundary runs along streets where
   the search could keep blocks whole.

What could not be met is said in plain words: buildings above the ceiling on their own, a
village with fewer households than the floor, grids left outside the range.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from boundaries.codes import reading_order
from boundaries.frame import LocalFrame
from boundaries.gridding import partition_households, voronoi_cells
from boundaries.households import assign_buildings, representative_points
from boundaries.projection import area_m2, length_m
from boundaries.regions import TileGraph, components, improve, make_contiguous, merge_small
from boundaries.topology import polygonal

__all__ = ["Proposal", "propose_grids", "street_blocks", "polsby_popper"]

CUT_WEIGHT = 0.05
"""Cost of cutting two tiles of one street block apart (see ``boundaries.regions``)."""


@dataclass
class Proposal:
    """Proposed grids of one village, with their figures and what could not be met."""

    grids: gpd.GeoDataFrame
    """key, households, buildings, area_m2, compactness, status; EPSG:4490."""
    floor: int
    ceiling: int
    target: float
    unmet: list[str] = field(default_factory=list)
    blocks: int = 1
    moves: int = 0

    def summary(self) -> dict[str, Any]:
        """How many grids, the household spread, the share within the range, compactness."""
        hh = self.grids["households"].to_numpy(dtype=float)
        within = (hh >= self.floor) & (hh <= self.ceiling)
        return {
            "grids": len(self.grids),
            "households": {
                "total": int(hh.sum()),
                "min": int(hh.min()) if len(hh) else 0,
                "median": float(np.median(hh)) if len(hh) else 0.0,
                "max": int(hh.max()) if len(hh) else 0,
            },
            "within_range": int(within.sum()),
            "within_share": float(within.mean()) if len(hh) else 0.0,
            "compactness_mean": float(self.grids["compactness"].mean()) if len(hh) else 0.0,
            "floor": self.floor,
            "ceiling": self.ceiling,
            "target": self.target,
            "street_blocks": self.blocks,
            "unmet": list(self.unmet),
        }


def polsby_popper(geoms: list[BaseGeometry]) -> np.ndarray:
    """4π · area / perimeter², measured in metres (Gauss–Krüger), per geometry."""
    if not geoms:
        return np.zeros(0)
    series = gpd.GeoSeries(geoms, crs=4490)
    a = np.asarray(area_m2(series), dtype=float)
    p = np.asarray(length_m(series), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, 4 * np.pi * a / p**2, 0.0)


def street_blocks(area: BaseGeometry, lines: list[BaseGeometry]) -> list[Polygon]:
    """The faces that ``lines`` cut ``area`` into (any planar CRS); ``area``'s parts if none."""
    shape = polygonal(area)
    crossing = [g for g in lines if g is not None and shapely.intersects(g, shape)]
    if not crossing:
        return list(shape.geoms)
    # unclipped lines: noding them with the boundary puts exact vertices at the crossings
    noded = shapely.union_all([shape.boundary, *crossing])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    return [f for f in faces if isinstance(f, Polygon) and shape.contains(f.representative_point())]


def _tiles(blocks: list[Polygon], xy: np.ndarray) -> tuple[list[Polygon], np.ndarray, np.ndarray]:
    """Tiles, the tile of each building (-1 none), and the block of each tile."""
    tiles: list[Polygon] = []
    tile_block: list[int] = []
    building_tile = np.full(len(xy), -1, dtype=np.int64)
    points = shapely.points(xy) if len(xy) else np.empty(0, dtype=object)
    blk_of = np.full(len(xy), -1, dtype=np.int64)
    if len(xy):
        p_idx, b_idx = shapely.STRtree(blocks).query(points, predicate="intersects")
        blk_of[p_idx[::-1]] = b_idx[::-1]
    for b, block in enumerate(blocks):
        members = np.flatnonzero(blk_of == b)
        if len(members) == 0:
            tiles.append(block)
            tile_block.append(b)
            continue
        cells = shapely.intersection(voronoi_cells(xy[members], block), block)
        for i, cell in zip(members, cells, strict=True):
            parts = sorted(polygonal(cell).geoms, key=lambda p: -p.area)
            own = next((p for p in parts if p.intersects(points[i])), parts[0] if parts else None)
            if own is None:
                continue
            building_tile[i] = len(tiles)
            tiles.append(own)
            tile_block.append(b)
            for extra in parts:
                if extra is not own:
                    tiles.append(extra)
                    tile_block.append(b)
    return tiles, building_tile, np.asarray(tile_block, dtype=np.int64)


def _graph(tiles: list[Polygon], weight: np.ndarray, block: np.ndarray) -> TileGraph:
    arr = np.asarray(tiles, dtype=object)
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(arr[left], arr[right]))
    neighbours: list[list[int]] = [[] for _ in tiles]
    for i, j in zip(left[shared > 1e-6], right[shared > 1e-6], strict=True):
        neighbours[int(i)].append(int(j))
        neighbours[int(j)].append(int(i))
    centroids = shapely.centroid(arr)
    graph = TileGraph(
        neighbours=neighbours,
        weight=weight,
        area=shapely.area(arr),
        xy=np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)]),
        block=block,
    )
    _connect(graph)
    return graph


def _connect(graph: TileGraph) -> None:
    """Join separate pieces of the graph (a village in several parts) at their nearest tiles."""
    pieces = components(graph, list(range(graph.size)))
    while len(pieces) > 1:
        main, other = pieces[0], pieces[1]
        a, b = graph.xy[main], graph.xy[other]
        d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        i, j = np.unravel_index(int(np.argmin(d)), d.shape)
        graph.neighbours[main[i]].append(other[j])
        graph.neighbours[other[j]].append(main[i])
        pieces = [main + other, *pieces[2:]]


def _spread(labels: np.ndarray, graph: TileGraph, seeded: np.ndarray) -> np.ndarray:
    """Give tiles without a label (no building) the label of a labelled neighbour (BFS)."""
    out = labels.copy()
    queue = deque(int(i) for i in np.flatnonzero(seeded))
    while queue:
        i = queue.popleft()
        for j in graph.neighbours[i]:
            if out[j] < 0:
                out[j] = out[i]
                queue.append(j)
    out[out < 0] = 0
    return out


def propose_grids(
    area: Polygon | MultiPolygon,
    buildings: gpd.GeoDataFrame,
    *,
    floor: int,
    ceiling: int,
    target: float | None = None,
    cut_lines: list[BaseGeometry] | None = None,
    max_passes: int = 40,
) -> Proposal:
    """Propose grids for ``area`` (EPSG:4490) from ``buildings`` (``households`` column).

    Args:
        area: The village or community.
        buildings: Points or footprints with ``households`` (and optionally ``code``); only
            those whose representative point lies in ``area`` are used.
        floor: Fewest households a grid should have.
        ceiling: Most households a grid should have.
        target: Wanted households per grid; default the middle of the range.
        cut_lines: Streets and rivers (lines, EPSG:4490) that grid boundaries should follow.
        max_passes: Passes of the local search.

    Returns:
        A :class:`Proposal`; its grids are keyed ``p1``, ``p2``… in reading order.

    """
    shape = polygonal(area)
    if shape.is_empty or not shape.is_valid:
        raise ValueError("`area` must be a valid, non-empty (Multi)Polygon")
    if not (isinstance(floor, int | np.integer) and isinstance(ceiling, int | np.integer)):
        raise ValueError(f"`floor` ({floor!r}) and `ceiling` ({ceiling!r}) must be integers")
    if not 0 < floor <= ceiling:
        raise ValueError(f"`floor` ({floor}) and `ceiling` ({ceiling}) need 0 < floor <= ceiling")
    tgt = (floor + ceiling) / 2 if target is None else float(target)
    if not floor <= tgt <= ceiling:
        raise ValueError(f"`target` ({target}) is expected to lie in [{floor}, {ceiling}]")
    if "households" not in buildings.columns:
        raise ValueError("`buildings` needs a `households` column")
    frame = LocalFrame.around(shape)
    local = polygonal(frame.forward(shape))
    shapes = np.asarray(buildings.geometry.array, dtype=object)
    points = representative_points(shapes) if len(shapes) else np.empty(0, dtype=object)
    inside = shapely.contains_xy(shape, shapely.get_x(points), shapely.get_y(points))
    points = points[inside] if len(points) else points
    households = np.asarray(buildings["households"], dtype=float)[inside] if len(shapes) else []
    households = np.asarray(households, dtype=float)
    codes = list(buildings["code"]) if "code" in buildings.columns else list(range(len(shapes)))
    codes = [c for c, keep in zip(codes, inside, strict=True) if keep] if len(shapes) else []
    xy = (
        frame.to_xy(shapely.get_x(points), shapely.get_y(points))
        if len(points)
        else np.empty((0, 2))
    )
    lines = [frame.forward(g) for g in (cut_lines or []) if g is not None and not g.is_empty]
    blocks = street_blocks(local, lines)
    unmet: list[str] = []
    if len(shape.geoms) > 1:
        unmet.append(f"the village is in {len(shape.geoms)} separate parts; a grid may span two")
    if len(xy) == 0:
        return _finish(
            [shape],
            frame,
            shape,
            buildings,
            [],
            floor,
            ceiling,
            tgt,
            ["the village has no buildings: it is proposed as one grid"],
            len(blocks),
            0,
        )
    tiles, building_tile, tile_block = _tiles(blocks, xy)
    weight = np.zeros(len(tiles))
    np.add.at(weight, building_tile[building_tile >= 0], households[building_tile >= 0])
    graph = _graph(tiles, weight, tile_block)
    labels = np.full(len(tiles), -1, dtype=np.int64)
    first = partition_households(
        xy, households, floor=int(floor), ceiling=int(ceiling), target=round(tgt)
    )
    labels[building_tile[building_tile >= 0]] = first[building_tile >= 0]
    labels = _spread(labels, graph, labels >= 0)
    locked = np.zeros(len(tiles), dtype=bool)
    big = np.flatnonzero(households > ceiling)
    locked[building_tile[big]] = True
    for b in big:
        unmet.append(
            f"building {codes[b]} has {int(households[b])} households, above the ceiling "
            f"{ceiling} on its own: it is a grid by itself"
        )
    total = float(households.sum())
    if total < floor:
        unmet.append(f"the village has {int(total)} households, fewer than the floor {floor}")
    cut = CUT_WEIGHT if len(blocks) > 1 else 0.0
    moves = 0
    for _ in range(2):  # a merge can leave room for a better local search, and back
        labels = make_contiguous(graph, labels)
        labels = merge_small(graph, labels, floor=floor, ceiling=ceiling)
        labels, made = improve(
            graph,
            labels,
            floor=floor,
            ceiling=ceiling,
            target=tgt,
            cut_weight=cut,
            max_passes=max_passes,
            locked=locked,
        )
        moves += made
    tile_arr = np.asarray(tiles, dtype=object)
    pieces = [shapely.union_all(tile_arr[labels == r]) for r in range(int(labels.max()) + 1)]
    return _finish(
        pieces,
        frame,
        shape,
        buildings,
        list(inside),
        floor,
        ceiling,
        tgt,
        unmet,
        len(blocks),
        moves,
    )


def _finish(
    pieces: list[BaseGeometry],
    frame: LocalFrame,
    shape: MultiPolygon,
    buildings: gpd.GeoDataFrame,
    inside: list[bool],
    floor: int,
    ceiling: int,
    target: float,
    unmet: list[str],
    blocks: int,
    moves: int,
) -> Proposal:
    back = [polygonal(frame.back(p)) if p is not shape else shape for p in pieces]
    grids = [polygonal(shapely.intersection(g, shape)) for g in back]
    order = reading_order(grids)
    grids = [grids[i] for i in order]
    used = buildings[np.asarray(inside, dtype=bool)] if inside else buildings.iloc[:0]
    assignment = assign_buildings(grids, np.asarray(used.geometry.array, dtype=object))
    hh = assignment.households(np.asarray(used["households"], dtype=float), len(grids))
    count = assignment.buildings(len(grids))
    status = np.where(hh < floor, "below", np.where(hh > ceiling, "above", "ok"))
    frame_out = gpd.GeoDataFrame(
        {
            "key": [f"p{i + 1}" for i in range(len(grids))],
            "households": np.round(hh).astype(int),
            "buildings": count.astype(int),
            "area_m2": np.asarray(area_m2(gpd.GeoSeries(grids, crs=4490)), dtype=float),
            "compactness": polsby_popper(grids),
            "status": status,
        },
        geometry=grids,
        crs=4490,
    )
    for key, h, s in zip(frame_out["key"], frame_out["households"], status, strict=True):
        if s != "ok" and len(grids) > 1:
            side = "below the floor" if s == "below" else "above the ceiling"
            unmet.append(f"grid {key} has {h} households, {side} ({floor}–{ceiling})")
    return Proposal(
        grids=frame_out,
        floor=floor,
        ceiling=ceiling,
        target=target,
        unmet=unmet,
        blocks=blocks,
        moves=moves,
    )
