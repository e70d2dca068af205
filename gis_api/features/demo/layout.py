"""Synthetic administrative layout: regions that tile a parent, with wiggly shared borders.

Metric work happens in EPSG:4544 (CGCS2000 3-degree Gauss-Krüger, CM 105°E), which fits the demo
county 双流区; :func:`to_metric` and :func:`to_lonlat` are the only places that know it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import overload

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from boundaries.gridding import reassign_detached_parts, voronoi_cells

METRIC_EPSG = 4544
LONLAT_EPSG = 4490
GRID_SIZE_DEG = 1e-7

Field = Callable[[np.ndarray], np.ndarray]


@lru_cache(maxsize=2)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _apply(geoms: np.ndarray | BaseGeometry, tr: Transformer) -> np.ndarray | BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


@overload
def to_metric(geoms: np.ndarray) -> np.ndarray: ...
@overload
def to_metric(geoms: BaseGeometry) -> BaseGeometry: ...
def to_metric(geoms: np.ndarray | BaseGeometry) -> np.ndarray | BaseGeometry:
    """Project lon/lat (EPSG:4490) geometries to metres (EPSG:4544)."""
    return _apply(geoms, _transformer(LONLAT_EPSG, METRIC_EPSG))


@overload
def to_lonlat(geoms: np.ndarray) -> np.ndarray: ...
@overload
def to_lonlat(geoms: BaseGeometry) -> BaseGeometry: ...
def to_lonlat(geoms: np.ndarray | BaseGeometry) -> np.ndarray | BaseGeometry:
    """Project metric (EPSG:4544) geometries back to lon/lat (EPSG:4490)."""
    return _apply(geoms, _transformer(METRIC_EPSG, LONLAT_EPSG))


def smooth_field(rng: np.random.Generator, amplitude: float, wavelength: float) -> Field:
    """Return a smooth displacement field: a sum of four plane sine waves per axis.

    Wavelengths are ``wavelength`` times 1, 1/2, 1/4 and 1/8 with amplitudes falling in
    proportion, scaled so the largest possible displacement is ``amplitude`` metres on each axis.
    The gradient stays well below 1, so the field maps a tiling onto a tiling.
    """
    rel = np.array([1.0, 0.6, 0.35, 0.2])
    amps = amplitude * rel / rel.sum()
    lams = wavelength / np.array([1.0, 2.0, 4.0, 8.0])
    theta = rng.uniform(0, 2 * np.pi, (2, 4))
    phase = rng.uniform(0, 2 * np.pi, (2, 4))
    kx = 2 * np.pi * np.cos(theta) / lams
    ky = 2 * np.pi * np.sin(theta) / lams

    def field(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, :1], xy[:, 1:2]
        dx = (amps * np.sin(x * kx[0] + y * ky[0] + phase[0])).sum(axis=1)
        dy = (amps * np.sin(x * kx[1] + y * ky[1] + phase[1])).sum(axis=1)
        return xy + np.column_stack([dx, dy])

    return field


def wiggle(geoms: np.ndarray, field: Field, step: float = 100.0) -> np.ndarray:
    """Densify to ``step`` metres and move every vertex by ``field``.

    Shared edges have the same vertices on both sides, so they move identically.
    """
    return shapely.transform(shapely.segmentize(geoms, step), field)


def sample_inside(rng: np.random.Generator, area: BaseGeometry, n: int) -> np.ndarray:
    """Return ``n`` uniform random points (n, 2) inside ``area``."""
    minx, miny, maxx, maxy = area.bounds
    frac = max(area.area / ((maxx - minx) * (maxy - miny)), 0.02)
    shapely.prepare(area)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(int((n - have) / frac * 1.3) + 8, 2))
        cand = cand[shapely.contains_xy(area, cand[:, 0], cand[:, 1])]
        out.append(cand)
        have += len(cand)
    return np.vstack(out)[:n]


def kmeans(rng: np.random.Generator, pts: np.ndarray, k: int, iters: int = 12) -> np.ndarray:
    """Return ``k`` cluster centres of ``pts`` (plain Lloyd iterations, seeded from ``rng``)."""
    centres = pts[rng.choice(len(pts), size=k, replace=False)].copy()
    for _ in range(iters):
        lab = np.argmin(((pts[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for i in range(k):
            if (lab == i).any():
                centres[i] = pts[lab == i].mean(axis=0)
    return centres


def power_assign(
    pts: np.ndarray,
    cell_area: np.ndarray,
    centres: np.ndarray,
    targets: np.ndarray,
    *,
    rounds: int = 6,
    iters: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign sample points to centres so each centre's area comes near its target.

    Each point goes to the centre minimising ``|p - c|^2 - W_c`` (a power diagram, so regions
    stay convex in the continuum); the weights ``W`` are raised for centres short of their
    target and lowered for those over it. Between rounds the centres move to the area-weighted
    centroid of their points (Lloyd), which keeps regions compact. Returns (labels, centres).
    """
    centres = centres.astype(float).copy()
    k = len(centres)
    weights = np.zeros(k)
    labels = np.zeros(len(pts), dtype=int)
    for r in range(rounds):
        d2 = ((pts[:, None, :] - centres[None]) ** 2).sum(-1)
        for _ in range(iters):
            labels = np.argmin(d2 - weights, axis=1)
            got = np.bincount(labels, weights=cell_area, minlength=k)
            weights += 0.3 * (targets - got)
        if r < rounds - 1:
            for i in range(k):
                m = labels == i
                if m.any():
                    centres[i] = np.average(pts[m], axis=0, weights=cell_area[m])
    for empty in np.flatnonzero(np.bincount(labels, minlength=k) == 0):  # keep regions alive
        free = np.flatnonzero(np.bincount(labels, minlength=k)[labels] > 1)
        labels[free[np.argmin(((pts[free] - centres[empty]) ** 2).sum(-1))]] = empty
    return labels, centres


