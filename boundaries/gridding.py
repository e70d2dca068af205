"""Partition a village's buildings into grids that meet the household standard.

Two steps, both pure and deterministic:

1. :func:`partition_households` groups buildings by recursive bisection so that each group holds
   between ``floor`` and ``ceiling`` households where that is possible.
2. :func:`grids_from_labels` turns the groups into polygons that tile the village: the Voronoi
   cells of the buildings, clipped to the village and dissolved by group.

Coordinates are metres in a projected CRS (see ``boundaries.projection``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def _check_inputs(xy: np.ndarray, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xy = np.asarray(xy, dtype=float)
    w = np.asarray(households, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"`xy` has shape {xy.shape} but is expected to have shape (n, 2)")
    if w.shape != (len(xy),):
        raise ValueError(f"`households` has shape {w.shape} but is expected to be ({len(xy)},)")
    if not np.isfinite(xy).all():
        raise ValueError("`xy` contains NaN or infinite coordinates")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("`households` must be finite and non-negative")
    return xy, w


def _group_count(total: float, n: int, floor: int, ceiling: int, target: float) -> int:
    """Choose the number of groups for ``total`` households in ``n`` buildings."""
    if n <= 1:
        return 1
    g = max(1, round(total / target))
    lo, hi = math.ceil(total / ceiling), math.floor(total / floor)
    if lo <= hi:
        g = min(max(g, lo), hi)
    return max(1, min(g, n))


def _excess(total: np.ndarray | float, g: int, floor: int, ceiling: int) -> np.ndarray:
    """How far ``total`` households lie outside ``[g * floor, g * ceiling]``."""
    return np.maximum(0.0, g * floor - total) + np.maximum(0.0, total - g * ceiling)


def _best_split(
    coord: np.ndarray, other: np.ndarray, w: np.ndarray, g1: int, g2: int, floor: int, ceiling: int
) -> tuple[np.ndarray, int, float, float]:
    """Best cut along ``coord``: (order, left count, range excess, distance from the quantile)."""
    order = np.lexsort((np.arange(len(coord)), other, coord))
    cum = np.cumsum(w[order])[:-1]  # households left of a cut after position k, k = 0..n-2
    total = float(w.sum())
    if total > 0:
        miss = np.abs(cum - total * g1 / (g1 + g2))
        excess = _excess(cum, g1, floor, ceiling) + _excess(total - cum, g2, floor, ceiling)
    else:  # no households at all: cut by count
        miss = np.abs(np.arange(1, len(coord)) - len(coord) * g1 / (g1 + g2))
        excess = np.zeros(len(miss))
    k = int(np.lexsort((miss, excess))[0])
    return order, k + 1, float(excess[k]), float(miss[k])


def partition_households(
    xy: np.ndarray,
    households: np.ndarray,
    *,
    floor: int,
    ceiling: int,
    target: int | None = None,
) -> np.ndarray:
    """Group buildings into grids of ``floor``–``ceiling`` households by recursive bisection.

    Buildings above ``ceiling`` households each become a group of their own (the caller reports
    them). The rest is split recursively. For a set holding ``H`` households in ``n`` buildings the
    number of groups ``g`` is ``round(H / target)`` clamped to ``[ceil(H / ceiling),
    floor(H / floor)]`` when that range is not empty, and to ``[1, n]``. With ``g > 1`` the set is
    sorted along the longer side of its bounding box and cut where the cumulative households come
    nearest to ``g1 / g`` of ``H`` (``g1 = g // 2``), preferring cuts that leave both sides
    feasible (``g1 * floor <= H1 <= g1 * ceiling`` and the same for the rest); if the longer axis
    has no feasible cut, the shorter axis and then the two diagonals are tried, and the cut that
    misses the ranges by the fewest households is taken, unless keeping the set as one group
    misses them by fewer. Each side then chooses its own ``g`` again. A set whose total is below
    ``floor`` stays one group.

    Args:
        xy: (n, 2) building positions in metres.
        households: (n,) households per building, non-negative.
        floor: smallest wanted group total.
        ceiling: largest wanted group total.
        target: wanted mean group total, default ``(floor + ceiling) / 2``.

    Returns:
        (n,) integer labels 0..k-1, numbered in the order groups are completed.

    """
    xy, w = _check_inputs(xy, households)
    if not (isinstance(floor, int | np.integer) and isinstance(ceiling, int | np.integer)):
        raise ValueError(f"`floor` ({floor!r}) and `ceiling` ({ceiling!r}) must be integers")
    if not 0 < floor <= ceiling:
        raise ValueError(f"`floor` ({floor}) and `ceiling` ({ceiling}) need 0 < floor <= ceiling")
    tgt = (floor + ceiling) / 2 if target is None else float(target)
    if not floor <= tgt <= ceiling:
        raise ValueError(f"`target` ({target}) is expected to lie in [{floor}, {ceiling}]")
    labels = np.full(len(xy), -1, dtype=np.int64)
    next_label = 0
    big = np.flatnonzero(w > ceiling)
    for i in big:
        labels[i] = next_label
        next_label += 1
    stack = [np.flatnonzero(w <= ceiling)]
    while stack:
        idx = stack.pop()
        if len(idx) == 0:
            continue
        g = _group_count(float(w[idx].sum()), len(idx), floor, ceiling, tgt)
        if g == 1:
            labels[idx] = next_label
            next_label += 1
            continue
        g1 = g // 2
        pts = xy[idx]
        span = pts.max(axis=0) - pts.min(axis=0)
        axes = (0, 1) if span[0] >= span[1] else (1, 0)
        a, b = pts[:, axes[0]], pts[:, axes[1]]
        directions = ((a, b), (b, a), (a + b, a - b), (a - b, a + b))
        best = _best_split(a, b, w[idx], g1, g - g1, floor, ceiling)
        for coord, other in directions[1:]:
            if best[2] == 0:
                break
            cut = _best_split(coord, other, w[idx], g1, g - g1, floor, ceiling)
            if cut[2] < best[2]:
                best = cut
        order, k, excess, _ = best
        if excess > 0 and float(_excess(float(w[idx].sum()), 1, floor, ceiling)) < excess:
            labels[idx] = next_label  # one group is nearer the standard than any cut
            next_label += 1
            continue
        # right part first on the stack so the left (west/south) part is labelled first
        stack.append(idx[order[k:]])
        stack.append(idx[order[:k]])
    return labels


def _as_multi(geom: BaseGeometry) -> MultiPolygon:
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(polys)


def _separate_duplicates(xy: np.ndarray) -> np.ndarray:
    """Move the k-th copy of a repeated point by k mm along a golden-angle spiral."""
    _, first, inverse = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    if len(first) == len(xy):
        return xy
    inverse = inverse.ravel()
    rank = np.zeros(len(xy), dtype=int)
    seen: dict[int, int] = {}
    for i, key in enumerate(inverse.tolist()):
        rank[i] = seen.get(key, 0)
        seen[key] = rank[i] + 1
    angle = rank * _GOLDEN_ANGLE
    return xy + 1e-3 * rank[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])


def voronoi_cells(xy: np.ndarray, envelope: BaseGeometry) -> np.ndarray:
    """Return the Voronoi cell of each point (aligned with ``xy``) covering ``envelope``.

    Coincident points are separated first by a deterministic offset of 1 mm times their rank
    among the duplicates, along a golden-angle spiral, so every input point keeps a cell of its
    own. With one point the cell is the envelope's bounding box.

    GEOS can return a wrong diagram when four or more points lie on one circle (a regular
    lattice of buildings does that): cells with zero-width spikes, or cells that miss their own
    point. The result is therefore checked (every cell valid and containing its point); if the
    check fails the points are moved by a deterministic random offset of 1e-9, then 1e-7, then
    1e-5 times the extent of the data, and the diagram is computed again. Raises ValueError if
    all attempts fail.
    """
    xy = np.asarray(xy, dtype=float)
    n = len(xy)
    if n == 0:
        return np.empty(0, dtype=object)
    if n == 1:
        return np.array([shapely.envelope(shapely.union(envelope, shapely.points(xy[0])))])
    pts = _separate_duplicates(xy)
    extent = float(np.ptp(pts, axis=0).max()) or 1.0
    noise = np.random.default_rng(0).standard_normal(pts.shape)
    for shift in (0.0, 1e-9, 1e-7, 1e-5):
        moved = pts + noise * shift * extent
        diagram = shapely.voronoi_polygons(
            shapely.multipoints(moved), extend_to=envelope, ordered=True
        )
        cells = np.asarray(shapely.get_parts(diagram))
        if (
            len(cells) == n
            and shapely.is_valid(cells).all()
            and shapely.contains_xy(cells, moved[:, 0], moved[:, 1]).all()
        ):
            return cells
    raise ValueError(f"could not compute a valid Voronoi diagram of {n} points")


def reassign_detached_parts(
    pieces: Sequence[BaseGeometry],
    *,
    accept: Callable[[int, int, Polygon], bool] | None = None,
    weight: Callable[[int, Polygon], float] | None = None,
    passes: int = 3,
) -> list[MultiPolygon]:
    """Give each detached part of a piece to a neighbour it shares a border with.

    For every piece with more than one polygon, the main part is the one with the largest
    ``weight(i, part)`` (default: area; ties go to the larger area). Each other part is offered
    to the other pieces it shares a border with, longest shared border first (borders measured
    within 1e-9 of the layout's size); the first piece ``j`` for which ``accept(i, j, part)`` is
    true (default: always) receives it. ``accept`` is called only for a move about to happen, so
    it may keep running totals. A part that no neighbour takes stays. The pieces are swept in
    input order, up to ``passes`` times while something still moves.
    """
    out = [_as_multi(p) for p in pieces]
    if len(out) < 2:
        return out
    extent = shapely.bounds(shapely.union_all([p for p in out if not p.is_empty]))
    tol = 1e-9 * max(float(extent[2] - extent[0]), float(extent[3] - extent[1]), 1.0)
    for _ in range(passes):
        moved = False
        for i in range(len(out)):
            if len(out[i].geoms) < 2:
                continue
            parts = sorted(
                out[i].geoms,
                key=lambda p: (-(p.area if weight is None else weight(i, p)), -p.area),
            )
            keep = [parts[0]]
            for part in parts[1:]:
                if _give_away(out, i, part, tol, accept):
                    moved = True
                else:
                    keep.append(part)
            out[i] = MultiPolygon(keep)
        if not moved:
            break
    return out


def _give_away(
    out: list[MultiPolygon],
    i: int,
    part: Polygon,
    tol: float,
    accept: Callable[[int, int, Polygon], bool] | None,
) -> bool:
    """Merge ``part`` of piece ``i`` into the accepting neighbour with the longest border."""
    grown = shapely.buffer(part, tol)
    shared = [
        (float(shapely.length(shapely.intersection(part.boundary, other.buffer(tol)))), j)
        for j, other in enumerate(out)
        if j != i and not other.is_empty and shapely.intersects(grown, other)
    ]
    for length, j in sorted(shared, key=lambda t: (-t[0], t[1])):
        if length > 0 and (accept is None or accept(i, j, part)):
            out[j] = _as_multi(shapely.union_all([out[j], part]))
            return True
    return False


def grids_from_labels(
    area: Polygon | MultiPolygon,
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    households: np.ndarray | None = None,
    floor: int | None = None,
    ceiling: int | None = None,
) -> list[MultiPolygon]:
    """Return one grid per distinct label (ascending) that together tile ``area``.

    Each grid is the union of the Voronoi cells of its buildings, clipped to ``area``. With fewer
    than two distinct labels (0, 1 or 2 buildings in one group) the single grid is the whole area.
    Coincident buildings are handled as in :func:`voronoi_cells`.

    Detached parts are fixed where cheap (see :func:`reassign_detached_parts`): a part that holds
    none of its grid's buildings (a sliver cut off where the area is not convex) goes to the
    neighbour sharing the longest border with it. The main part is the one holding the most
    households (or the largest, without ``households``). A part that holds buildings moves only when
    ``households``, ``floor`` and ``ceiling`` are given and the move keeps the giving grid at or
    above ``floor`` and the receiving grid at or below ``ceiling``; the buildings then belong to
    the receiving grid, so callers should count households by containment, not by label.
    Otherwise the part stays and the grid is a multi-part polygon.
    """
    if not isinstance(area, Polygon | MultiPolygon) or area.is_empty:
        raise ValueError(f"`area` is a {type(area).__name__}; expected a non-empty (Multi)Polygon")
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    labels = np.asarray(labels)
    if labels.shape != (len(xy),):
        raise ValueError(f"`labels` has shape {labels.shape} but is expected to be ({len(xy)},)")
    if not np.isfinite(xy).all():
        raise ValueError("`xy` contains NaN or infinite coordinates")
    given = [households is not None, floor is not None, ceiling is not None]
    if any(given) and not all(given):
        raise ValueError("`households`, `floor` and `ceiling` are expected together or not at all")
    distinct = np.unique(labels)
    if len(distinct) < 2:
        return [_as_multi(area)]
    w = np.zeros(len(xy)) if households is None else np.asarray(households, dtype=float)
    if w.shape != (len(xy),):
        raise ValueError(f"`households` has shape {w.shape} but is expected to be ({len(xy)},)")
    cells = shapely.intersection(voronoi_cells(xy, area), area)
    member = np.searchsorted(distinct, labels)
    pieces = [_as_multi(shapely.union_all(cells[member == i])) for i in range(len(distinct))]
    totals = np.bincount(member, weights=w, minlength=len(distinct))
    inside = [shapely.contains_xy(p, xy[:, 0], xy[:, 1]) for p in pieces]

    def accept(i: int, j: int, part: Polygon) -> bool:
        held = shapely.intersects_xy(part, xy[:, 0], xy[:, 1]) & inside[i]
        if held.any():
            moved = float(w[held].sum())
            if floor is None or ceiling is None:
                return False
            if totals[i] - moved < floor or totals[j] + moved > ceiling:
                return False
            totals[i] -= moved
            totals[j] += moved
            inside[i] &= ~held
            inside[j] |= held
        return True

    def held_households(i: int, part: Polygon) -> float:
        return float(w[shapely.intersects_xy(part, xy[:, 0], xy[:, 1]) & inside[i]].sum())

    return reassign_detached_parts(pieces, accept=accept, weight=held_households)
