"""Metric work: choose a local projected CRS, project into it and back, measure in metres.

gridmap stores lon/lat in CGCS2000 (EPSG:4490) and never measures in degrees. Areas, lengths and
distances are computed in the CGCS2000 3-degree Gauss–Krüger zone of the data: EPSG:4534 (central
meridian 75°E) to EPSG:4554 (135°E), central meridian = 75 + 3 * (epsg - 4534), eastings without
a zone prefix. A longitude goes to the nearest central meridian, so the zones cover
73.5°E ≤ lon < 136.5°E (northern hemisphere); there the scale error stays below about 0.03 %.

Data outside that band (the Helsinki test city, for instance) falls back to the WGS84 UTM zone
of its centre, EPSG:326xx north of the equator and 327xx south of it (the standard 6-degree zones,
without the Norway/Svalbard exceptions), so metric work still works anywhere.

Input is a GeoDataFrame or GeoSeries whose CRS is EPSG:4490 or EPSG:4326 (treated as equal), or
a bare shapely geometry, which is taken to be in EPSG:4490. Output has the type of the input;
for a GeoDataFrame only the active geometry column is projected. Transformers are built once
per CRS pair and cached (pyproj Transformers are thread-safe since pyproj 3.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

from boundaries.errors import CoordinatesOutOfRange

CGCS2000_EPSG = 4490
WGS84_EPSG = 4326
GK_EPSG_FIRST = 4534
GK_EPSG_LAST = 4554
_GK_CM_FIRST = 75
_GK_CM_LAST = 135
_GEOGRAPHIC = (CGCS2000_EPSG, WGS84_EPSG)

GeoData = TypeVar("GeoData", gpd.GeoDataFrame, gpd.GeoSeries, shapely.Geometry)


def _zone_epsg(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.int64]:
    """Return the metric EPSG code for each (lon, lat) centre (see the module docstring)."""
    central = 3 * np.floor(lon / 3.0 + 0.5)
    gk = GK_EPSG_FIRST + (central - _GK_CM_FIRST) // 3
    in_gk = (central >= _GK_CM_FIRST) & (central <= _GK_CM_LAST) & (lat >= 0.0)
    utm_zone = np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60)
    utm = np.where(lat >= 0.0, 32600, 32700) + utm_zone
    return np.where(in_gk, gk, utm).astype(np.int64)


def gk_epsg_for_lon(lon: float, lat: float = 0.0) -> int:
    """Return the EPSG code of the metric CRS to use at a longitude.

    Args:
        lon: Longitude in degrees.
        lat: Latitude in degrees; only decides the hemisphere of the UTM fallback and sends
            southern-hemisphere points to UTM.

    Returns:
        The CGCS2000 3-degree Gauss–Krüger zone (4534–4554) with the nearest central meridian
        for 73.5 ≤ lon < 136.5 and lat ≥ 0; otherwise the WGS84 UTM zone (326xx/327xx).

    Raises:
        CoordinatesOutOfRange: ``lon`` is not in [-180, 180] or ``lat`` not in [-90, 90].

    """
    x, y = float(lon), float(lat)
    if not -180.0 <= x <= 180.0:
        raise CoordinatesOutOfRange(
            f"`lon` was {x} but is expected to be in [-180, 180]", details={"lon": x}
        )
    if not -90.0 <= y <= 90.0:
        raise CoordinatesOutOfRange(
            f"`lat` was {y} but is expected to be in [-90, 90]", details={"lat": y}
        )
    return int(_zone_epsg(np.array([x]), np.array([y]))[0])


def gk_epsg_for_bounds(minx: float, miny: float, maxx: float, maxy: float) -> int:
    """Return the metric EPSG code for data with these lon/lat bounds, chosen at their centre.

    Raises:
        ValueError: a minimum is greater than its maximum, or a bound is not finite.
        CoordinatesOutOfRange: the centre is not a valid lon/lat.

    """
    bounds = (float(minx), float(miny), float(maxx), float(maxy))
    if not all(math.isfinite(b) for b in bounds):
        raise ValueError(f"bounds were {bounds} but are expected to be finite numbers")
    if bounds[0] > bounds[2] or bounds[1] > bounds[3]:
        raise ValueError(
            f"bounds were {bounds} but are expected as (minx, miny, maxx, maxy) "
            "with minx <= maxx and miny <= maxy"
        )
    return gk_epsg_for_lon((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0)


@lru_cache(maxsize=128)
def _transformer(src_epsg: int, dst_epsg: int) -> Transformer:
    return Transformer.from_crs(src_epsg, dst_epsg, always_xy=True)


@lru_cache(maxsize=128)
def _is_metric(epsg: int) -> bool:
    try:
        crs = pyproj.CRS.from_epsg(epsg)
    except pyproj.exceptions.CRSError:
        return False
    return crs.is_projected and all(axis.unit_name == "metre" for axis in crs.axis_info)


@lru_cache(maxsize=128)
def _proj(epsg: int) -> pyproj.Proj:
    return pyproj.Proj(pyproj.CRS.from_epsg(epsg))


def grid_bearings(
    headings: ArrayLike, x: ArrayLike, y: ArrayLike, *, epsg: int
) -> NDArray[np.float64]:
    """Turn headings measured from true north into bearings from the grid north of ``epsg``.

    A projection's meridians are not parallel to its y axis: away from the central meridian
    true north is turned by the meridian convergence γ (0.5° at 104°E and 30°N in EPSG:4544,
    up to about 0.75° at a zone's edge). Subtracting γ at each point makes a heading a
    direction in the projected frame.

    Args:
        headings: Degrees clockwise from true north (NaN stays NaN).
        x: Eastings of the points, in ``epsg``.
        y: Northings of the points, in ``epsg``.
        epsg: The metric CRS of ``x``/``y``.

    Returns:
        Degrees clockwise from the frame's +y axis, in [0, 360).

    """
    dst = _check_metric_epsg(epsg)
    h, xs, ys = (
        np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in np.broadcast_arrays(headings, x, y)
    )
    if h.size == 0:
        return h.copy()
    lon, lat = _transformer(dst, CGCS2000_EPSG).transform(xs, ys)
    gamma = np.asarray(_proj(dst).get_factors(lon, lat).meridian_convergence, dtype=np.float64)
    return np.mod(h - gamma, 360.0)


def _check_metric_epsg(epsg: int) -> int:
    if isinstance(epsg, bool) or not isinstance(epsg, int | np.integer) or not _is_metric(epsg):
        raise ValueError(
            f"`epsg` was {epsg!r} but is expected to be the EPSG code (int) of a projected CRS "
            f"in metres, e.g. {GK_EPSG_FIRST}-{GK_EPSG_LAST} or a UTM zone"
        )
    return int(epsg)


def _project(geoms: NDArray[np.object_] | shapely.Geometry, transformer: Transformer) -> NDArray:
    """Transform x/y of shapely geometries, keeping any z and each geometry's dimensions."""

    def xy(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out = coords.copy()
        out[:, 0], out[:, 1] = transformer.transform(coords[:, 0], coords[:, 1])
        return out

    return shapely.transform(geoms, xy, include_z=True)


def _source_epsg(data: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> int:
    """Return the lon/lat EPSG code of the input, checking its type and CRS."""
    if isinstance(data, shapely.Geometry):
        return CGCS2000_EPSG
    if not isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries):
        raise TypeError(
            f"expected a GeoDataFrame, GeoSeries or shapely geometry, got {type(data).__name__}"
        )
    if data.crs is None:
        raise ValueError(
            "the data has no CRS; set it to EPSG:4490 (or EPSG:4326) before metric work"
        )
    epsg = data.crs.to_epsg()
    if epsg not in _GEOGRAPHIC:
        raise ValueError(
            f'the data\'s CRS was "{data.crs.to_string()}" but is expected to be EPSG:4490 '
            "(CGCS2000) or EPSG:4326 (WGS84)"
        )
    return int(epsg)


def _rebuild(data: GeoData, geoms: NDArray | shapely.Geometry, epsg: int) -> GeoData:
    """Return a copy of ``data`` with its geometries replaced and its CRS set to ``epsg``."""
    if isinstance(data, shapely.Geometry):
        return geoms
    series = gpd.GeoSeries(geoms, index=data.index, crs=epsg)
    if isinstance(data, gpd.GeoSeries):
        return series.rename(data.name)
    out = data.copy()
    out[data.geometry.name] = series
    return out


def _geometry_array(data: gpd.GeoDataFrame | gpd.GeoSeries) -> NDArray[np.object_]:
    return np.asarray(data.geometry.array, dtype=object)


def to_metric(data: GeoData, *, epsg: int | None = None) -> tuple[GeoData, int]:
    """Project lon/lat data into a metric CRS.

    Args:
        data: A GeoDataFrame or GeoSeries in EPSG:4490/4326, or a shapely geometry (EPSG:4490).
        epsg: The metric CRS to use; by default the Gauss–Krüger (or UTM) zone of the centre of
            the data's bounds (`gk_epsg_for_bounds`).

    Returns:
        ``(projected, epsg)``: data of the input's type in metres, and the EPSG code used.

    Raises:
        TypeError: ``data`` is not one of the accepted types.
        ValueError: the data has no CRS or a non-geographic one, ``epsg`` is not a metric CRS,
            or ``epsg`` is None and the data is empty.

    """
    src = _source_epsg(data)
    if epsg is None:
        if isinstance(data, shapely.Geometry):
            bounds = data.bounds
        else:
            bounds = tuple(data.geometry.total_bounds)
        if not all(math.isfinite(b) for b in bounds):
            raise ValueError("cannot choose a metric zone for empty data; pass `epsg`")
        epsg = gk_epsg_for_bounds(*bounds)
    dst = _check_metric_epsg(epsg)
    geoms = data if isinstance(data, shapely.Geometry) else _geometry_array(data)
    return _rebuild(data, _project(geoms, _transformer(src, dst)), dst), dst


def from_metric(data: GeoData, epsg: int) -> GeoData:
    """Project metric data in ``epsg`` back to lon/lat in EPSG:4490 (CGCS2000).

    Args:
        data: A GeoDataFrame, GeoSeries or shapely geometry in the metric CRS ``epsg``.
            A GeoDataFrame/GeoSeries without a CRS is taken to be in ``epsg``.
        epsg: The EPSG code of the metric CRS, as returned by `to_metric`.

    Returns:
        Data of the input's type in EPSG:4490.

    Raises:
        TypeError: ``data`` is not one of the accepted types.
        ValueError: ``epsg`` is not a metric CRS, or the data carries a different CRS.

    """
    src = _check_metric_epsg(epsg)
    if isinstance(data, shapely.Geometry):
        return _project(data, _transformer(src, CGCS2000_EPSG))
    if not isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries):
        raise TypeError(
            f"expected a GeoDataFrame, GeoSeries or shapely geometry, got {type(data).__name__}"
        )
    if data.crs is not None and data.crs.to_epsg() != src:
        raise ValueError(
            f'the data\'s CRS was "{data.crs.to_string()}" but `epsg` was {src}; they must agree'
        )
    projected = _project(_geometry_array(data), _transformer(src, CGCS2000_EPSG))
    return _rebuild(data, projected, CGCS2000_EPSG)


def _measure(
    data: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry,
    measure: Callable[[NDArray[np.object_]], NDArray[np.float64]],
) -> float | pd.Series:
    """Apply a shapely measure to each geometry in the metric zone of that geometry's centre."""
    src = _source_epsg(data)
    single = isinstance(data, shapely.Geometry)
    geoms = np.array([data], dtype=object) if single else _geometry_array(data)
    bounds = shapely.bounds(geoms)
    centre_lon = (bounds[:, 0] + bounds[:, 2]) / 2.0
    centre_lat = (bounds[:, 1] + bounds[:, 3]) / 2.0
    located = np.isfinite(centre_lon) & np.isfinite(centre_lat)
    if (np.abs(centre_lon[located]) > 180.0).any() or (np.abs(centre_lat[located]) > 90.0).any():
        raise CoordinatesOutOfRange(
            "a geometry's centre is outside lon [-180, 180] / lat [-90, 90]; "
            "is the data really in lon/lat?"
        )
    # Missing geometries measure NaN, empty ones 0, as in shapely and geopandas.
    values = np.where(shapely.is_missing(geoms), np.nan, 0.0)
    zones = _zone_epsg(centre_lon[located], centre_lat[located])
    located_index = np.flatnonzero(located)
    for zone in np.unique(zones):
        index = located_index[zones == zone]
        values[index] = measure(_project(geoms[index], _transformer(src, int(zone))))
    if single:
        return float(values[0])
    return pd.Series(values, index=data.index, dtype="float64")


def area_m2(data: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> float | pd.Series:
    """Return the area in square metres, each geometry measured in its local metric zone.

    Args:
        data: A GeoDataFrame or GeoSeries in EPSG:4490/4326, or a shapely geometry (EPSG:4490).

    Returns:
        A float for a geometry; for a GeoDataFrame/GeoSeries a float Series on the same index
        (NaN for a missing geometry, 0 for an empty one).

    """
    return _measure(data, shapely.area)


def length_m(data: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> float | pd.Series:
    """Return the length (perimeter for polygons) in metres, measured as `area_m2` measures."""
    return _measure(data, shapely.length)
