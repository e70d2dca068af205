"""Point-in-polygon location over many polygons: an STRtree of prepared geometries.

The one rule that matters for the service: a point on a boundary shared by two polygons gets
one deterministic answer, a polygon that contains it (boundary included), chosen by the lowest
``priority`` (the caller passes ranks of the codes, so the lowest code wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

MIN_CHUNK = 50_000


class PolygonIndex:
    """Locate points in a fixed set of polygons."""

    def __init__(
        self,
        geoms: Sequence[BaseGeometry] | np.ndarray,
        *,
        priority: Sequence[int] | np.ndarray | None = None,
    ) -> None:
        arr = np.asarray(geoms, dtype=object)
        if arr.ndim != 1:
            raise ValueError(f"`geoms` must be one-dimensional, got shape {arr.shape}")
        if priority is None:
            prio = np.arange(len(arr), dtype=np.int64)
        else:
            prio = np.asarray(priority, dtype=np.int64)
            if prio.shape != arr.shape:
                raise ValueError(
                    f"`priority` has shape {prio.shape} but `geoms` has shape {arr.shape}"
                )
        shapely.prepare(arr)
        self._geoms = arr
        self._priority = prio
        self._tree = shapely.STRtree(arr)

    def __len__(self) -> int:
        return len(self._geoms)

    @property
    def geoms(self) -> np.ndarray:
        """The indexed geometries (prepared)."""
        return self._geoms

    def locate_one(self, x: float, y: float) -> int:
        """Index of the polygon containing ``(x, y)``, or -1."""
        hits = self._tree.query(shapely.Point(x, y), predicate="intersects")
        if len(hits) == 0:
            return -1
        if len(hits) == 1:
            return int(hits[0])
        return int(hits[np.argmin(self._priority[hits])])

    def locate(self, x: np.ndarray, y: np.ndarray, *, threads: int = 1) -> np.ndarray:
        """Index of the containing polygon for each point (``-1`` for none), as int64.

        Large inputs are split over ``threads`` threads; shapely releases the GIL while it
        queries, so the threads run in parallel.
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError(f"`x` and `y` must be 1-D of one length, got {x.shape} and {y.shape}")
        n = len(x)
        out = np.full(n, -1, dtype=np.int64)
        if n == 0 or len(self._geoms) == 0:
            return out
        chunks = max(1, min(threads, n // MIN_CHUNK))
        bounds = np.linspace(0, n, chunks + 1, dtype=np.int64)
        if chunks == 1:
            self._locate_into(x, y, out)
        else:
            with ThreadPoolExecutor(max_workers=chunks) as pool:
                list(
                    pool.map(
                        lambda ab: self._locate_into(
                            x[ab[0] : ab[1]], y[ab[0] : ab[1]], out[ab[0] : ab[1]]
                        ),
                        zip(bounds[:-1], bounds[1:], strict=True),
                    )
                )
        return out

    def _locate_into(self, x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
        points = shapely.points(x, y)
        point_idx, poly_idx = self._tree.query(points, predicate="intersects")
        if len(point_idx) == 0:
            return
        # A point on a shared boundary hits several polygons: keep the lowest priority.
        if np.bincount(point_idx, minlength=len(x)).max() > 1:
            order = np.lexsort((self._priority[poly_idx], point_idx))
            point_idx = point_idx[order]
            poly_idx = poly_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            point_idx = point_idx[first]
            poly_idx = poly_idx[first]
        out[point_idx] = poly_idx