def partition_region(
    rng: np.random.Generator,
    region: BaseGeometry,
    centres: np.ndarray,
    weights: Sequence[float] | np.ndarray,
    *,
    n_samples: int,
    field: Field,
    step: float = 100.0,
) -> tuple[list[MultiPolygon], np.ndarray]:
    """Split ``region`` (metres) into one connected-where-possible piece per centre.

    ``n_samples`` random points are assigned to the centres by :func:`power_assign` with
    target areas proportional to ``weights``; a piece is the union of the Voronoi cells of its
    points, densified to ``step`` metres and wiggled by ``field`` before being clipped to
    ``region`` (so pieces tile it exactly), and detached parts are given to the neighbour
    sharing the longest border with them.
    Returns (pieces, final centres).
    """
    w = np.asarray(weights, dtype=float)
    pts = sample_inside(rng, region, n_samples)
    minx, miny, maxx, maxy = region.bounds
    frame = shapely.box(minx - 1000, miny - 1000, maxx + 1000, maxy + 1000)
    cells = voronoi_cells(pts, frame)
    area = shapely.area(shapely.intersection(cells, region))
    targets = area.sum() * w / w.sum()
    labels, centres = power_assign(pts, area, centres, targets)
    clipped = shapely.intersection(wiggle(cells, field, step), region)
    pieces = [shapely.union_all(clipped[labels == i]) for i in range(len(w))]
    return reassign_detached_parts(pieces), centres


def node_coverage(geoms: Sequence[BaseGeometry] | np.ndarray) -> list[MultiPolygon]:
    """Snap a near-tiling to ``GRID_SIZE_DEG`` and make shared edges exactly shared.

    All boundaries are noded together on the fixed-precision grid and polygonised; each face
    goes to the input geometry it overlaps most (or the nearest one). Neighbouring outputs then
    have identical vertices along their common edges, so unions of them are exact too.
    """
    arr = np.asarray(geoms, dtype=object)
    lines = shapely.union_all(shapely.boundary(arr), grid_size=GRID_SIZE_DEG)
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    tree = shapely.STRtree(arr)
    rep = shapely.point_on_surface(faces)
    face_idx, geom_idx = tree.query(rep, predicate="intersects")
    owner = np.full(len(faces), -1)
    overlap = np.full(len(faces), -1.0)
    for f, g in zip(face_idx, geom_idx, strict=True):
        a = shapely.area(shapely.intersection(faces[f], arr[g]))
        if a > overlap[f]:
            owner[f], overlap[f] = g, a
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        owner[lost] = tree.query_nearest(faces[lost], all_matches=False)[1]
    out = []
    for i in range(len(arr)):
        mine = faces[owner == i]
        merged = shapely.coverage_union_all(mine) if len(mine) else Polygon()
        out.append(_multi(shapely.set_precision(merged, GRID_SIZE_DEG)))
    return out


def dissolve(geoms: Sequence[BaseGeometry]) -> MultiPolygon:
    """Union pieces of an exact coverage (see :func:`node_coverage`)."""
    return _multi(shapely.set_precision(shapely.coverage_union_all(list(geoms)), GRID_SIZE_DEG))


def _multi(geom: BaseGeometry) -> MultiPolygon:
    return MultiPolygon([p for p in shapely.get_parts(geom) if isinstance(p, Polygon)])
