"""What a camera sees, in metres: its sector, minus what building footprints hide.

A camera at (x, y) with a heading (degrees clockwise from north), a field of view ``fov``
(degrees; 360 is a dome, drawn as a disc) and a range (metres) looks at a *sector*. Arcs are
polygons whose vertices lie on the circle, at most ``arc_step_deg`` apart (2° by default: the
area of a disc is then 0.02 % short of πr²).

Where footprints are given, the view is the exact 2-D visibility polygon of the camera among
them (a footprint is opaque and of unlimited height), built by an angular sweep:

1. the footprints are merged where they overlap and oriented (exterior rings anticlockwise);
   an STRtree finds those that touch each sector. A footprint within ``mount_tolerance_m`` of
   the camera is its mount (the wall or roof it hangs on) and hides nothing;
2. only edges that face the camera can be the first thing a ray meets; they are clipped to the
   range circle and split where they cross the ray straight behind the camera;
3. the angles of all edge end points cut the field of view into intervals inside which the
   nearest edge does not change (edges of merged footprints do not cross); the nearest edge is
   found at each interval's middle, vectorised over cameras, intervals and edges (numpy);
4. the boundary points (on the nearest edge, or beyond the range where nothing is hit) form a
   star-shaped polygon around the camera, which is intersected with the sector.

The result is exact up to floating point and the arc polygon of the sector: a camera with no
footprint in range gets its sector unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from boundaries import projection

DEFAULT_ARC_STEP_DEG = 2.0
MOUNT_TOLERANCE_M = 0.5
_FAR_STEPS = 13  # sweep angles added across the field of view: gaps of at most 30°
_FAR_FACTOR = 1.1  # "nothing hit" points: beyond the range, outside every 30° chord
_BATCH_CELLS = 2_000_000  # cameras x intervals x edges per numpy batch
_EPS_ANGLE = 1e-12

FloatArray = NDArray[np.float64]
GeomArray = NDArray[np.object_]


@dataclass(frozen=True)
class Cameras:
    """Checked camera parameters as float arrays (metres, degrees); heading 0 for domes."""

    x: FloatArray
    y: FloatArray
    heading: FloatArray
    fov: FloatArray
    range_m: FloatArray

    def __len__(self) -> int:
        return len(self.x)


def cameras(
    x: ArrayLike,
    y: ArrayLike,
    heading: ArrayLike,
    fov: ArrayLike,
    range_m: ArrayLike,
    *,
    epsg: int | None = None,
) -> Cameras:
    """Check and broadcast camera parameters.

    Args:
        x: Eastings in metres.
        y: Northings in metres.
        heading: Degrees clockwise from north; NaN (or None) only where ``fov`` is 360.
        fov: Field of view in degrees, in (0, 360].
        range_m: Range in metres, > 0.
        epsg: The projected CRS of ``x``/``y``: headings are then from true north and are
            turned by the meridian convergence at each camera
            (:func:`boundaries.projection.grid_bearings`). None: ``x``/``y`` are a local frame
            whose +y is north.

    Returns:
        A :class:`Cameras` of equal-length float arrays; ``heading`` is the bearing in the
        frame of ``x``/``y``.

    Raises:
        ValueError: Naming the first camera with a bad value.

    """
    arrays = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (x, y, heading, fov, range_m))
    )
    xs, ys, hs, fs, rs = (np.atleast_1d(np.array(a, dtype=np.float64)) for a in arrays)
    checks = (
        ("x", ~np.isfinite(xs), "a finite number"),
        ("y", ~np.isfinite(ys), "a finite number"),
        ("fov", ~((fs > 0) & (fs <= 360)), "in (0, 360]"),
        ("range_m", ~(np.isfinite(rs) & (rs > 0)), "a number > 0"),
        ("heading", np.isnan(hs) & (fs < 360), "given (degrees from north) when fov < 360"),
        ("heading", np.isinf(hs), "a finite number"),
    )
    for name, bad, expected in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = {"x": xs, "y": ys, "fov": fs, "range_m": rs, "heading": hs}[name][i]
            raise ValueError(
                f"`{name}` of camera {i} was {value} but is expected to be {expected} "
                f"({int(bad.sum())} such cameras)"
            )
    hs = np.where(np.isnan(hs), 0.0, np.mod(hs, 360.0))
    if epsg is not None:
        hs = projection.grid_bearings(hs, xs, ys, epsg=epsg)
    return Cameras(xs, ys, hs, fs, rs)


def sector_polygons(cams: Cameras, *, arc_step_deg: float = DEFAULT_ARC_STEP_DEG) -> GeomArray:
    """Return each camera's sector (a disc for fov 360) as a shapely Polygon, in metres."""
    if not 0 < arc_step_deg <= 45:
        raise ValueError(f"`arc_step_deg` was {arc_step_deg} but is expected to be in (0, 45]")
    n = len(cams)
    if n == 0:
        return np.empty(0, dtype=object)
    full = cams.fov >= 360
    steps = np.maximum(2, np.ceil(cams.fov / arc_step_deg)).astype(np.int64)
    arc_points = np.where(full, steps, steps + 1)
    counts = arc_points + (~full)  # the apex, for a sector
    owner = np.repeat(np.arange(n), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    j = np.arange(owner.size) - start
    apex = (~full[owner]) & (j == 0)
    k = np.where(full[owner], j, j - 1)
    bearing = np.radians(
        cams.heading[owner] - cams.fov[owner] / 2.0 + k * cams.fov[owner] / steps[owner]
    )
    r = np.where(apex, 0.0, cams.range_m[owner])
    coords = np.column_stack(
        [cams.x[owner] + r * np.sin(bearing), cams.y[owner] + r * np.cos(bearing)]
    )
    rings = shapely.linearrings(coords, indices=owner)
    return np.asarray(shapely.polygons(rings), dtype=object)


@dataclass(frozen=True)
class Occluders:
    """Building footprints prepared for visibility: merged, oriented, indexed, as edges."""

    polygons: GeomArray
    tree: shapely.STRtree
    edges: FloatArray  # (E, 4): x0, y0, x1, y1, exterior rings anticlockwise
    offsets: NDArray[np.int64]  # edges of polygon i are edges[offsets[i]:offsets[i + 1]]

    @classmethod
    def from_footprints(cls, footprints: ArrayLike) -> Occluders:
        """Prepare footprints (Polygons/MultiPolygons in metres; others are ignored)."""
        geoms = np.asarray(footprints, dtype=object).ravel()
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms = geoms[keep]
        geoms = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))]
        parts = shapely.get_parts(shapely.make_valid(geoms))
        parts = parts[shapely.get_type_id(parts) == 3]
        parts = _merge_overlapping(parts)
        polygons = np.asarray(shapely.orient_polygons(parts), dtype=object)
        rings, ring_owner = shapely.get_rings(polygons, return_index=True)
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[:-1] == ring_of[1:]
        edges = np.column_stack([coords[:-1][same], coords[1:][same]])
        edge_owner = ring_owner[ring_of[:-1][same]]
        offsets = np.searchsorted(edge_owner, np.arange(len(polygons) + 1)).astype(np.int64)
        return cls(polygons, shapely.STRtree(polygons), edges, offsets)

    def __len__(self) -> int:
        return len(self.polygons)


