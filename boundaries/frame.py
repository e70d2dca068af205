"""A local affine metric frame for shape-building work (Voronoi cells, region growing).

``x = (lon - lon0) · kx``, ``y = (lat - lat0) · ky`` with kx, ky the metres per degree of
longitude and latitude at (lon0, lat0) on the CGCS2000 ellipsoid. The map is affine, so an
edge straight in storage coordinates stays straight in the frame and back: pieces built here
overlay exactly with the stored geometries (no false slivers, unlike a true projection, which
bends long edges). Across a village or a town the scale error is far below a metre per
kilometre; areas and lengths that are reported are still measured in the Gauss–Krüger zone
(``boundaries.projection``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

_A = 6378137.0  # CGCS2000 semi-major axis (m)
_F = 1 / 298.257222101  # CGCS2000 flattening
_E2 = _F * (2 - _F)


@dataclass(frozen=True)
class LocalFrame:
    """Metres east and north of (lon0, lat0), affine in lon/lat."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, geom: BaseGeometry) -> LocalFrame:
        """A frame centred on the bounds of ``geom`` (lon/lat)."""
        if geom is None or geom.is_empty:
            raise ValueError("`geom` is empty; a local frame needs a place")
        minx, miny, maxx, maxy = geom.bounds
        return cls((minx + maxx) / 2.0, (miny + maxy) / 2.0)

    @property
    def scale(self) -> tuple[float, float]:
        """Metres per degree of longitude and of latitude at the origin."""
        phi = math.radians(self.lat0)
        w = math.sqrt(1 - _E2 * math.sin(phi) ** 2)
        n = _A / w  # prime vertical radius of curvature
        m = _A * (1 - _E2) / w**3  # meridional radius of curvature
        return math.radians(1) * n * math.cos(phi), math.radians(1) * m

    def to_xy(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
        """(n, 2) metres from lon/lat arrays."""
        kx, ky = self.scale
        return np.column_stack(
            [(np.asarray(lon) - self.lon0) * kx, (np.asarray(lat) - self.lat0) * ky]
        )

    def forward(self, geom: BaseGeometry | NDArray[np.object_]) -> BaseGeometry | NDArray:
        """Geometries from lon/lat into the frame."""
        kx, ky = self.scale
        origin = np.array([self.lon0, self.lat0])
        factor = np.array([kx, ky])
        return shapely.transform(geom, lambda xy: (xy - origin) * factor)

    def back(self, geom: BaseGeometry | NDArray[np.object_]) -> BaseGeometry | NDArray:
        """Geometries from the frame back to lon/lat."""
        kx, ky = self.scale
        origin = np.array([self.lon0, self.lat0])
        factor = np.array([kx, ky])
        return shapely.transform(geom, lambda xy: xy / factor + origin)
