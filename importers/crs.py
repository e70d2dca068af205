"""Bring a file's geometries into EPSG:4490 (CGCS2000).

WGS84 and CGCS2000 are equal to within centimetres and are not transformed. GCJ-02 and BD-09
(AMap, Tencent, Baidu data) are converted vertex by vertex with the exact iterative inverse of
``boundaries.coords``; any other EPSG code goes through PROJ.
"""

from __future__ import annotations

import re

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from boundaries import coords
from boundaries.errors import UnknownCRS

STORAGE_EPSG = 4490
NAMED = {"wgs84": 4326, "cgcs2000": 4490, "gcj02": None, "bd09": None}
CHOICES = "wgs84, cgcs2000, gcj02, bd09 or EPSG:<n>"
# Geographic CRSs taken as equal to CGCS2000 for this purpose (all within centimetres of it).
EQUAL_TO_STORAGE = {4326, 4490, 4479, 4480, 4618}


def parse_crs_option(value: str) -> str | CRS:
    """``--crs``: one of the named systems, or ``EPSG:n``; ``UnknownCRS`` otherwise."""
    text = value.strip().lower().replace("-", "")
    if text in NAMED:
        return text
    match = re.fullmatch(r"epsg:?(\d{4,6})", text)
    if match:
        try:
            return CRS.from_epsg(int(match.group(1)))
        except CRSError:
            raise UnknownCRS(f"--crs {value}: PROJ does not know this EPSG code") from None
    raise UnknownCRS(f"--crs was {value!r} but is expected to be one of {CHOICES}")


def describe(crs: str | CRS | None) -> str:
    """A short name for messages and reports."""
    if crs is None:
        return "none"
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def is_storage_equivalent(crs: CRS) -> bool:
    """Whether ``crs`` is WGS84/CGCS2000 lon/lat (no transformation needed)."""
    if crs.to_epsg() in EQUAL_TO_STORAGE:
        return True
    return crs.equals(CRS.from_user_input("OGC:CRS84")) or crs.equals(CRS.from_epsg(4326))


def needs_lonlat_check(crs: str | CRS) -> bool:
    """Whether the source coordinates must already be lon/lat (so range-checkable)."""
    return isinstance(crs, str) or crs.is_geographic


def to_storage(geoms: np.ndarray, crs: str | CRS) -> np.ndarray:
    """Geometries (an object array) from ``crs`` into EPSG:4490 coordinates."""
    if isinstance(crs, str):
        if crs in ("wgs84", "cgcs2000"):
            return geoms
        name = crs

        def shift(xy: np.ndarray) -> np.ndarray:
            x, y = coords.to_wgs84(xy[:, 0], xy[:, 1], name)
            return np.column_stack([x, y])

        return shapely.transform(geoms, shift)
    if is_storage_equivalent(crs):
        return geoms
    transformer = Transformer.from_crs(crs, CRS.from_epsg(STORAGE_EPSG), always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, project)
