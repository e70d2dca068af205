"""Coordinates at the edge of the service: a named crs in, storage coordinates out.

WGS84 and CGCS2000 are taken as equal (centimetres apart), so the hot path does no transform;
GCJ-02 and BD-09 are converted with the exact iterative inverse in ``boundaries.coords``.
"""

from __future__ import annotations

import numpy as np

from boundaries import coords
from boundaries.errors import CoordinatesOutOfRange, UnknownCRS

CRS_CHOICES = ("wgs84", "cgcs2000", "gcj02", "bd09")


def crs_name(crs: str | None) -> str:
    """Normalise a crs parameter; ``UnknownCRS`` names the allowed ones."""
    name = (crs or "wgs84").strip().lower()
    if name not in CRS_CHOICES:
        raise UnknownCRS(f"crs was {crs!r} but is expected to be one of {list(CRS_CHOICES)}")
    return name


def to_storage(lon: float, lat: float, crs: str | None) -> tuple[float, float, str]:
    """One point in storage coordinates (CGCS2000 ≈ WGS84), with the normalised crs name."""
    name = crs_name(crs)
    if name in ("wgs84", "cgcs2000"):
        return lon, lat, name
    x, y = coords.to_wgs84(lon, lat, name)
    return float(x), float(y), name


def check_range(lon: np.ndarray, lat: np.ndarray, *, label: str = "points") -> None:
    """``CoordinatesOutOfRange`` naming the first point outside lon/lat range (or not finite)."""
    bad = ~((lon >= -180.0) & (lon <= 180.0) & (lat >= -90.0) & (lat <= 90.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CoordinatesOutOfRange(
            f"{label}[{i}] = [{lon[i]}, {lat[i]}] is out of range: lon must be in [-180, 180] "
            f"and lat in [-90, 90] ({int(bad.sum())} such points)",
            details={"index": i, "count": int(bad.sum())},
        )


def many_to_storage(
    lon: np.ndarray, lat: np.ndarray, crs: str | None
) -> tuple[np.ndarray, np.ndarray, str]:
    """Arrays of points in storage coordinates."""
    name = crs_name(crs)
    check_range(lon, lat)
    if name in ("wgs84", "cgcs2000"):
        return lon, lat, name
    x, y = coords.to_wgs84(lon, lat, name)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), name
