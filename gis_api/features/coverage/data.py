"""What the coverage computations read from PostGIS: the area, its grids, cameras, footprints,
key and relocation sites, and (when their tables exist and have rows) roads and incidents.

Rows come back as GeoDataFrames in EPSG:4490; geometries are read as WKB (``ST_AsBinary``).
Cameras and footprints are read in a box around the area widened by the largest camera range,
because a camera outside an area can see into it and a building outside can hide part of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from boundaries.codes import parse_area_code, parse_grid_code, significant_prefix
from boundaries.errors import InvalidCode, NotFound
from gis_api.core.auth import Principal
from gis_api.features.ogc.collections import COLLECTIONS
from gis_api.schema.models import SRID, AdminArea, Building, Camera, Grid, KeySite, RelocationSite

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Area:
    """The area a report is about: a grid, or a village, town or county."""

    code: str
    name: str
    level: str  # "grid", "village", "town", "county"
    kind: str | None
    geom: shapely.Geometry  # EPSG:4490
    grid_prefix: str  # the grids of the area are those whose code starts with this

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (no geometry)."""
        return {"code": self.code, "name": self.name, "level": self.level, "kind": self.kind}


def resolve_area(session: Session, code: str, principal: Principal) -> Area:
    """The grid (15 digits) or administrative area (12 digits) ``code``, if the caller sees it.

    Raises:
        InvalidCode: ``code`` is neither a grid code nor an area code.
        PermissionDenied: the area is outside the caller's jurisdiction.
        NotFound: no such current grid or area.

    """
    code = (code or "").strip()
    if len(code) == 15:
        parse_grid_code(code)
    elif len(code) == 12:
        parse_area_code(code)
    else:
        raise InvalidCode(
            f'area was "{code}" but is expected to be a 12-digit area code (county, town, '
            "village) or a 15-digit grid code"
        )
    principal.check_area(code)
    if len(code) == 15:
        row = session.execute(
            select(Grid.code, Grid.name, Grid.kind, func.ST_AsBinary(Grid.geom).label("wkb")).where(
                Grid.code == code, Grid.valid_to.is_(None)
            )
        ).first()
        if row is None:
            raise NotFound(f"no current grid {code}")
        return Area(code, row.name, "grid", row.kind, _geom(row.wkb), code)
    area = session.execute(
        select(
            AdminArea.code,
            AdminArea.name,
            AdminArea.level,
            AdminArea.kind,
            func.ST_AsBinary(AdminArea.geom).label("wkb"),
        ).where(AdminArea.code == code)
    ).first()
    if area is None:
        raise NotFound(f"no administrative area {code}")
    return Area(code, area.name, area.level, area.kind, _geom(area.wkb), significant_prefix(code))


def _geom(wkb: Any) -> shapely.Geometry:
    return shapely.from_wkb(bytes(wkb))


def _rows(session: Session, statement: Any) -> list[Any]:
    """Rows of a Core statement (no ORM row processing: counties have many rows)."""
    return list(session.connection().execute(statement).all())


def _frame(rows: list[Any], columns: list[str]) -> gpd.GeoDataFrame:
    """Rows of (*columns, wkb) as a GeoDataFrame; object columns keep None as None (pandas 3
    would infer strings and turn None into NaN).
    """
    values = list(zip(*rows, strict=True)) if rows else [()] * (len(columns) + 1)
    data = {c: pd.Series(list(values[i]), dtype=object) for i, c in enumerate(columns)}
    geoms = shapely.from_wkb([bytes(w) for w in values[-1]]) if rows else []
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=SRID)


