"""Coordinate systems used for lon/lat data in China, and exact conversions between them.

Four names are understood (case-insensitive), plus two EPSG aliases:

- ``wgs84`` (alias ``epsg:4326``) and ``cgcs2000`` (alias ``epsg:4490``). CGCS2000 is the
  national frame; its realisation agrees with WGS84 to a few centimetres, far below the accuracy
  of the data gridmap handles, so the two are treated as **identical**: no transform between them.
- ``gcj02``, the obfuscated "Mars" frame that AMap and Tencent maps use. The forward function is
  the well-known one (Krasovsky ellipsoid, a = 6378245.0 m, e² = 0.00669342162296594323, and the
  polynomial-plus-sine offset series centred on 105°E, 35°N).
- ``bd09``, Baidu's frame: a further rotation-and-shift applied to GCJ-02 coordinates.

Where the GCJ-02 shift applies
    Exactly where the standard algorithm applies it: to WGS84 points inside the rectangle
    lon 72.004–137.8347, lat 0.8293–55.8271 (its crude "in China" test). Points outside pass
    unchanged. The inverse returns the preimage found by iteration when that preimage lies
    inside the rectangle, and the point unchanged otherwise. Within about a kilometre of the
    rectangle's edge (open sea or foreign land, never Chinese territory) the forward mapping is
    not one-to-one; there, a point outside the rectangle that some inside point also maps to is
    read as that inside point. BD-09's formula applies everywhere, as Baidu's does.

Exact inverses
    GCJ-02 → WGS84 and BD-09 → GCJ-02 are computed by fixed-point iteration on the forward
    function until the residual is below 1e-10 degrees (about 0.01 mm); the one-step
    approximation ``2 * gcj - forward(gcj)`` that many libraries use is off by up to metres.

All functions are vectorised over numpy arrays of any shape and also take Python floats or
lists. Scalars in give Python floats out; arrays in give new float64 arrays of the same shape.
A point with a NaN coordinate is passed through untransformed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from boundaries.errors import CoordinatesOutOfRange, UnknownCRS

CRS_NAMES: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")
_ALIASES = {"epsg:4326": "wgs84", "epsg:4490": "cgcs2000"}

# The GCJ-02 forward function's constants.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# The rectangle inside which the standard algorithm applies the shift.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
# GCJ-02 points further than this from the rectangle cannot have a preimage inside it
# (the shift is at most about 750 m, under 0.011 degree, anywhere in the rectangle).
_GCJ_MARGIN_DEG = 0.1

# BD-09 constants.
_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

# Iteration of the exact inverses.
_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 30
# Points transformed per block.
_BLOCK = 16384

FloatArray = NDArray[np.float64]
Coord = float | FloatArray


def _normalise_crs(name: Any, argument: str) -> str:
    """Return the canonical CRS name for ``name``, or raise `UnknownCRS`."""
    allowed = list(CRS_NAMES) + list(_ALIASES)
    key = name.strip().lower() if isinstance(name, str) else None
    key = _ALIASES.get(key, key) if key is not None else None
    if key not in CRS_NAMES:
        raise UnknownCRS(
            f'`{argument}` was "{name}" but is expected to be one of {allowed}',
            details={"argument": argument, "value": str(name), "allowed": allowed},
        )
    return key


def _geodetic(name: str) -> str:
    """Map cgcs2000 onto wgs84, which gridmap treats as the same frame."""
    return "wgs84" if name == "cgcs2000" else name


def _prepare(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    """Check and copy the inputs into float64 arrays; also say whether they were scalars."""
    lon_arr = np.array(lon, dtype=np.float64)
    lat_arr = np.array(lat, dtype=np.float64)
    if lon_arr.shape != lat_arr.shape:
        raise ValueError(
            f"`lon` has shape {lon_arr.shape} but `lat` has shape {lat_arr.shape}; "
            "they are expected to have the same shape"
        )
    with np.errstate(invalid="ignore"):
        bad = (np.abs(lon_arr) > 180.0) | (np.abs(lat_arr) > 90.0)
    if bad.any():
        flat = int(np.flatnonzero(bad.ravel())[0])
        x = float(lon_arr.ravel()[flat])
        y = float(lat_arr.ravel()[flat])
        if lon_arr.ndim == 0:
            where = "the point"
            index: int | tuple[int, ...] | None = None
        else:
            unravelled = tuple(int(i) for i in np.unravel_index(flat, lon_arr.shape))
            index = unravelled[0] if lon_arr.ndim == 1 else unravelled
            where = f"point {index}"
        what = (
            f"longitude {x} is outside [-180, 180]"
            if abs(x) > 180.0
            else f"latitude {y} is outside [-90, 90]"
        )
        raise CoordinatesOutOfRange(
            f"{where}: {what}", details={"index": index, "lon": x, "lat": y}
        )
    return lon_arr, lat_arr, lon_arr.ndim == 0


def _finish(lon: FloatArray, lat: FloatArray, scalar: bool) -> tuple[Coord, Coord]:
    """Return Python floats for scalar input, arrays otherwise."""
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _apply(
    lon: FloatArray,
    lat: FloatArray,
    func: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
) -> tuple[FloatArray, FloatArray]:
    """Apply a flat-array transform to the finite points of ``lon``/``lat``, writing in place.

    Large inputs go through in blocks so that the temporaries stay small and in cache.
    """
    flat_lon = lon.reshape(-1)
    flat_lat = lat.reshape(-1)
    finite = np.flatnonzero(np.isfinite(flat_lon) & np.isfinite(flat_lat))
    for start in range(0, finite.size, _BLOCK):
        index = finite[start : start + _BLOCK]
        flat_lon[index], flat_lat[index] = func(flat_lon[index], flat_lat[index])
    return lon, lat


# --- GCJ-02 -----------------------------------------------------------------------------------


def _in_china_rectangle(lon: FloatArray, lat: FloatArray, margin: float = 0.0) -> NDArray[np.bool_]:
    """Whether each point is inside the standard algorithm's rectangle (grown by ``margin``)."""
    return (
        (lon >= _CHINA_LON[0] - margin)
        & (lon <= _CHINA_LON[1] + margin)
        & (lat >= _CHINA_LAT[0] - margin)
        & (lat <= _CHINA_LAT[1] + margin)
    )


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 shift (degrees of lon, of lat) at WGS84 points, with no rectangle test.

    The series is the published one. To save time, three of its sines are derived from others by
    sin(3u) = sin(u) * (3 - 4 sin²(u)): sin(6πx) from sin(2πx), sin(πx) from sin(πx/3), and
    sin(πy) from sin(πy/3); the difference from calling ``sin`` is a few units in the last place.
    """
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    xy = x * y
    s2x = np.sin((2.0 * math.pi) * x)
    s6x = s2x * (3.0 - 4.0 * s2x * s2x)
    sx3 = np.sin((math.pi / 3.0) * x)
    sx = sx3 * (3.0 - 4.0 * sx3 * sx3)
    sy3 = np.sin((math.pi / 3.0) * y)
    sy = sy3 * (3.0 - 4.0 * sy3 * sy3)
    # The waves of each component, in metres.
    common = 20.0 * (s6x + s2x)
    waves_lat = common + 20.0 * sy + 40.0 * sy3
    waves_lat += 160.0 * np.sin((math.pi / 12.0) * y) + 320.0 * np.sin((math.pi / 30.0) * y)
    waves_lon = common + 20.0 * sx + 40.0 * sx3
    waves_lon += 150.0 * np.sin((math.pi / 12.0) * x) + 300.0 * np.sin((math.pi / 30.0) * x)
    metres_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * sqrt_abs_x
    metres_lat += waves_lat * (2.0 / 3.0)
    metres_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * sqrt_abs_x
    metres_lon += waves_lon * (2.0 / 3.0)
    # Metres to degrees on the Krasovsky ellipsoid (meridian and parallel radii of curvature);
    # cos(phi) >= 0 for |phi| <= 90 degrees, so it comes from sin(phi) by a square root.
    sin_phi = np.sin(np.radians(lat))
    sin2 = sin_phi * sin_phi
    w2 = 1.0 - _KRASOVSKY_EE * sin2
    w = np.sqrt(w2)
    meridian = (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) * (math.pi / 180.0)) / (w2 * w)
    parallel = (_KRASOVSKY_A * (math.pi / 180.0)) * np.sqrt(1.0 - sin2) / w
    return metres_lon / parallel, metres_lat / meridian


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Forward GCJ-02 on flat arrays: shift the points inside the rectangle."""
    out_lon = lon.copy()
    out_lat = lat.copy()
    inside = _in_china_rectangle(lon, lat)
    if inside.any():
        d_lon, d_lat = _gcj_offset(lon[inside], lat[inside])
        out_lon[inside] += d_lon
        out_lat[inside] += d_lat
    return out_lon, out_lat


