"""Geometries of the answers: GeoJSON in the request's crs, rounded to about 1 cm."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.geometry
from shapely.geometry import mapping

from boundaries import coords

DECIMALS = 7


def geojson(geom: shapely.Geometry | None, crs: str) -> dict[str, Any] | None:
    """A GeoJSON geometry in ``crs`` (wgs84/cgcs2000 as stored; gcj02/bd09 converted)."""
    if geom is None:
        return None
    if crs in ("gcj02", "bd09"):

        def shift(xy: np.ndarray) -> np.ndarray:
            x, y = coords.from_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([x, y])

        geom = shapely.transform(geom, shift)
    geom = shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))
    return dict(mapping(geom))


GEOMETRY_TYPES = {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}
PAIR_KEYS = {"location", "snapped"}


def in_crs(value: Any, crs: str) -> Any:
    """A copy of an answer (made in WGS84) with every GeoJSON geometry and every ``location`` /
    ``snapped`` pair converted to ``crs`` (gcj02/bd09; wgs84/cgcs2000 are left as they are).
    """
    if crs not in ("gcj02", "bd09"):
        return value
    if isinstance(value, list):
        return [in_crs(v, crs) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") in GEOMETRY_TYPES and "coordinates" in value:
        return geojson(shapely.geometry.shape(value), crs)
    out = {}
    for key, item in value.items():
        if key in PAIR_KEYS and isinstance(item, list) and len(item) == 2:
            out[key] = lonlat(shapely.Point(item), crs)
        else:
            out[key] = in_crs(item, crs)
    return out


def lonlat(point: shapely.Point, crs: str) -> list[float]:
    """``[lon, lat]`` of a point in ``crs``."""
    shape = geojson(point, crs)
    assert shape is not None
    return [float(v) for v in shape["coordinates"]]


def join_lines(lines: list[shapely.LineString | None]) -> shapely.LineString | None:
    """One line through consecutive lines (each starting where the previous ends)."""
    parts = [shapely.get_coordinates(line) for line in lines if line is not None]
    parts = [p for p in parts if len(p)]
    if not parts:
        return None
    coords_ = np.concatenate([parts[0], *(p[1:] for p in parts[1:])])
    if len(coords_) == 1:
        coords_ = np.vstack([coords_, coords_])
    return shapely.LineString(coords_)
