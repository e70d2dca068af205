"""Synthetic buildings (metres, EPSG:4544): apartment blocks in communities, houses in villages."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from gis_api.features.demo.layout import sample_inside

BLOCK_SPACING = 45.0  # metres between lattice positions (before a jitter of up to 0.4 m)
MAX_HALF_DIAGONAL = 21.6  # half-diagonal of the largest footprint (40 x 16 m)


def block_households(rng: np.random.Generator, total: float, *, tower_share: float) -> np.ndarray:
    """Households per block until ``total`` is reached: low-rise 20–48, mid-rise 49–150.

    A share ``tower_share`` of blocks are high-rise towers of 510–700 households, above the
    community grid ceiling of 500, so that validation has single-building grids to report.
    """
    n = int(total / 60) * 2 + 10
    r = rng.random(n)
    hh = np.where(r < 0.3, rng.integers(20, 49, n), rng.integers(49, 151, n))
    towers = rng.random(n) < tower_share
    hh = np.where(towers, rng.integers(510, 701, n), hh)
    k = int(np.searchsorted(np.cumsum(hh), total)) + 1
    return hh[: min(k, n)]


def _lattice(area: BaseGeometry, spacing: float, angle: float, origin: np.ndarray) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    half = np.hypot(maxx - minx, maxy - miny) / 2 + spacing
    steps = np.arange(-half, half + spacing, spacing)
    u, v = np.meshgrid(steps, steps)
    c, s = np.cos(angle), np.sin(angle)
    centre = np.array([(minx + maxx) / 2, (miny + maxy) / 2]) + origin
    x = centre[0] + u.ravel() * c - v.ravel() * s
    y = centre[1] + u.ravel() * s + v.ravel() * c
    keep = shapely.contains_xy(area, x, y)
    return np.column_stack([x[keep], y[keep]])


def _rectangles(xy: np.ndarray, length: np.ndarray, width: np.ndarray, angle: np.ndarray):
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corners[None] * np.stack([length, width], axis=1)[:, None, :]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = xy[:, :1] + local[..., 0] * c - local[..., 1] * s
    y = xy[:, 1:] + local[..., 0] * s + local[..., 1] * c
    return shapely.polygons(np.stack([x, y], axis=-1))


def apartment_blocks(
    rng: np.random.Generator,
    area: BaseGeometry,
    households: np.ndarray,
    *,
    centre: Point | None = None,
    exclude: BaseGeometry | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place one rectangular footprint per entry of ``households`` inside ``area``.

    Positions are drawn from a rotated square lattice, preferring points near ``centre``; a
    footprint (10–40 m) never reaches within 3 m of the area's edge or within 10 m of ``exclude``,
    and footprints never overlap (the lattice spacing exceeds twice the half-diagonal). Where the
    lattice is too sparse it is tightened and the footprints shrink with it; blocks that still do
    not fit are dropped. Returns (footprints, centres (n, 2), households) of the placed blocks.
    """
    angle = rng.uniform(0, np.pi / 2)
    origin = rng.uniform(-BLOCK_SPACING / 2, BLOCK_SPACING / 2, 2)
    spacing = BLOCK_SPACING
    n = len(households)
    pts = np.empty((0, 2))
    while spacing >= 12:
        shrink = min(1.0, (spacing / 2 - 0.5) / MAX_HALF_DIAGONAL)
        inner = area.buffer(-(MAX_HALF_DIAGONAL * shrink + 3))
        if not inner.is_empty:
            pts = _lattice(inner, spacing, angle, origin)
            if exclude is not None and len(pts):
                far = ~shapely.dwithin(exclude, shapely.points(pts), MAX_HALF_DIAGONAL + 10)
                pts = pts[far]
        if len(pts) >= n:
            break
        spacing *= 0.8
    if len(pts) == 0:
        return np.empty(0, dtype=object), np.empty((0, 2)), np.empty(0, dtype=int)
    n = min(n, len(pts))
    households = households[:n]
    ref = area.point_on_surface() if centre is None else centre
    d = np.hypot(pts[:, 0] - ref.x, pts[:, 1] - ref.y)
    p = np.exp(-d / (0.35 * np.sqrt(area.area)))
    chosen = rng.choice(len(pts), size=n, replace=False, p=p / p.sum())
    # a little jitter: real blocks are not on a perfect lattice (keeps footprints apart)
    xy = pts[np.sort(chosen)] + rng.uniform(-0.4, 0.4, (n, 2)) * (spacing / BLOCK_SPACING)
    low, tower = households <= 48, households > 500
    length = np.where(low, rng.uniform(18, 30, n), rng.uniform(25, 40, n))
    width = np.where(low, rng.uniform(10, 13, n), rng.uniform(12, 16, n))
    side = rng.uniform(22, 28, n)
    length, width = np.where(tower, side, length), np.where(tower, side, width)
    shrink = min(1.0, (spacing / 2 - 0.5) / MAX_HALF_DIAGONAL)
    turn = angle + np.deg2rad(rng.uniform(-4, 4, n))
    return _rectangles(xy, length * shrink, width * shrink, turn), xy, households


def rural_houses(
    rng: np.random.Generator,
    area: BaseGeometry,
    total: float,
    *,
    exclude: BaseGeometry | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Houses of 1–3 households clustered in hamlets (组) until ``total`` households.

    About one hamlet per 90 households, hamlet centres at least ~250 m apart where the village
    allows, houses scattered around them (60–130 m). Returns (xy (n, 2), households, group
    numbers from 1).
    """
    inner = area.buffer(-5)
    if inner.is_empty:
        inner = area
    if exclude is not None:
        inner = inner.difference(exclude.buffer(10))
    shapely.prepare(inner)
    n_groups = max(1, round(total / 90))
    core = inner.buffer(-60)
    cand = sample_inside(rng, core if core.area > 0.2 * inner.area else inner, 30 * n_groups)
    centres = [cand[0]]
    for p in cand[1:]:
        if len(centres) == n_groups:
            break
        if min(np.hypot(*(p - c)) for c in centres) >= 250:
            centres.append(p)
    while len(centres) < n_groups:  # a small village: accept closer hamlets
        centres.append(cand[len(centres)])
    centres_arr = np.array(centres)
    hh = rng.choice([1, 2, 3], p=[0.35, 0.45, 0.2], size=int(total / 1.85) + 20)
    hh = hh[: int(np.searchsorted(np.cumsum(hh), total)) + 1]
    share = rng.dirichlet(np.full(n_groups, 4.0))
    group = rng.choice(n_groups, size=len(hh), p=share)
    spread = rng.uniform(60, 130, n_groups)
    xy = centres_arr[group] + rng.normal(size=(len(hh), 2)) * spread[group, None]
    for _ in range(30):
        bad = ~shapely.contains_xy(inner, xy[:, 0], xy[:, 1])
        if not bad.any():
            break
        g = group[bad]
        xy[bad] = centres_arr[g] + rng.normal(size=(len(g), 2)) * spread[g, None]
    bad = ~shapely.contains_xy(inner, xy[:, 0], xy[:, 1])
    if bad.any():
        xy[bad] = sample_inside(rng, inner, int(bad.sum()))
    return xy, hh, group + 1