def _merge_overlapping(parts: GeomArray) -> GeomArray:
    """Union footprints that intersect one another, so that no two edges cross."""
    if len(parts) < 2:
        return parts
    left, right = shapely.STRtree(parts).query(parts, predicate="intersects")
    pairs = left < right
    if not pairs.any():
        return parts
    graph = coo_array(
        (np.ones(int(pairs.sum())), (left[pairs], right[pairs])), shape=(len(parts),) * 2
    )
    _, label = connected_components(graph, directed=False)
    sizes = np.bincount(label)
    alone = sizes[label] == 1
    merged = [shapely.union_all(parts[label == g]) for g in np.flatnonzero(sizes > 1)]
    out = np.concatenate([parts[alone], np.asarray(merged, dtype=object)])
    out = shapely.get_parts(out)
    return np.asarray(out[shapely.get_type_id(out) == 3], dtype=object)


def visibility_polygons(
    cams: Cameras,
    occluders: Occluders | None = None,
    *,
    arc_step_deg: float = DEFAULT_ARC_STEP_DEG,
    mount_tolerance_m: float = MOUNT_TOLERANCE_M,
) -> GeomArray:
    """Return what each camera sees: its sector minus what the occluders hide (metres).

    Args:
        cams: The cameras (see :func:`cameras`).
        occluders: Footprints (see :class:`Occluders`); None or empty: the bare sectors.
        arc_step_deg: Largest angle between arc vertices of a sector.
        mount_tolerance_m: A footprint this close to a camera is its mount and hides nothing.

    Returns:
        One Polygon or MultiPolygon (possibly empty) per camera.

    """
    if mount_tolerance_m < 0:
        raise ValueError(f"`mount_tolerance_m` was {mount_tolerance_m} but must be >= 0")
    sectors = sector_polygons(cams, arc_step_deg=arc_step_deg)
    if occluders is None or len(occluders) == 0 or len(cams) == 0:
        return sectors
    cam, poly = occluders.tree.query(sectors, predicate="intersects")
    near = shapely.distance(shapely.points(cams.x[cam], cams.y[cam]), occluders.polygons[poly])
    cam, poly = cam[near > mount_tolerance_m], poly[near > mount_tolerance_m]
    edge_cam, local = _local_edges(cams, occluders, cam, poly)
    out = sectors.copy()
    if edge_cam.size == 0:
        return out
    order = np.argsort(edge_cam, kind="stable")
    edge_cam, local = edge_cam[order], local[order]
    seen, first, counts = np.unique(edge_cam, return_index=True, return_counts=True)
    full = cams.fov[seen] >= 360
    # Homogeneous batches (domes apart), cameras with similar edge counts together.
    order = np.lexsort((counts, full))
    i = 0
    while i < len(order):
        s_max = int(counts[order[i]])
        j = i
        while j < len(order) and full[order[j]] == full[order[i]]:
            s_next = max(s_max, int(counts[order[j]]))
            if (j - i + 1) * s_next * (2 * s_next + _FAR_STEPS) > _BATCH_CELLS and j > i:
                break
            s_max = s_next
            j += 1
        batch = order[i:j]
        stars = _stars(cams, seen[batch], first[batch], counts[batch], local, s_max, full[batch[0]])
        out[seen[batch]] = shapely.intersection(sectors[seen[batch]], stars)
        i = j
    return _polygonal(out)


