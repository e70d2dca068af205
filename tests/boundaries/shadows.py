"""An independent visibility computation for the tests: shadows, not a sweep.

Everything a camera cannot see behind a footprint is the union, over the footprint's edges, of
the region behind each edge as seen from the camera ("shadow"); what it sees is its sector (built
here with shapely's own disc and wedge) minus the footprints and their shadows. This shares no
code with ``boundaries.viewshed``: it is slow and simple, and that is the point.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry


def sector(
    x: float, y: float, heading: float, fov: float, range_m: float, *, quad_segs: int
) -> BaseGeometry:
    """A disc from ``Point.buffer``, cut to a wedge for fov < 360 (bearings clockwise from north)."""
    disc = Point(x, y).buffer(range_m, quad_segs=quad_segs)
    if fov >= 360:
        return disc
    far = 3 * range_m
    pts = [(x, y)]
    n = max(2, math.ceil(fov / 10))
    for k in range(n + 1):
        b = math.radians(heading - fov / 2 + k * fov / n)
        pts.append((x + far * math.sin(b), y + far * math.cos(b)))
    return disc.intersection(Polygon(pts))


def shadow(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], reach: float
) -> BaseGeometry:
    """The region behind segment ab seen from (x, y), out to ``reach`` (and a bit beyond)."""

    def out(p: tuple[float, float], scale: float) -> tuple[float, float]:
        dx, dy = p[0] - x, p[1] - y
        d = math.hypot(dx, dy)
        return (x + dx / d * scale, y + dy / d * scale)

    ma = math.atan2(a[1] - y, a[0] - x)
    mb = math.atan2(b[1] - y, b[0] - x)
    diff = (mb - ma + math.pi) % (2 * math.pi) - math.pi
    mid_angle = ma + diff / 2
    far = 4 * reach
    mid = (x + far * math.cos(mid_angle), y + far * math.sin(mid_angle))
    poly = Polygon([a, b, out(b, far), mid, out(a, far)])
    return poly if poly.is_valid else shapely.make_valid(poly)


def visible(
    x: float,
    y: float,
    heading: float,
    fov: float,
    range_m: float,
    footprints: list[BaseGeometry],
    *,
    quad_segs: int = 256,
    mount_tolerance: float = 0.5,
) -> BaseGeometry:
    """What the camera sees among ``footprints`` (metres)."""
    view = sector(x, y, heading, fov, range_m, quad_segs=quad_segs)
    here = Point(x, y)
    hidden = []
    for fp in footprints:
        if fp.distance(here) <= mount_tolerance or fp.distance(here) > range_m:
            continue
        hidden.append(fp)
        for ring in [fp.exterior, *fp.interiors]:
            coords = np.asarray(ring.coords)
            for a, b in zip(coords[:-1], coords[1:]):
                cross = (a[0] - x) * (b[1] - y) - (a[1] - y) * (b[0] - x)
                if abs(cross) > 1e-9:
                    hidden.append(shadow(x, y, tuple(a), tuple(b), range_m))
    if not hidden:
        return view
    return view.difference(shapely.union_all(hidden))
