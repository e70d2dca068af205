"""Where to put k new cameras: the maximal covering location problem (MCLP), exact and greedy.

Demand points i carry weights w_i; candidate j covers the points inside its view (the same
visibility model as the coverage report). Choose at most k candidates, and at most one of each
group (the orientations of one directional camera at one position), to maximise the weight
covered:

    max Σ w_i y_i   s.t.   y_i ≤ Σ_{j covers i} x_j,   Σ x_j ≤ k,   Σ_{j in g} x_j ≤ 1,
                           x_j ∈ {0, 1},   0 ≤ y_i ≤ 1.

y may stay continuous: at an optimum y_i = min(1, Σ x_j), which is 0 or 1 for integer x.
Points covered by no candidate are dropped and points covered by the same set of candidates are
merged (weights added) before the model is built; that changes neither the optimum nor its value.
The exact model is solved by an open-source MIP solver through OR-Tools' wrapper (``pywraplp``):
SCIP by default (the most robust of the three on the benchmark), CBC or HiGHS on request.
(highspy itself cannot share a process with OR-Tools, which the patrol planner loads: both
bundle a libhighs.so.1 of different versions, and whichever loads first breaks the other.)
The solver gets a time limit and the greedy answer as a hint; the greedy answer (best marginal
gain first, at least 1 − 1/e of the optimum) is always computed
too, so its gap to the exact value can be reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from ortools.linear_solver import pywraplp
from scipy.sparse import csc_array, csr_array

SOLVERS = ("SCIP", "CBC", "HIGHS")
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Solution:
    """A set of chosen candidates and the demand weight they cover."""

    chosen: IntArray
    covered_weight: float
    method: str  # "exact" or "greedy"
    status: str  # "optimal", "time_limit", … (HiGHS model status), or "greedy"
    bound: float | None  # the solver's proven upper bound on the covered weight
    seconds: float


def coverage_matrix(views: ArrayLike, points: ArrayLike) -> csr_array:
    """Return the (demand × candidate) 0/1 matrix: point i lies in view j (edges included).

    Args:
        views: One polygon per candidate (metres).
        points: (n, 2) coordinates of the demand points (metres).

    """
    views = np.asarray(views, dtype=object).ravel()
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    geoms = shapely.points(xy)
    if len(views) == 0 or len(xy) == 0:
        return csr_array((len(xy), len(views)), dtype=np.int8)
    vi, pi = shapely.STRtree(geoms).query(views, predicate="intersects")
    data = np.ones(len(pi), dtype=np.int8)
    return csr_array((data, (pi, vi)), shape=(len(xy), len(views)))


def _check(
    cover: csr_array, weights: ArrayLike, k: int, groups: ArrayLike | None
) -> tuple[csr_array, FloatArray, IntArray]:
    cover = csr_array(cover)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape[0] != cover.shape[0]:
        raise ValueError(
            f"`weights` has {w.shape[0]} values but `cover` has {cover.shape[0]} demand rows"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("`weights` must be finite and >= 0")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"`k` was {k!r} but is expected to be an integer >= 1")
    n = cover.shape[1]
    g = np.arange(n) if groups is None else np.asarray(groups, dtype=np.int64).ravel()
    if g.shape[0] != n:
        raise ValueError(f"`groups` has {g.shape[0]} values but there are {n} candidates")
    return cover, w, g


def _reduce(cover: csr_array, w: FloatArray) -> tuple[csr_array, FloatArray]:
    """Drop uncovered or weightless rows; merge rows covered by the same candidates."""
    cover = csr_array(cover, dtype=np.int8)
    cover.sum_duplicates()
    cover.data[:] = 1
    keep = (np.diff(cover.indptr) > 0) & (w > 0)
    cover, w = cover[np.flatnonzero(keep)], w[keep]
    cover.sort_indices()
    seen: dict[bytes, int] = {}
    label = np.empty(cover.shape[0], dtype=np.int64)
    for i in range(cover.shape[0]):
        key = cover.indices[cover.indptr[i] : cover.indptr[i + 1]].tobytes()
        label[i] = seen.setdefault(key, len(seen))
    firsts = np.unique(label, return_index=True)[1]
    merged_w = np.bincount(label, weights=w, minlength=len(seen)).astype(np.float64)
    return cover[firsts], merged_w


def greedy(
    cover: csr_array, weights: ArrayLike, k: int, *, groups: ArrayLike | None = None
) -> Solution:
    """Pick candidates one at a time, each with the largest weight not yet covered."""
    started = time.perf_counter()
    cover, w, g = _check(cover, weights, k, groups)
    cover, w = _reduce(cover, w)
    by_cand = csc_array(cover)
    left = w.copy()
    allowed = np.ones(cover.shape[1], dtype=bool)
    chosen: list[int] = []
    total = 0.0
    for _ in range(k):
        gain = cover.T @ left
        gain = np.where(allowed, gain, -1.0)
        if gain.size == 0:
            break
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        total += float(gain[j])
        rows = by_cand.indices[by_cand.indptr[j] : by_cand.indptr[j + 1]]
        left[rows] = 0.0
        allowed &= g != g[j]
    return Solution(
        np.array(sorted(chosen), dtype=np.int64),
        total,
        "greedy",
        "greedy",
        None,
        time.perf_counter() - started,
    )


def exact(
    cover: csr_array,
    weights: ArrayLike,
    k: int,
    *,
    groups: ArrayLike | None = None,
    time_limit: float = 60.0,
    start: Solution | None = None,
    solver: str = "SCIP",
) -> Solution:
    """Solve the MCLP exactly (an open-source MIP solver through OR-Tools); at the time limit,
    the best answer found and the solver's bound.

    Args:
        cover: (demand × candidate) 0/1 matrix (:func:`coverage_matrix`).
        weights: Demand weights, >= 0.
        k: Most candidates to choose.
        groups: Group id per candidate (at most one per group); each its own group if None.
        time_limit: Seconds the solver may take.
        start: A solution to start from (the greedy one), given to the solver as a hint
            (not to HiGHS: OR-Tools 9.15 crashes on a hint for HiGHS).
        solver: An OR-Tools MIP backend: ``"SCIP"``, ``"CBC"`` (COIN-OR) or ``"HIGHS"``.

    """
    started = time.perf_counter()
    if not time_limit > 0:
        raise ValueError(f"`time_limit` was {time_limit} but is expected to be > 0 seconds")
    if solver not in SOLVERS:
        raise ValueError(f'`solver` was "{solver}" but is expected to be one of {SOLVERS}')
    cover, w, g = _check(cover, weights, k, groups)
    n_cand = cover.shape[1]
    cover, w = _reduce(cover, w)
    n_dem = cover.shape[0]
    if n_dem == 0:
        return Solution(np.empty(0, np.int64), 0.0, "exact", "optimal", 0.0, 0.0)
    mip = pywraplp.Solver.CreateSolver(solver)
    if mip is None:
        raise RuntimeError(f"OR-Tools was built without the {solver} solver")
    mip.SuppressOutput()
    x = [mip.BoolVar(f"x{j}") for j in range(n_cand)]
    y = [mip.NumVar(0.0, 1.0, f"y{i}") for i in range(n_dem)]
    inf = mip.infinity()
    for i in range(n_dem):
        row = mip.Constraint(-inf, 0.0)
        row.SetCoefficient(y[i], 1.0)
        for j in cover.indices[cover.indptr[i] : cover.indptr[i + 1]]:
            row.SetCoefficient(x[j], -1.0)
    budget = mip.Constraint(-inf, float(k))
    for var in x:
        budget.SetCoefficient(var, 1.0)
    members: dict[int, list[int]] = {}
    for j, group in enumerate(g.tolist()):
        members.setdefault(group, []).append(j)
    for js in members.values():
        if len(js) > 1:
            one = mip.Constraint(-inf, 1.0)
            for j in js:
                one.SetCoefficient(x[j], 1.0)
    objective = mip.Objective()
    for i in range(n_dem):
        objective.SetCoefficient(y[i], float(w[i]))
    objective.SetMaximization()
    if start is not None and len(start.chosen) and solver != "HIGHS":
        hint = np.zeros(n_cand)
        hint[start.chosen] = 1.0
        mip.SetHint(x, hint.tolist())
    mip.SetTimeLimit(max(1, int(time_limit * 1000)))
    status = mip.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise RuntimeError(f"the {solver} solver found no solution (status {status})")
    values = np.array([var.solution_value() for var in x])
    chosen = _prune(cover, w, np.flatnonzero(values > 0.5).astype(np.int64))
    picked = np.zeros(n_cand)
    picked[chosen] = 1.0
    covered = float(w[(cover @ picked) > 0].sum())
    if status == pywraplp.Solver.OPTIMAL:
        name, bound = "optimal", covered
    else:
        name, bound = "time_limit", max(covered, float(objective.BestBound()))
    return Solution(chosen, covered, "exact", name, bound, time.perf_counter() - started)


def _prune(cover: csr_array, w: FloatArray, chosen: IntArray) -> IntArray:
    """Drop chosen candidates that cover nothing the others do not (the solver may pick up to
    k even when fewer suffice); the covered weight is unchanged.
    """
    keep = list(chosen)
    for j in sorted(chosen, key=lambda c: cover[:, [c]].nnz):
        others = [c for c in keep if c != j]
        count = np.asarray(cover[:, others].sum(axis=1)).ravel() if others else np.zeros(len(w))
        mine = cover[:, [j]].toarray().ravel() > 0
        if not (mine & (count == 0) & (w > 0)).any():
            keep = others
    return np.array(sorted(keep), dtype=np.int64)


def relative_gap(best: float, other: float) -> float:
    """``(best - other) / best``: how much ``other`` covers less than ``best`` (0 if best is 0)."""
    return 0.0 if best <= 0 else max(0.0, (best - other) / best)


# ---- candidate and demand positions -------------------------------------------------------


def points_along(lines: ArrayLike, spacing: float) -> tuple[FloatArray, IntArray]:
    """Points every ``spacing`` metres along each line (the middle of a shorter line).

    Returns (n, 2) coordinates and the index of the line each point lies on.
    """
    if not spacing > 0:
        raise ValueError(f"`spacing` was {spacing} but is expected to be > 0 metres")
    geoms = np.asarray(lines, dtype=object).ravel()
    if len(geoms) == 0:
        return np.empty((0, 2)), np.empty(0, np.int64)
    length = shapely.length(geoms)
    count = np.maximum(1, np.floor(length / spacing).astype(np.int64))
    owner = np.repeat(np.arange(len(geoms)), count)
    k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    step = length[owner] / count[owner]
    pts = shapely.line_interpolate_point(geoms[owner], (k + 0.5) * step)
    return shapely.get_coordinates(pts), owner


def lattice(polygon: shapely.Geometry, spacing: float) -> FloatArray:
    """Points of a square lattice ``spacing`` metres apart inside ``polygon`` (cell centres)."""
    if not spacing > 0:
        raise ValueError(f"`spacing` was {spacing} but is expected to be > 0 metres")
    minx, miny, maxx, maxy = polygon.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    shapely.prepare(polygon)
    return xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]


def junctions(lines: ArrayLike, *, min_degree: int = 3, decimals: int = 2) -> FloatArray:
    """End points shared by at least ``min_degree`` lines (road intersections), in metres."""
    geoms = np.asarray(lines, dtype=object).ravel()
    if len(geoms) == 0:
        return np.empty((0, 2))
    ends = np.concatenate(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
        ]
    )
    keys, inverse, counts = np.unique(
        np.round(ends, decimals), axis=0, return_inverse=True, return_counts=True
    )
    return keys[counts >= min_degree]


def orientations(fov: float) -> FloatArray:
    """Headings tried for a directional camera: ``ceil(360 / fov)`` evenly spaced from north."""
    if not 0 < fov <= 360:
        raise ValueError(f"`fov` was {fov} but is expected to be in (0, 360]")
    if fov >= 360:
        return np.array([np.nan])
    n = int(np.ceil(360.0 / fov))
    return np.arange(n, dtype=np.float64) * (360.0 / n)
