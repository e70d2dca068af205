"""Point-in-polygon location over many polygons: a raster of pure cells over an STRtree.

The one rule that matters for the service: a point on a boundary shared by two polygons gets
one deterministic answer, a polygon that contains it (boundary included), chosen by the lowest
``priority`` (the caller passes ranks of the codes, so the lowest code wins).

Speed comes from a coarse raster laid over the polygons' bounds. A cell is *pure* when exactly
one polygon intersects it and that polygon contains the cell properly (the cell touches none of
its boundary): every point of a pure cell, its edges included, lies in that polygon and in no
other, so the answer is a table look-up. Points in other cells (near a boundary) go to the
STRtree with prepared geometries, exactly as without the raster.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

MIN_CHUNK = 50_000
CELLS_PER_POLYGON = 256
MAX_CELLS = 4_000_000


class PolygonIndex:
    """Locate points in a fixed set of polygons."""

    def __init__(
        self,
        geoms: Sequence[BaseGeometry] | np.ndarray,
        *,
        priority: Sequence[int] | np.ndarray | None = None,
        cells_per_polygon: int = CELLS_PER_POLYGON,
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
        self._raster: _Raster | None = None
        if len(arr) and cells_per_polygon > 0:
            self._raster = _Raster.build(self._tree, arr, cells_per_polygon * len(arr))

    def __len__(self) -> int:
        return len(self._geoms)

    @property
    def geoms(self) -> np.ndarray:
        """The indexed geometries (prepared)."""
        return self._geoms

    @property
    def pure_share(self) -> float:
        """Share of the raster's cells answered by table look-up (0 without a raster)."""
        return self._raster.pure_share if self._raster is not None else 0.0

    def locate_one(self, x: float, y: float) -> int:
        """Index of the polygon containing ``(x, y)``, or -1."""
        raster = self._raster
        if raster is not None:
            cell = raster.cell_index(x, y)
            if cell < 0:
                return -1 if cell == -1 else self._query_one(x, y)
            hit = raster.flat[cell]
            if hit != -2:  # a pure cell
                return hit
            candidates = raster.candidates(cell)
            inside = candidates[shapely.intersects_xy(self._geoms[candidates], x, y)]
            if len(inside) == 0:
                return -1
            if len(inside) == 1:
                return int(inside[0])
            return int(inside[np.argmin(self._priority[inside])])
        return self._query_one(x, y)

    def _query_one(self, x: float, y: float) -> int:
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
        if self._raster is not None:
            cells = self._raster.cells(x, y)
            out[:] = np.where(cells >= 0, cells, -1)
            todo = np.flatnonzero(cells == -2)
        else:
            todo = np.arange(n)
        if len(todo) == 0:
            return out
        chunks = max(1, min(threads, len(todo) // MIN_CHUNK))
        parts = np.array_split(todo, chunks)
        if chunks == 1:
            self._query_into(x, y, todo, out)
        else:
            with ThreadPoolExecutor(max_workers=chunks) as pool:
                list(pool.map(lambda idx: self._query_into(x, y, idx, out), parts))
        return out

    def _query_into(self, x: np.ndarray, y: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:
        points = shapely.points(x[idx], y[idx])
        point_idx, poly_idx = self._tree.query(points, predicate="intersects")
        if len(point_idx) == 0:
            return
        # A point on a shared boundary hits several polygons: keep the lowest priority.
        if np.bincount(point_idx, minlength=len(idx)).max() > 1:
            order = np.lexsort((self._priority[poly_idx], point_idx))
            point_idx = point_idx[order]
            poly_idx = poly_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            point_idx = point_idx[first]
            poly_idx = poly_idx[first]
        out[idx[point_idx]] = poly_idx


class _Raster:
    """A regular grid over the polygons' bounds; ``table[row, col]`` is the polygon of a pure
    cell, or -2 where the cell needs the exact test.
    """

    def __init__(
        self,
        minx: float,
        miny: float,
        dx: float,
        dy: float,
        table: np.ndarray,
        offsets: np.ndarray,
        members: np.ndarray,
    ) -> None:
        self.minx, self.miny, self.dx, self.dy = minx, miny, dx, dy
        self.table = table
        self.ny, self.nx = table.shape
        # compact array of C longs: one cache line per look-up, Python ints out
        self.flat = array("q", table.ravel().tolist())
        # the polygons meeting each cell (CSR): the exact test needs only these
        self.offsets = offsets
        self.members = members

    @property
    def pure_share(self) -> float:
        return float((self.table >= 0).mean())

    @classmethod
    def build(cls, tree: shapely.STRtree, geoms: np.ndarray, cells: int) -> _Raster:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        width, height = max(maxx - minx, 1e-12), max(maxy - miny, 1e-12)
        cells = min(cells, MAX_CELLS)
        nx = max(1, int(round(np.sqrt(cells * width / height))))
        ny = max(1, int(round(cells / nx)))
        dx, dy = width / nx, height / ny
        cols, rows = np.meshgrid(np.arange(nx), np.arange(ny))
        x0 = minx + cols.ravel() * dx
        y0 = miny + rows.ravel() * dy
        boxes = shapely.box(x0, y0, x0 + dx, y0 + dy)
        cell_idx, poly_idx = tree.query(boxes, predicate="intersects")
        counts = np.bincount(cell_idx, minlength=len(boxes))
        table = np.full(len(boxes), -2, dtype=np.int64)
        table[counts == 0] = -1  # no polygon meets the cell: nothing to test
        single = counts[cell_idx] == 1
        c, p = cell_idx[single], poly_idx[single]
        inside = shapely.contains_properly(geoms[p], boxes[c])
        table[c[inside]] = p[inside]
        offsets = np.zeros(len(boxes) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        members = poly_idx[np.argsort(cell_idx, kind="stable")]
        return cls(minx, miny, dx, dy, table.reshape(ny, nx), offsets, members)

    def candidates(self, cell: int) -> np.ndarray:
        """The polygons that meet cell ``cell``."""
        return self.members[self.offsets[cell] : self.offsets[cell + 1]]

    def cell_index(self, x: float, y: float) -> int:
        """The cell of a point: -1 outside the raster, -2 on its far edge (test exactly)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return -1
        # the same arithmetic as ``cells``, so one point lands in one cell either way
        col = math.floor((x - self.minx) / self.dx)
        row = math.floor((y - self.miny) / self.dy)
        if col < 0 or row < 0 or col > self.nx or row > self.ny:
            return -1
        if col == self.nx or row == self.ny:
            return -2
        return row * self.nx + col

    def cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The same for arrays."""
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.minx) / self.dx)
            row = np.floor((y - self.miny) / self.dy)
        out = np.full(len(x), -1, dtype=np.int64)
        inside = (col >= 0) & (row >= 0) & (col < self.nx) & (row < self.ny)
        out[inside] = self.table[row[inside].astype(np.int64), col[inside].astype(np.int64)]
        edge = ((col == self.nx) & (row >= 0) & (row <= self.ny)) | (
            (row == self.ny) & (col >= 0) & (col <= self.nx)
        )
        out[edge] = -2
        return out