def _iterate_inverse(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target_lon: FloatArray,
    target_lat: FloatArray,
    start_lon: FloatArray,
    start_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(p) == target`` by fixed-point iteration, iterating only unconverged points.

    The step ``p -= forward(p) - target`` contracts because both obfuscations are the identity
    plus a shift whose derivative is small (well below 0.1), so each step gains about two digits.
    """
    lon = start_lon.copy()
    lat = start_lat.copy()
    active = np.arange(lon.size)
    for _ in range(_MAX_ITERATIONS):
        if active.size == 0:
            break
        f_lon, f_lat = forward(lon[active], lat[active])
        r_lon = f_lon - target_lon[active]
        r_lat = f_lat - target_lat[active]
        lon[active] -= r_lon
        lat[active] -= r_lat
        still = (np.abs(r_lon) >= _TOLERANCE_DEG) | (np.abs(r_lat) >= _TOLERANCE_DEG)
        active = active[still]
    return lon, lat


def _gcj_shift_only(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Forward GCJ-02 without the rectangle test (for the iteration)."""
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact inverse GCJ-02 on flat arrays (see the module docstring for the rectangle rule)."""
    out_lon = lon.copy()
    out_lat = lat.copy()
    near = np.flatnonzero(_in_china_rectangle(lon, lat, _GCJ_MARGIN_DEG))
    if near.size == 0:
        return out_lon, out_lat
    g_lon = lon[near]
    g_lat = lat[near]
    d_lon, d_lat = _gcj_offset(g_lon, g_lat)
    w_lon, w_lat = _iterate_inverse(_gcj_shift_only, g_lon, g_lat, g_lon - d_lon, g_lat - d_lat)
    keep = _in_china_rectangle(w_lon, w_lat)
    out_lon[near[keep]] = w_lon[keep]
    out_lat[near[keep]] = w_lat[keep]
    return out_lon, out_lat


# --- BD-09 ------------------------------------------------------------------------------------


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Forward BD-09 from GCJ-02 on flat arrays."""
    z = np.hypot(lon, lat) + 2e-5 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 3e-6 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact inverse BD-09 on flat arrays."""
    return _iterate_inverse(_gcj_to_bd, lon, lat, lon - _BD_DLON, lat - _BD_DLAT)


def _bd_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_wgs(*_bd_to_gcj(lon, lat))


def _wgs_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat))


def _identity(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return lon, lat


_STEPS: dict[tuple[str, str], Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]] = {
    ("wgs84", "gcj02"): _wgs_to_gcj,
    ("gcj02", "wgs84"): _gcj_to_wgs,
    ("wgs84", "bd09"): _wgs_to_bd,
    ("bd09", "wgs84"): _bd_to_wgs,
    ("gcj02", "bd09"): _gcj_to_bd,
    ("bd09", "gcj02"): _bd_to_gcj,
}


# --- public API -------------------------------------------------------------------------------


def convert(lon: ArrayLike, lat: ArrayLike, src: str, dst: str) -> tuple[Coord, Coord]:
    """Convert lon/lat from one of `CRS_NAMES` to another.

    Args:
        lon: Longitudes in degrees, a float or array-like of any shape.
        lat: Latitudes in degrees, same shape as ``lon``.
        src: The frame of the input, one of `CRS_NAMES` or ``epsg:4326``/``epsg:4490``.
        dst: The frame wanted, same choices.

    Returns:
        ``(lon, lat)`` in ``dst``: Python floats for scalar input, else new float64 arrays of the
        input's shape. Points with a NaN coordinate come back untransformed.

    Raises:
        UnknownCRS: ``src`` or ``dst`` is not a known name.
        CoordinatesOutOfRange: a longitude outside [-180, 180] or a latitude outside [-90, 90].
        ValueError: ``lon`` and ``lat`` have different shapes.

    """
    source = _geodetic(_normalise_crs(src, "src"))
    target = _geodetic(_normalise_crs(dst, "dst"))
    lon_arr, lat_arr, scalar = _prepare(lon, lat)
    step = _STEPS.get((source, target), _identity)
    out_lon, out_lat = _apply(lon_arr, lat_arr, step)
    return _finish(out_lon, out_lat, scalar)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, src: str) -> tuple[Coord, Coord]:
    """Convert lon/lat in ``src`` to WGS84 (equal to CGCS2000); see `convert`."""
    return convert(lon, lat, src, "wgs84")


def from_wgs84(lon: ArrayLike, lat: ArrayLike, dst: str) -> tuple[Coord, Coord]:
    """Convert WGS84 (equal to CGCS2000) lon/lat to ``dst``; see `convert`."""
    return convert(lon, lat, "wgs84", dst)