def _local_edges(
    cams: Cameras, occ: Occluders, cam: NDArray[np.int64], poly: NDArray[np.int64]
) -> tuple[NDArray[np.int64], FloatArray]:
    """Edges near each camera, in its own frame (+x = heading), facing it, clipped, split.

    Returns the camera of each edge and an (E, 6) array: x0, y0, x1, y1, low angle, high angle.
    """
    counts = occ.offsets[poly + 1] - occ.offsets[poly]
    edge_cam = np.repeat(cam, counts)
    starts = np.repeat(occ.offsets[poly] - (np.cumsum(counts) - counts), counts)
    e = occ.edges[starts + np.arange(edge_cam.size)]
    h = np.radians(cams.heading[edge_cam])
    s, c = np.sin(h), np.cos(h)
    dx0, dy0 = e[:, 0] - cams.x[edge_cam], e[:, 1] - cams.y[edge_cam]
    dx1, dy1 = e[:, 2] - cams.x[edge_cam], e[:, 3] - cams.y[edge_cam]
    x0, y0 = dx0 * s + dy0 * c, -dx0 * c + dy0 * s
    x1, y1 = dx1 * s + dy1 * c, -dx1 * c + dy1 * s
    ex, ey = x1 - x0, y1 - y0
    facing = x0 * ey - y0 * ex < 0  # the camera is on the outer side of the edge
    # clip to the range circle: |P0 + t e| = R
    r = cams.range_m[edge_cam]
    a = ex * ex + ey * ey
    b = 2 * (x0 * ex + y0 * ey)
    disc = b * b - 4 * a * (x0 * x0 + y0 * y0 - r * r)
    root = np.sqrt(np.maximum(disc, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.maximum(0.0, (-b - root) / (2 * a))
        t1 = np.minimum(1.0, (-b + root) / (2 * a))
    keep = facing & (a > 0) & (disc > 0) & (t1 > t0)
    edge_cam = edge_cam[keep]
    x0, y0, ex, ey, t0, t1 = (v[keep] for v in (x0, y0, ex, ey, t0, t1))
    px0, py0 = x0 + t0 * ex, y0 + t0 * ey
    px1, py1 = x0 + t1 * ex, y0 + t1 * ey
    # split where the edge crosses the ray behind the camera (angle ±π)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = py0 / (py0 - py1)
    cross_x = px0 + u * (px1 - px0)
    split = (np.sign(py0) * np.sign(py1) < 0) & (cross_x < 0)
    mid = np.column_stack([cross_x[split], np.zeros(int(split.sum()))])
    first = np.column_stack([px0, py0, px1, py1])
    first[split, 2:4] = mid
    second = np.column_stack([mid, px1[split], py1[split]])
    segs = np.concatenate([first, second])
    owner = np.concatenate([edge_cam, edge_cam[split]])
    ang0 = np.arctan2(segs[:, 1], segs[:, 0])
    ang1 = np.arctan2(segs[:, 3], segs[:, 2])
    # an end point on the back ray takes the side of the other end point
    back0 = (segs[:, 1] == 0) & (segs[:, 0] < 0)
    back1 = (segs[:, 3] == 0) & (segs[:, 2] < 0)
    ang0 = np.where(back0, np.pi * np.sign(segs[:, 3]), ang0)
    ang1 = np.where(back1, np.pi * np.sign(segs[:, 1]), ang1)
    low, high = np.minimum(ang0, ang1), np.maximum(ang0, ang1)
    half = np.radians(cams.fov[owner]) / 2
    keep = (high - low > _EPS_ANGLE) & (high > -half) & (low < half)
    return owner[keep], np.column_stack([segs, low, high])[keep]


def _stars(
    cams: Cameras,
    cam: NDArray[np.int64],
    first: NDArray[np.int64],
    counts: NDArray[np.int64],
    local: FloatArray,
    s_max: int,
    full: bool,
) -> GeomArray:
    """Star-shaped visibility polygons of a batch of cameras (world coordinates)."""
    b = len(cam)
    slot = np.arange(s_max)
    valid = slot[None, :] < counts[:, None]
    index = np.where(valid, first[:, None] + slot[None, :], 0)
    e = local[index]  # (B, S, 6)
    x0, y0 = e[..., 0], e[..., 1]
    ex, ey = e[..., 2] - x0, e[..., 3] - y0
    half = np.radians(cams.fov[cam])[:, None] / 2
    low = np.where(valid, e[..., 4], np.inf)
    high = np.where(valid, e[..., 5], np.inf)
    ends = np.clip(np.concatenate([e[..., 4], e[..., 5]], axis=1), -half, half)
    ends = np.where(np.concatenate([valid, valid], axis=1), ends, half)
    sweep = -half + 2 * half * np.linspace(0.0, 1.0, _FAR_STEPS)[None, :]
    crit = np.sort(np.concatenate([ends, sweep], axis=1), axis=1)  # (B, K)
    c0, c1 = crit[:, :-1], crit[:, 1:]
    mid = (c0 + c1) / 2
    num = (x0 * ey - y0 * ex)[:, None, :]  # (B, 1, S)
    nearest = np.zeros(mid.shape, dtype=np.int64)  # (B, K-1)
    hit_any = np.zeros(mid.shape, dtype=bool)
    # a single camera with thousands of edges is swept a slice of intervals at a time
    step = max(1, _BATCH_CELLS // max(1, b * s_max))
    for lo in range(0, mid.shape[1], step):
        m = mid[:, lo : lo + step, None]
        hit = (low[:, None, :] < m) & (m < high[:, None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            den = np.cos(m) * ey[:, None, :] - np.sin(m) * ex[:, None, :]
            dist = np.where(hit, num / den, np.inf)
        part = np.argmin(dist, axis=2)
        nearest[:, lo : lo + step] = part
        hit_any[:, lo : lo + step] = (
            np.take_along_axis(dist, part[..., None], axis=2)[..., 0] < np.inf
        )
    far = _FAR_FACTOR * cams.range_m[cam][:, None]

    def boundary(angle: FloatArray) -> tuple[FloatArray, FloatArray]:
        n = np.take_along_axis(num[:, 0, :], nearest, axis=1)
        eyn = np.take_along_axis(ey, nearest, axis=1)
        exn = np.take_along_axis(ex, nearest, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(hit_any, n / (np.cos(angle) * eyn - np.sin(angle) * exn), far)
        return t * np.cos(angle), t * np.sin(angle)

    ax, ay = boundary(c0)
    bx, by = boundary(c1)
    # zero-width intervals repeat the end of the previous interval (or the start of the next)
    width_ok = (c1 - c0) > _EPS_ANGLE
    pos = np.arange(width_ok.shape[1])[None, :]
    prev = np.maximum.accumulate(np.where(width_ok, pos, -1), axis=1)
    first_ok = np.argmax(width_ok, axis=1)[:, None]
    use_prev = prev >= 0
    src = np.where(use_prev, prev, first_ok)
    fill_x = np.where(
        use_prev, np.take_along_axis(bx, src, axis=1), np.take_along_axis(ax, src, axis=1)
    )
    fill_y = np.where(
        use_prev, np.take_along_axis(by, src, axis=1), np.take_along_axis(ay, src, axis=1)
    )
    ax, ay = np.where(width_ok, ax, fill_x), np.where(width_ok, ay, fill_y)
    bx, by = np.where(width_ok, bx, fill_x), np.where(width_ok, by, fill_y)
    lx = np.stack([ax, bx], axis=2).reshape(b, -1)
    ly = np.stack([ay, by], axis=2).reshape(b, -1)
    if not full:
        lx = np.concatenate([np.zeros((b, 1)), lx], axis=1)
        ly = np.concatenate([np.zeros((b, 1)), ly], axis=1)
    h = np.radians(cams.heading[cam])[:, None]
    s, c = np.sin(h), np.cos(h)
    wx = cams.x[cam][:, None] + s * lx - c * ly
    wy = cams.y[cam][:, None] + c * lx + s * ly
    stars = np.asarray(shapely.polygons(np.stack([wx, wy], axis=2)), dtype=object)
    # Two rays at one angle meeting two edges at their shared corner give points a few ulps
    # apart; the zigzag they make can be an invalid ring. Repair those few.
    bad = ~shapely.is_valid(stars)
    if bad.any():
        stars[bad] = shapely.make_valid(stars[bad], method="structure", keep_collapsed=False)
    return stars


def _polygonal(geoms: GeomArray) -> GeomArray:
    """Keep the polygonal parts larger than a square millimetre (an overlay may leave lines
    or slivers of 1e-26 m² where edges graze); a single part is returned as a Polygon.
    """
    odd = np.flatnonzero(shapely.get_type_id(geoms) != 3)
    for i in odd:
        parts = shapely.get_parts(geoms[i])
        parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-6)]
        if len(parts) == 1:
            geoms[i] = parts[0]
        else:
            geoms[i] = shapely.multipolygons(parts) if len(parts) else shapely.Polygon()
    return geoms


def disc_area_ratio(arc_step_deg: float = DEFAULT_ARC_STEP_DEG) -> float:
    """Area of the polygon a full disc becomes, as a share of πr² (for tolerances in checks)."""
    n = math.ceil(360.0 / arc_step_deg)
    return n * math.sin(2 * math.pi / n) / (2 * math.pi)
