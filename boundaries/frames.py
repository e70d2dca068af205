"""Small checks and accessors for the GeoDataFrames the planning functions take."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["check_frame", "column", "grid_keys"]


def column(frame: pd.DataFrame, name: str) -> list[object]:
    """A column as a list with None for missing values (all None if there is no such column)."""
    if name not in frame.columns:
        return [None] * len(frame)
    return [None if v is None or (np.ndim(v) == 0 and pd.isna(v)) else v for v in frame[name]]


def grid_keys(grids: pd.DataFrame) -> list[str]:
    """How issues name each grid: its ``key``, else its ``code``, else ``#<row>``."""
    keys = column(grids, "key")
    codes = column(grids, "code")
    return [
        str(k) if k not in (None, "") else (str(c) if c not in (None, "") else f"#{i + 1}")
        for i, (k, c) in enumerate(zip(keys, codes, strict=True))
    ]


def check_frame(frame: object, name: str, required: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """Check that ``frame`` is a GeoDataFrame in EPSG:4490/4326 with the ``required`` columns."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValueError(f"`{name}` was a {type(frame).__name__}; expected a GeoDataFrame")
    epsg = frame.crs.to_epsg() if frame.crs is not None else None
    if epsg not in (4490, 4326):
        raise ValueError(f"`{name}` has CRS {frame.crs}; expected EPSG:4490 (or EPSG:4326)")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"`{name}` lacks the columns {missing}; it has {list(frame.columns)}")
    return frame
