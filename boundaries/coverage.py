"""Coverage overlays in metres: which part of each zone, line or site is in some camera's view.

Pure functions over shapely arrays in one metric CRS (see :func:`project_densified`); the
views come from :mod:`boundaries.viewshed`. Zones are grids (or an area); each zone's covered
part is the union of the views' pieces inside it, so overlapping views count once.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from boundaries import overlay, projection

GeomArray = NDArray[np.object_]
FloatArray = NDArray[np.float64]

DENSIFY_DEG = 1e-4
"""Longest edge (degrees, about 10 m) kept before projecting: storage edges are straight in
EPSG:4490, so long ones are densified first; then areas measured in metres match the pieces."""


def project_densified(
    geoms: GeomArray | gpd.GeoSeries, epsg: int, *, max_segment_deg: float = DENSIFY_DEG
) -> GeomArray:
    """Project lon/lat geometries (EPSG:4490) into the metric CRS ``epsg``, densified first."""
    values = np.asarray(
        geoms.array if isinstance(geoms, gpd.GeoSeries) else geoms, dtype=object
    ).ravel()
    if len(values) == 0:
        return np.empty(0, dtype=object)
    dense = shapely.segmentize(values, max_segment_deg)
    series = gpd.GeoSeries(dense, crs=4490)
    projected, _ = projection.to_metric(series, epsg=epsg)
    return np.asarray(projected.array, dtype=object)


def _as_array(geoms: object, name: str) -> GeomArray:
    values = np.asarray(geoms, dtype=object).ravel()
    if not all(isinstance(g, shapely.Geometry) for g in values):
        raise ValueError(f"`{name}` must hold shapely geometries only")
    return values


def covered_parts(zones: GeomArray, views: GeomArray) -> GeomArray:
    """Return, for each zone, the part of it inside at least one view (possibly empty).

    Args:
        zones: Polygons (metres).
        views: Polygons (metres), e.g. visibility polygons.

    Returns:
        One geometry per zone: the union of the views' intersections with it.

    """
    return _polygonal(_covered(_as_array(zones, "zones"), _as_array(views, "views")))


def _covered(zones: GeomArray, views: GeomArray) -> GeomArray:
    """Each zone (of any dimension) intersected with the union of the views touching it."""
    out = np.full(len(zones), shapely.Polygon(), dtype=object)
    views = views[~shapely.is_empty(views)]
    if len(zones) == 0 or len(views) == 0:
        return out
    zi, vi = shapely.STRtree(views).query(zones, predicate="intersects")
    if zi.size == 0:
        return out
    shapely.prepare(zones)
    inside = shapely.contains_properly(zones[zi], views[vi])
    pieces = views[vi].copy()
    cut = ~inside
    pieces[cut] = overlay.intersection(views[vi][cut], zones[zi][cut])
    order = np.argsort(zi, kind="stable")
    zi, pieces = zi[order], pieces[order]
    bounds = np.flatnonzero(np.diff(zi)) + 1
    for zone, group in zip(zi[np.r_[0, bounds]], np.split(pieces, bounds), strict=True):
        out[zone] = group[0] if len(group) == 1 else shapely.union_all(group)
    return out


def blind_parts(zones: GeomArray, covered: GeomArray) -> GeomArray:
    """Return each zone minus its covered part."""
    zones = _as_array(zones, "zones")
    return _polygonal(overlay.difference(zones, _as_array(covered, "covered")))


def line_coverage(
    lines: GeomArray, zones: GeomArray, covered: GeomArray
) -> tuple[FloatArray, FloatArray]:
    """Return, per zone, the length of ``lines`` inside it and the length of that in view.

    Args:
        lines: LineStrings (metres), e.g. road edges.
        zones: Polygons (metres).
        covered: The covered part of each zone (:func:`covered_parts`).

    Returns:
        ``(length, covered_length)`` arrays in metres, one value per zone.

    """
    lines = _as_array(lines, "lines")
    zones = _as_array(zones, "zones")
    covered = _as_array(covered, "covered")
    total = np.zeros(len(zones))
    seen = np.zeros(len(zones))
    if len(lines) == 0 or len(zones) == 0:
        return total, seen
    zi, li = shapely.STRtree(lines).query(zones, predicate="intersects")
    if zi.size == 0:
        return total, seen
    # only the linework has a length: a road touching a zone at a point leaves a point too
    inside = overlay.parts_of_dimension(overlay.intersection(lines[li], zones[zi]), 1)
    in_view = overlay.intersection(inside, covered[zi])
    np.add.at(total, zi, shapely.length(inside))
    np.add.at(seen, zi, shapely.length(in_view))
    return total, seen


def share_in_view(geoms: GeomArray, views: GeomArray) -> FloatArray:
    """Return the share of each geometry in view: 0/1 for points, by length for lines, by area
    for polygons. A point on a view's edge is in view.
    """
    geoms = _as_array(geoms, "geoms")
    views = _as_array(views, "views")
    share = np.zeros(len(geoms))
    views = views[~shapely.is_empty(views)]
    if len(geoms) == 0 or len(views) == 0:
        return share
    gi, vi = shapely.STRtree(views).query(geoms, predicate="intersects")
    if gi.size == 0:
        return share
    dim = shapely.get_dimensions(geoms)
    share[np.unique(gi[dim[gi] == 0])] = 1.0
    extended = np.unique(gi[dim[gi] > 0])
    if extended.size:
        parts = _covered(geoms[extended], views)
        measure = np.where(dim[extended] == 1, shapely.length, shapely.area)
        for k, g in enumerate(extended):
            whole = measure[k](geoms[g])
            share[g] = measure[k](parts[k]) / whole if whole > 0 else 1.0
    return np.clip(share, 0.0, 1.0)


def _polygonal(geoms: GeomArray) -> GeomArray:
    """Drop the lines and points an overlay may leave along shared edges."""
    return overlay.parts_of_dimension(geoms, 2)
