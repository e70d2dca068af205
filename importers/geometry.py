"""Checks and normalisation of imported geometries, with messages that point at the vertex."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

KINDS = {
    "polygon": ("Polygon", "MultiPolygon"),
    "point": ("Point",),
    "point_or_polygon": ("Point", "Polygon", "MultiPolygon"),
}

_REASON = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>[-\d.eE+]+) (?P<y>[-\d.eE+]+)\]$")


def nearest_vertex(geom: BaseGeometry, x: float, y: float) -> int:
    """0-based index of the vertex of ``geom`` nearest (x, y), counting all rings in order."""
    xy = shapely.get_coordinates(geom)
    if len(xy) == 0:
        return -1
    return int(np.argmin((xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2))


def range_problem(geom: BaseGeometry) -> str | None:
    """Why a lon/lat geometry is out of range (naming the first bad vertex), or None."""
    xy = shapely.get_coordinates(geom)
    bad = ~(
        np.isfinite(xy).all(axis=1)
        & (xy[:, 0] >= -180)
        & (xy[:, 0] <= 180)
        & (xy[:, 1] >= -90)
        & (xy[:, 1] <= 90)
    )
    if not bad.any():
        return None
    i = int(np.flatnonzero(bad)[0])
    x, y = xy[i]
    hint = (
        " — these look like projected metres: pass --crs EPSG:<n>"
        if np.isfinite(xy[i]).all() and (abs(x) > 1000 or abs(y) > 1000)
        else " — are lon and lat swapped?"
        if -90 <= x <= 90 and 90 < abs(y) <= 180
        else ""
    )
    return (
        f"coordinates out of range at vertex {i} ({x:g}, {y:g}): lon must be in [-180, 180] "
        f"and lat in [-90, 90]{hint}"
    )


def kind_problem(geom: BaseGeometry | None, kind: str) -> str | None:
    """Why a geometry is missing, empty or of a type the layer does not take, or None."""
    if geom is None:
        return "no geometry"
    if geom.is_empty:
        return "empty geometry"
    allowed = KINDS[kind]
    if geom.geom_type == "MultiPoint" and "Point" in allowed and len(geom.geoms) == 1:
        return None
    if geom.geom_type == "GeometryCollection":
        parts = {g.geom_type for g in geom.geoms}
        if parts <= {"Polygon", "MultiPolygon"} and "Polygon" in allowed:
            return None
    if geom.geom_type not in allowed:
        return f"a {geom.geom_type} where this layer takes {' or '.join(allowed)}"
    return None


def normalise(geom: BaseGeometry, kind: str) -> BaseGeometry:
    """2-D, single points as Point, areas as MultiPolygon (for polygon layers)."""
    geom = shapely.force_2d(geom)
    if geom.geom_type == "MultiPoint":
        geom = geom.geoms[0]
    if geom.geom_type == "GeometryCollection":
        polys: list[Polygon] = []
        for part in geom.geoms:
            polys.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
        geom = MultiPolygon(polys)
    if kind == "polygon" and isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    return geom


def validity_problem(geom: BaseGeometry) -> tuple[str, str] | None:
    """``(why, where)`` when a geometry is not valid (OGC rules), else None."""
    if isinstance(geom, Point):
        return None
    if shapely.is_valid(geom):
        return None
    reason = shapely.is_valid_reason(geom)
    match = _REASON.match(reason)
    if not match:
        return f"invalid geometry: {reason}", ""
    x, y = float(match.group("x")), float(match.group("y"))
    vertex = nearest_vertex(geom, x, y)
    return (
        f"invalid geometry: {match.group('what')} near vertex {vertex}",
        f"lon {x:.7f}, lat {y:.7f}",
    )


def stable_key(prefix: str, geom: BaseGeometry) -> str:
    """A code derived from the geometry, the same on every import of the same feature."""
    digest = hashlib.sha1(shapely.to_wkb(shapely.set_precision(geom, 1e-7))).hexdigest()
    return f"{prefix}{digest[:16]}"
