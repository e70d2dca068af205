"""Regions on a tile graph: contiguity repair, merging small regions, and local search.

A village is cut into tiles (the Voronoi cell of each building within its street block, and
blocks without buildings); tiles that share a border are neighbours. A region is a set of tiles
with one label. The local search moves one border tile at a time to a neighbouring region when
that lowers the objective and leaves the region it comes from in one piece:

    F = Σ_r  [outside(W_r) > 0] · (γ + α · outside(W_r) / target)
             + β · ((W_r − target) / target)²  +  shape(r)
        + λ · (tiles cut apart inside one street block)

- ``outside(W)`` is how many households the region lies below the floor or above the ceiling;
  γ = 5 and α = 10 make the standard dominate: no gain in shape pays for leaving the range;
- ``shape(r) = 2π · I_r / A_r²`` is the region's moment of inertia over that of a disc of the
  same area (1 for a disc; each tile counted as a point mass at its centroid plus its own
  moment as a disc), so compact regions are preferred;
- the last term prefers boundaries along streets and rivers: cutting two tiles of the same
  block apart costs λ, cutting across a street costs nothing.

Everything is deterministic: tiles are visited in index order and ties go to the lower label.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ALPHA = 10.0
BETA = 0.1
GAMMA = 5.0


@dataclass
class TileGraph:
    """Tiles of a village and who borders whom."""

    neighbours: list[list[int]]
    weight: NDArray[np.float64]
    """Households per tile."""
    area: NDArray[np.float64]
    """Area per tile (m²)."""
    xy: NDArray[np.float64]
    """Centroid per tile (m), shape (n, 2)."""
    block: NDArray[np.int64]
    """Street block of each tile; cutting inside a block costs ``cut_weight``."""

    @property
    def size(self) -> int:
        """Number of tiles."""
        return len(self.weight)


class _Sums:
    """Running sums per region, enough to price a move in O(1)."""

    def __init__(self, graph: TileGraph, labels: NDArray[np.int64], k: int) -> None:
        a = graph.area
        x, y = graph.xy[:, 0], graph.xy[:, 1]
        self.w = np.bincount(labels, weights=graph.weight, minlength=k)
        self.a = np.bincount(labels, weights=a, minlength=k)
        self.sx = np.bincount(labels, weights=a * x, minlength=k)
        self.sy = np.bincount(labels, weights=a * y, minlength=k)
        self.s2 = np.bincount(
            labels, weights=a * (x * x + y * y) + a * a / (2 * np.pi), minlength=k
        )
        self.n = np.bincount(labels, minlength=k)


def _shape(a: float, sx: float, sy: float, s2: float) -> float:
    if a <= 0:
        return 0.0
    inertia = s2 - (sx * sx + sy * sy) / a
    return 2 * np.pi * max(inertia, 0.0) / (a * a)


def _range(w: float, floor: float, ceiling: float, target: float) -> float:
    outside = max(0.0, floor - w) + max(0.0, w - ceiling)
    penalty = GAMMA + ALPHA * outside / target if outside > 0 else 0.0
    return penalty + BETA * ((w - target) / target) ** 2


def objective(
    graph: TileGraph,
    labels: NDArray[np.int64],
    *,
    floor: float,
    ceiling: float,
    target: float,
    cut_weight: float,
) -> float:
    """The value of ``F`` (see the module docstring) for a labelling."""
    k = int(labels.max()) + 1
    sums = _Sums(graph, labels, k)
    total = sum(
        _range(sums.w[r], floor, ceiling, target)
        + _shape(sums.a[r], sums.sx[r], sums.sy[r], sums.s2[r])
        for r in range(k)
        if sums.n[r] > 0
    )
    cuts = sum(
        1
        for i, near in enumerate(graph.neighbours)
        for j in near
        if i < j and labels[i] != labels[j] and graph.block[i] == graph.block[j]
    )
    return float(total + cut_weight * cuts)


def components(graph: TileGraph, members: list[int]) -> list[list[int]]:
    """The connected pieces of a set of tiles."""
    inside = set(members)
    seen: set[int] = set()
    out: list[list[int]] = []
    for start in members:
        if start in seen:
            continue
        piece, queue = [start], deque([start])
        seen.add(start)
        while queue:
            for j in graph.neighbours[queue.popleft()]:
                if j in inside and j not in seen:
                    seen.add(j)
                    piece.append(j)
                    queue.append(j)
        out.append(piece)
    return out


def make_contiguous(graph: TileGraph, labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """Give every detached piece of a region to the neighbouring region it borders most.

    The main piece of a region is the one with the most households (then the largest area).
    Each move merges a piece into a neighbour, so the number of pieces falls every round and
    the loop ends with every region in one piece (on a connected graph).
    """
    labels = labels.copy()
    while True:
        moved = False
        for r in np.unique(labels):
            pieces = components(graph, [int(i) for i in np.flatnonzero(labels == r)])
            if len(pieces) < 2:
                continue
            pieces.sort(key=lambda p: (-graph.weight[p].sum(), -graph.area[p].sum(), min(p)))
            for piece in pieces[1:]:
                border: dict[int, int] = {}
                for i in piece:
                    for j in graph.neighbours[i]:
                        if labels[j] != r:
                            border[int(labels[j])] = border.get(int(labels[j]), 0) + 1
                if border:
                    best = min(border, key=lambda s: (-border[s], s))
                    labels[piece] = best
                    moved = True
        if not moved:
            return _compact_labels(labels)


def _compact_labels(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    _, inverse = np.unique(labels, return_inverse=True)
    return inverse.astype(np.int64).ravel()


def merge_small(
    graph: TileGraph, labels: NDArray[np.int64], *, floor: float, ceiling: float
) -> NDArray[np.int64]:
    """Merge each region below ``floor`` into the lightest neighbour it fits into (≤ ceiling)."""
    labels = labels.copy()
    while True:
        w = np.bincount(labels, weights=graph.weight)
        small = [r for r in np.argsort(w, kind="stable") if w[r] < floor]
        merged = False
        for r in small:
            near = {
                int(labels[j])
                for i in np.flatnonzero(labels == r)
                for j in graph.neighbours[i]
                if labels[j] != r
            }
            fits = [s for s in near if w[r] + w[s] <= ceiling]
            if fits:
                s = min(fits, key=lambda s: (w[s], s))
                labels[labels == r] = s
                merged = True
                break
        if not merged:
            return _compact_labels(labels)
        labels = _compact_labels(labels)


def _stays_connected(graph: TileGraph, labels: NDArray[np.int64], v: int) -> bool:
    """Whether v's region stays in one piece without v (BFS among v's own neighbours)."""
    r = labels[v]
    wanted = {j for j in graph.neighbours[v] if labels[j] == r}
    if len(wanted) <= 1:
        return True
    start = next(iter(wanted))
    seen, queue = {start, v}, deque([start])
    found = 1
    while queue:
        for j in graph.neighbours[queue.popleft()]:
            if j not in seen and labels[j] == r:
                seen.add(j)
                if j in wanted:
                    found += 1
                    if found == len(wanted):
                        return True
                queue.append(j)
    return False


def improve(
    graph: TileGraph,
    labels: NDArray[np.int64],
    *,
    floor: float,
    ceiling: float,
    target: float,
    cut_weight: float = 0.0,
    max_passes: int = 40,
    locked: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.int64], int]:
    """Local search: move border tiles while ``F`` falls; returns the labels and moves made."""
    labels = labels.copy()
    k = int(labels.max()) + 1
    s = _Sums(graph, labels, k)
    w, a, x, y = graph.weight, graph.area, graph.xy[:, 0], graph.xy[:, 1]
    q = a * (x * x + y * y) + a * a / (2 * np.pi)
    fixed = np.zeros(graph.size, dtype=bool) if locked is None else locked

    def cost(r: int, dw: float, da: float, dsx: float, dsy: float, ds2: float) -> float:
        return _range(s.w[r] + dw, floor, ceiling, target) + _shape(
            s.a[r] + da, s.sx[r] + dsx, s.sy[r] + dsy, s.s2[r] + ds2
        )

    moves = 0
    for _ in range(max_passes):
        moved = 0
        for v in range(graph.size):
            if fixed[v]:
                continue
            src = int(labels[v])
            near = graph.neighbours[v]
            targets = sorted({int(labels[j]) for j in near if labels[j] != src})
            if not targets or s.n[src] <= 1:
                continue
            d = (w[v], a[v], a[v] * x[v], a[v] * y[v], q[v])
            leave = cost(src, *(-t for t in d)) - cost(src, 0, 0, 0, 0, 0)
            best, best_gain = -1, -1e-9
            for dst in targets:
                delta = leave + cost(dst, *d) - cost(dst, 0, 0, 0, 0, 0)
                if cut_weight:
                    for j in near:
                        if graph.block[j] == graph.block[v]:
                            delta += cut_weight * (int(labels[j] != dst) - int(labels[j] != src))
                if delta < best_gain:
                    best, best_gain = dst, delta
            if best < 0 or not _stays_connected(graph, labels, v):
                continue
            labels[v] = best
            for arr, dv in zip((s.w, s.a, s.sx, s.sy, s.s2), d, strict=True):
                arr[src] -= dv
                arr[best] += dv
            s.n[src] -= 1
            s.n[best] += 1
            moved += 1
        moves += moved
        if moved == 0:
            break
    return labels, moves