def envelope(bounds: tuple[float, float, float, float], margin_m: float) -> tuple[float, ...]:
    """Lon/lat bounds widened by ``margin_m`` metres (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    lat = max(abs(miny), abs(maxy))
    dy = margin_m / METRES_PER_DEGREE
    dx = margin_m / (METRES_PER_DEGREE * max(math.cos(math.radians(min(lat, 89.0))), 0.01))
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


def _box(bounds: tuple[float, float, float, float], margin_m: float) -> ColumnElement[Any]:
    return func.ST_MakeEnvelope(*envelope(bounds, margin_m), SRID)


def current_grids(session: Session, area: Area) -> gpd.GeoDataFrame:
    """Current grids of the area: code, name, kind, village_code, leader_name, households."""
    columns = ["code", "name", "kind", "village_code", "leader_name", "households"]
    rows = _rows(
        session,
        select(*[getattr(Grid, c) for c in columns], func.ST_AsBinary(Grid.geom).label("wkb"))
        .where(Grid.valid_to.is_(None), Grid.code.startswith(area.grid_prefix))
        .order_by(Grid.code),
    )
    return _frame(rows, columns)


def grids_near(session: Session, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Current grids whose box meets ``bounds`` (code, name, village_code)."""
    columns = ["code", "name", "village_code"]
    rows = _rows(
        session,
        select(*[getattr(Grid, c) for c in columns], func.ST_AsBinary(Grid.geom).label("wkb"))
        .where(Grid.valid_to.is_(None), Grid.geom.op("&&")(_box(bounds, 0.0)))
        .order_by(Grid.code),
    )
    return _frame(rows, columns)


def max_camera_range(session: Session) -> float:
    """The largest camera range stored (0 without cameras)."""
    return float(session.scalar(select(func.max(Camera.range_m))) or 0.0)


CAMERA_COLUMNS = ["id", "name", "category", "heading", "fov", "range_m", "status", "area_code"]


def cameras_near(session: Session, area: Area, margin_m: float) -> gpd.GeoDataFrame:
    """Cameras in the area's box widened by ``margin_m``."""
    rows = _rows(
        session,
        select(
            *[getattr(Camera, c) for c in CAMERA_COLUMNS],
            func.ST_AsBinary(Camera.geom).label("wkb"),
        )
        .where(Camera.geom.op("&&")(_box(area.geom.bounds, margin_m)))
        .order_by(Camera.id),
    )
    return _frame(rows, CAMERA_COLUMNS)


def footprints_near(session: Session, area: Area, margin_m: float) -> gpd.GeoSeries:
    """Building footprints (polygons only; point buildings hide nothing) near the area."""
    wkb = session.scalars(
        select(func.ST_AsBinary(Building.geom)).where(
            Building.geom.op("&&")(_box(area.geom.bounds, margin_m)),
            func.GeometryType(Building.geom).in_(("POLYGON", "MULTIPOLYGON")),
        )
    ).all()
    return gpd.GeoSeries(shapely.from_wkb([bytes(w) for w in wkb]) if wkb else [], crs=SRID)


def key_sites_near(session: Session, area: Area) -> gpd.GeoDataFrame:
    """Key sites in the area's box: code, kind, name, area_code."""
    columns = ["code", "kind", "name", "area_code"]
    rows = _rows(
        session,
        select(*[getattr(KeySite, c) for c in columns], func.ST_AsBinary(KeySite.geom).label("wkb"))
        .where(KeySite.geom.op("&&")(_box(area.geom.bounds, 0.0)))
        .order_by(KeySite.code),
    )
    return _frame(rows, columns)


RELOCATION_COLUMNS = list(COLLECTIONS["relocation-sites"].properties)


def relocation_sites_near(session: Session, area: Area) -> gpd.GeoDataFrame:
    """Relocation sites in the area's box."""
    rows = _rows(
        session,
        select(
            *[getattr(RelocationSite, c) for c in RELOCATION_COLUMNS],
            func.ST_AsBinary(RelocationSite.geom).label("wkb"),
        )
        .where(RelocationSite.geom.op("&&")(_box(area.geom.bounds, 0.0)))
        .order_by(RelocationSite.code),
    )
    return _frame(rows, RELOCATION_COLUMNS)


def villages_near(
    session: Session, bounds: tuple[float, float, float, float], margin_m: float
) -> gpd.GeoDataFrame:
    """Village-level areas (村 and 社区) in a widened box: code, name, kind, parent_code."""
    columns = ["code", "name", "kind", "parent_code"]
    rows = _rows(
        session,
        select(
            *[getattr(AdminArea, c) for c in columns], func.ST_AsBinary(AdminArea.geom).label("wkb")
        )
        .where(AdminArea.level == "village", AdminArea.geom.op("&&")(_box(bounds, margin_m)))
        .order_by(AdminArea.code),
    )
    return _frame(rows, columns)


