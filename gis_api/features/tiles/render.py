"""Render one vector tile: straight from PostGIS, or shifted to GCJ-02 for such base maps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from boundaries import coords
from boundaries.errors import InvalidInput
from gis_api.features.tiles.layers import TileLayerSpec, encode_sql, rows_sql, tile_sql

MAX_ZOOM = 22
GCJ_MARGIN_DEG = 0.02
"""GCJ-02 moves points by at most about 700 m in China: features this far (≈2 km) outside a
tile's box are read too, so that none shifted into the tile is missed."""


def check_tile(z: int, x: int, y: int) -> None:
    """``InvalidInput`` for a zoom out of 0..22 or a column/row outside the zoom's range."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"zoom {z} is out of range 0..{MAX_ZOOM}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist: x and y must be in 0..{n - 1}")


def tile_lonlat_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The (west, south, east, north) of a Web Mercator tile, in degrees."""
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def render_tile(
    session: Session,
    spec: TileLayerSpec,
    *,
    z: int,
    x: int,
    y: int,
    prefix: str,
    personal: bool,
    crs: str = "wgs84",
) -> bytes:
    """One tile of ``spec`` with the features whose area code starts with ``prefix``.

    With ``crs="gcj02"`` every vertex is shifted to GCJ-02 (``boundaries.coords``) before the
    tile is encoded, so the layer lines up with a GCJ-02 base map.
    """
    check_tile(z, x, y)
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if crs == "wgs84":
        # margin: the tile's buffer (64 of 4096) so features just outside still draw their edge
        params = {"z": z, "x": x, "y": y, "margin": 64 / 4096, "prefix": like}
        data = session.execute(text(tile_sql(spec, personal=personal)), params).scalar()
        return bytes(data or b"")
    if crs != "gcj02":
        raise InvalidInput(f"crs was {crs!r} but is expected to be wgs84 or gcj02")
    west, south, east, north = tile_lonlat_bounds(z, x, y)
    pad = (east - west) * 64 / 4096 + GCJ_MARGIN_DEG
    rows = session.execute(
        text(rows_sql(spec, personal=personal)),
        {
            "minx": west - pad,
            "miny": south - pad,
            "maxx": east + pad,
            "maxy": north + pad,
            "prefix": like,
            "z": z,
        },
    ).all()
    if not rows:
        return b""
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows])
    shifted = shapely.transform(geoms, _to_gcj02)
    records: list[dict[str, Any]] = []
    for row, wkb in zip(rows, shapely.to_wkb(shifted, hex=True), strict=True):
        record = dict(row._mapping)
        record["wkb"] = wkb
        records.append(record)
    data = session.execute(
        text(encode_sql(spec, personal=personal)),
        {"rows": orjson.dumps(records).decode(), "z": z, "x": x, "y": y},
    ).scalar()
    return bytes(data or b"")


def _to_gcj02(xy: np.ndarray) -> np.ndarray:
    lon, lat = coords.from_wgs84(xy[:, 0], xy[:, 1], "gcj02")
    return np.column_stack([lon, lat])
