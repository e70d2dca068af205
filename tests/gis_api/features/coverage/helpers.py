"""Rows for coverage tests, and an independent metric frame (pyproj, EPSG:4544 for 104°E).

Geometries are made in metres around a lon/lat origin and stored in EPSG:4490, so the tests
know the answers in metres. The expected figures are computed here with pyproj and shapely
(tests/boundaries/shadows.py for occlusion), never with the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_api.core.db import ewkb
from gis_api.schema.models import Building, Camera
from tests.boundaries.shadows import visible

EPSG = 4544  # CGCS2000 3-degree Gauss–Krüger, central meridian 105°E
TO_M = pyproj.Transformer.from_crs(4490, EPSG, always_xy=True)
TO_LL = pyproj.Transformer.from_crs(EPSG, 4490, always_xy=True)
ARC_DEFICIT = 1 - 180 * math.sin(2 * math.pi / 180) / (2 * math.pi)  # 2° arcs vs true circles


def metric(geom: BaseGeometry, *, densify_deg: float = 1e-5) -> BaseGeometry:
    """Project a lon/lat geometry (densified finely) to EPSG:4544."""
    dense = shapely.segmentize(geom, densify_deg)
    return shapely.transform(dense, lambda xy: np.column_stack(TO_M.transform(xy[:, 0], xy[:, 1])))


def lonlat(geom: BaseGeometry) -> BaseGeometry:
    """Project a metric geometry (EPSG:4544) back to lon/lat."""
    return shapely.transform(geom, lambda xy: np.column_stack(TO_LL.transform(xy[:, 0], xy[:, 1])))


def offset(lon: float, lat: float, dx: float, dy: float) -> tuple[float, float]:
    """The lon/lat ``dx`` metres east and ``dy`` north of (lon, lat) in the metric frame."""
    x, y = TO_M.transform(lon, lat)
    out = TO_LL.transform(x + dx, y + dy)
    return float(out[0]), float(out[1])


def add_camera(
    session: Session,
    seq: int,
    lon: float,
    lat: float,
    *,
    heading: float | None,
    fov: float,
    range_m: float,
    status: str = "online",
    category: int = 1,
) -> str:
    camera_id = f"510116000013{category}0{seq:06d}"
    session.add(
        Camera(
            id=camera_id,
            name=f"测试摄像头{seq}",
            category=category,
            heading=heading,
            fov=fov,
            range_m=range_m,
            status=status,
            geom=ewkb(Point(lon, lat)),
        )
    )
    session.flush()
    return camera_id


def add_building(
    session: Session, code: str, footprint: BaseGeometry, village_code: str | None = None
) -> None:
    session.add(Building(code=code, village_code=village_code, households=10, geom=ewkb(footprint)))
    session.flush()


def expected_view(
    lon: float,
    lat: float,
    heading: float | None,
    fov: float,
    range_m: float,
    footprints_ll: list[BaseGeometry],
) -> BaseGeometry:
    """What the camera sees, in EPSG:4544, by the shadow method. ``heading`` is from true
    north: the direction of the meridian in the frame is measured here by projecting a point
    a little north of the camera."""
    x, y = TO_M.transform(lon, lat)
    xn, yn = TO_M.transform(lon, lat + 1e-4)
    north = math.degrees(math.atan2(xn - x, yn - y))
    fps = [metric(f) for f in footprints_ll]
    return visible(x, y, (heading or 0.0) + north, fov, range_m, fps, quad_segs=256)


def add_road(
    session: Session, points_ll: list[tuple[float, float]], network: str = "driving"
) -> None:
    """A road as one edge per consecutive pair of points (vertices shared by position)."""
    ids = []
    for lon, lat in points_ll:
        found = session.execute(
            text(
                "SELECT id FROM road_vertices WHERE network = :n AND "
                "ST_Equals(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4490))"
            ),
            {"n": network, "x": lon, "y": lat},
        ).scalar()
        if found is None:
            found = session.execute(
                text(
                    "INSERT INTO road_vertices (network, component, geom) "
                    "VALUES (:n, 0, ST_SetSRID(ST_MakePoint(:x, :y), 4490)) RETURNING id"
                ),
                {"n": network, "x": lon, "y": lat},
            ).scalar()
        ids.append(found)
    for (a, b), (sa, sb) in zip(zip(points_ll, points_ll[1:]), zip(ids, ids[1:])):
        line = shapely.LineString([a, b])
        length = metric(line).length
        session.execute(
            text(
                "INSERT INTO road_edges (network, source, target, length_m, cost_s, reverse_cost_s, "
                "oneway, speed_kmh, component, geom) VALUES (:n, :s, :t, :l, :c, :c, false, 30, 0, "
                "ST_GeomFromEWKB(decode(:g, 'hex')))"
            ),
            {"n": network, "s": sa, "t": sb, "l": length, "c": length / 8.3, "g": ewkb(line)},
        )
    session.flush()


def add_incident(session: Session, lon: float, lat: float, category: str = "治安") -> None:
    session.execute(
        text(
            "INSERT INTO incidents (category, severity, level, description, source, geom, due_at) "
            "VALUES (:c, 'general', 'grid', '测试', 'public', ST_SetSRID(ST_MakePoint(:x, :y), 4490), "
            "clock_timestamp() + interval '1 day')"
        ),
        {"c": category, "x": lon, "y": lat},
    )


def as_multi(geom: BaseGeometry) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