def areas_by_code(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Name, level and kind of the given area codes."""
    if not codes:
        return {}
    rows = _rows(
        session,
        select(AdminArea.code, AdminArea.name, AdminArea.level, AdminArea.kind).where(
            AdminArea.code.in_(codes)
        ),
    )
    return {r.code: {"name": r.name, "level": r.level, "kind": r.kind} for r in rows}


def buildings_without_grid(
    session: Session, area: Area, grids: gpd.GeoDataFrame, *, limit: int
) -> tuple[int, list[str]]:
    """Buildings in the area that meet none of the current grids near it (``grids`` must hold
    every current grid whose box meets the area's): how many, and the first codes.
    """
    x0, y0, x1, y1 = envelope(area.geom.bounds, 0.0)
    # every building of a county: the driver's plain tuples, not ORM rows
    rows = (
        session.connection()
        .exec_driver_sql(
            "SELECT code, ST_AsBinary(geom) FROM buildings "
            "WHERE geom && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4490) ORDER BY code",
            {"x0": x0, "y0": y0, "x1": x1, "y1": y1},
        )
        .all()
    )
    if not rows:
        return 0, []
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    shapely.prepare(area.geom)
    in_area = shapely.intersects(area.geom, geoms)
    grid_geoms = np.asarray(grids.geometry.array, dtype=object)
    hit = np.zeros(len(rows), dtype=bool)
    if len(grid_geoms):
        hit[shapely.STRtree(grid_geoms).query(geoms, predicate="intersects")[0]] = True
    codes = [rows[int(i)][0] for i in np.flatnonzero(in_area & ~hit)]
    return len(codes), codes[:limit]


def table_state(session: Session, table: str) -> str:
    """``"absent"`` (no such table), ``"empty"`` or ``"loaded"``."""
    exists = session.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"public.{table}"})
    if not exists:
        return "absent"
    # table names come from our own constants, never from a request
    rows = session.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {table})"))  # noqa: S608
    return "loaded" if rows else "empty"


def road_network(session: Session) -> str | None:
    """The network whose edges count as roads: driving if loaded, else walking, else None."""
    if table_state(session, "road_edges") != "loaded":
        return None
    for network in ("driving", "walking"):
        found = session.scalar(
            text("SELECT EXISTS (SELECT 1 FROM road_edges WHERE network = :n)"), {"n": network}
        )
        if found:
            return network
    return None


def roads_near(
    session: Session, bounds: tuple[float, float, float, float], margin_m: float, network: str
) -> gpd.GeoDataFrame:
    """Road edges of ``network`` in a widened box: id, source, target, length_m."""
    x0, y0, x1, y1 = envelope(bounds, margin_m)
    rows = session.execute(
        text(
            "SELECT id, source, target, length_m, ST_AsBinary(geom) AS wkb FROM road_edges "
            "WHERE network = :n AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4490) "
            "ORDER BY id"
        ),
        {"n": network, "x0": x0, "y0": y0, "x1": x1, "y1": y1},
    ).all()
    rows = list(rows)
    return _frame(rows, ["id", "source", "target", "length_m"])


def incidents_in(session: Session, area: Area, since: datetime) -> gpd.GeoDataFrame:
    """Incidents reported since ``since`` inside the area's box (id, category, reported_at)."""
    if table_state(session, "incidents") != "loaded":
        return _frame([], ["id", "category", "reported_at"])
    minx, miny, maxx, maxy = envelope(area.geom.bounds, 0.0)
    rows = session.execute(
        text(
            "SELECT id, category, reported_at, ST_AsBinary(geom) AS wkb FROM incidents "
            "WHERE reported_at >= :since AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4490) "
            "ORDER BY id"
        ),
        {"since": since, "x0": minx, "y0": miny, "x1": maxx, "y1": maxy},
    ).all()
    rows = list(rows)
    return _frame(rows, ["id", "category", "reported_at"])
