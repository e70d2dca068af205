"""Kernel density of points in metres: where incidents cluster.

Pure: points in a metric plane (a Gauss–Krüger zone, see ``boundaries.projection``) in, a
raster of densities (points per square kilometre) out. The default kernel is the quartic
(biweight) kernel that ArcGIS's Kernel Density and QGIS's heat-map tool use; Gaussian and
Epanechnikov are there too. Each kernel integrates to 1 over the plane, so the densities of
all cells times the cell area add up to the number of points (less what falls past the edges).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

KERNELS = ("quartic", "epanechnikov", "gaussian")
GAUSSIAN_CUTOFF = 4.0
"""The Gaussian kernel is summed out to this many bandwidths (the rest is < 0.04 %)."""
MAX_CELLS = 4_000_000


def kernel(distance: ArrayLike, *, bandwidth: float, kind: str = "quartic") -> NDArray[np.float64]:
    """The kernel's value (per square metre) at ``distance`` metres from a point.

    quartic: 3/(πh²)·(1 − d²/h²)² for d < h; epanechnikov: 2/(πh²)·(1 − d²/h²) for d < h;
    gaussian: 1/(2πh²)·exp(−d²/(2h²)).
    """
    if kind not in KERNELS:
        raise ValueError(f'`kind` was "{kind}" but is expected to be one of {KERNELS}')
    if not bandwidth > 0:
        raise ValueError(f"`bandwidth` was {bandwidth!r} but is expected to be > 0 (metres)")
    d = np.asarray(distance, dtype=np.float64)
    u2 = (d / bandwidth) ** 2
    h2 = bandwidth * bandwidth
    if kind == "gaussian":
        return np.exp(-u2 / 2.0) / (2.0 * np.pi * h2)
    inside = np.clip(1.0 - u2, 0.0, None)
    if kind == "quartic":
        return 3.0 / (np.pi * h2) * inside**2
    return 2.0 / (np.pi * h2) * inside


@dataclass(frozen=True)
class DensityGrid:
    """Densities on square cells; row 0 is the southernmost row, column 0 the westernmost."""

    x0: float
    y0: float
    cell: float
    density: NDArray[np.float64]
    """Points per square kilometre at each cell's centre, shape (rows, columns)."""

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The x and y of every cell's centre, each of the density's shape."""
        rows, cols = self.density.shape
        xs = self.x0 + (np.arange(cols) + 0.5) * self.cell
        ys = self.y0 + (np.arange(rows) + 0.5) * self.cell
        return np.meshgrid(xs, ys)

    def cells(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.object_]:
        """The square polygons of the given cells."""
        x = self.x0 + cols * self.cell
        y = self.y0 + rows * self.cell
        return shapely.box(x, y, x + self.cell, y + self.cell)

    def peaks(self, *, minimum: float) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Cells at least ``minimum`` that no neighbour (of eight) exceeds: the hot spots."""
        d = self.density
        padded = np.pad(d, 1, constant_values=-np.inf)
        rows, cols = d.shape
        neighbours = np.stack(
            [
                padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr, dc) != (0, 0)
            ]
        )
        is_peak = (d >= neighbours.max(axis=0)) & (d >= minimum) & (d > 0)
        r, c = np.nonzero(is_peak)
        order = np.argsort(-d[r, c], kind="stable")
        return r[order], c[order]


def kernel_density(
    xy: ArrayLike,
    *,
    bandwidth: float,
    cell: float,
    bounds: tuple[float, float, float, float] | None = None,
    weights: ArrayLike | None = None,
    kind: str = "quartic",
) -> DensityGrid:
    """Kernel density of points on a raster of square cells, in points per km².

    Args:
        xy: Points, shape (n, 2), in metres.
        bandwidth: The kernel's radius (quartic, Epanechnikov) or standard deviation
            (Gaussian), in metres.
        cell: The side of a cell, in metres.
        bounds: (minx, miny, maxx, maxy) to cover; by default the points' bounds grown by
            the kernel's reach.
        weights: A weight per point (default 1).
        kind: One of :data:`KERNELS`.

    Returns:
        The densities at the cell centres.

    Raises:
        ValueError: For malformed points, weights, sizes, bounds, or a raster over
            :data:`MAX_CELLS` cells.

    """
    points = np.asarray(xy, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"`xy` has shape {points.shape} but is expected to be (n, 2)")
    if not np.isfinite(points).all():
        raise ValueError("`xy` has coordinates that are not finite")
    if not cell > 0:
        raise ValueError(f"`cell` was {cell!r} but is expected to be > 0 (metres)")
    kernel(0.0, bandwidth=bandwidth, kind=kind)  # checks kind and bandwidth
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(points),):
        raise ValueError(f"`weights` has shape {w.shape} but is expected to be ({len(points)},)")
    reach = bandwidth * (GAUSSIAN_CUTOFF if kind == "gaussian" else 1.0)
    if bounds is None:
        if len(points) == 0:
            raise ValueError("no points and no `bounds`: nothing to cover")
        minx, miny = points.min(axis=0) - reach
        maxx, maxy = points.max(axis=0) + reach
    else:
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        if not (minx < maxx and miny < maxy):
            raise ValueError(
                f"`bounds` was {bounds!r} but is expected to be (minx, miny, maxx, maxy)"
            )
    cols = max(1, int(np.ceil((maxx - minx) / cell)))
    rows = max(1, int(np.ceil((maxy - miny) / cell)))
    if rows * cols > MAX_CELLS:
        raise ValueError(
            f"{rows} × {cols} cells of {cell} m is over {MAX_CELLS:,}; use larger cells"
        )
    grid = DensityGrid(x0=minx, y0=miny, cell=cell, density=np.zeros((rows, cols)))
    if len(points) == 0:
        return grid
    cx, cy = grid.centres()
    centres = np.column_stack([cx.ravel(), cy.ravel()])
    pairs = cKDTree(points).sparse_distance_matrix(
        cKDTree(centres), max_distance=reach, output_type="coo_matrix"
    )
    values = kernel(pairs.data, bandwidth=bandwidth, kind=kind) * w[pairs.row]
    flat = np.bincount(pairs.col, weights=values, minlength=len(centres))
    density = np.asarray(flat.reshape(rows, cols) * 1e6, dtype=np.float64)
    return DensityGrid(x0=minx, y0=miny, cell=cell, density=density)
