"""Incident hotspots: the N densest places, for patrols to visit.

The clustering is greedy and explainable: the incident with the most incidents within
``radius_m`` of it (itself included) seeds the densest hotspot; those incidents are taken out
and the next densest is found among the rest, until N hotspots are found or too few incidents
are left. A hotspot's place is the mean of its incidents. The query that feeds it reads the
``incidents`` table (recent ones, within the caller's jurisdiction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from boundaries.codes import significant_prefix
from boundaries.errors import Conflict, InvalidInput
from boundaries.projection import from_metric, gk_epsg_for_bounds, to_metric


@dataclass(frozen=True)
class Hotspot:
    """One hotspot: member positions (into the input), their count, and the centre."""

    members: NDArray[np.int64]
    count: int
    centre: NDArray[np.float64]
    """Mean x, y of the members, in the input's coordinates."""


def densest_hotspots(
    xy: NDArray[np.float64], *, n: int, radius_m: float, min_incidents: int = 2
) -> list[Hotspot]:
    """Find up to ``n`` hotspots among points ``xy`` given in metres (a projected CRS).

    Args:
        xy: (k, 2) coordinates in metres.
        n: How many hotspots at most.
        radius_m: The neighbourhood radius that defines density.
        min_incidents: A hotspot needs at least this many incidents; fewer hotspots are
            returned when the rest are sparser.

    Returns:
        Hotspots, densest first (ties: the seed that comes first in ``xy``).

    Raises:
        ValueError: Malformed ``xy``, ``n`` < 1, ``radius_m`` <= 0 or ``min_incidents`` < 1.

    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or (len(xy) and xy.shape[1] != 2) or not np.isfinite(xy).all():
        raise ValueError(f"`xy` has shape {xy.shape}; expected finite (k, 2) coordinates")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` was {n!r} but is expected to be an integer >= 1")
    if not radius_m > 0:
        raise ValueError(f"`radius_m` was {radius_m!r} but is expected to be > 0")
    if isinstance(min_incidents, bool) or not isinstance(min_incidents, int) or min_incidents < 1:
        raise ValueError(f"`min_incidents` was {min_incidents!r}; expected an integer >= 1")
    if not len(xy):
        return []
    tree = cKDTree(xy)
    pairs = tree.query_pairs(radius_m, output_type="ndarray")
    k = len(xy)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(k)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(k)])
    near = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(k, k))
    alive = np.ones(k, dtype=np.float64)
    out: list[Hotspot] = []
    while len(out) < n:
        density = near @ alive
        density[alive == 0] = -1
        seed = int(np.argmax(density))  # first of the maxima
        if density[seed] < min_incidents:
            break
        members = near.indices[near.indptr[seed] : near.indptr[seed + 1]]
        members = np.sort(members[alive[members] > 0])
        alive[members] = 0
        out.append(Hotspot(members=members, count=len(members), centre=xy[members].mean(axis=0)))
    return out


@dataclass(frozen=True)
class IncidentHotspot:
    """A hotspot found in the incidents table (EPSG:4490)."""

    rank: int
    count: int
    point: shapely.Point
    incident_ids: list[int]
    categories: dict[str, int]
    last_reported: datetime | None


def incident_hotspots(
    session: Session,
    *,
    n: int,
    days: int,
    radius_m: float = 150.0,
    min_incidents: int = 2,
    area_code: str | None = None,
    category: str | None = None,
    jurisdiction: str = "",
) -> tuple[list[IncidentHotspot], list[dict[str, object]]]:
    """The ``n`` densest hotspots of incidents reported in the last ``days`` days.

    Only incidents inside ``jurisdiction`` (and ``area_code`` when given) count, placed by their
    most precise code (grid, village, town, county). Returns the hotspots and the incidents
    used (id, category, severity, reported_at, geometry), for the map.

    Raises:
        Conflict: There is no incidents table in this installation.
        InvalidInput: No incident matches.

    """
    if session.scalar(text("SELECT to_regclass('incidents') IS NOT NULL")) is not True:
        raise Conflict("no incidents table: incident hotspots need the incidents feature loaded")
    if not 1 <= days <= 3660:
        raise InvalidInput(f"days was {days} but is expected to be between 1 and 3660")
    prefixes = [jurisdiction]
    if area_code:
        prefixes.append(significant_prefix(area_code))
    where = ["reported_at >= clock_timestamp() - make_interval(days => :days)"]
    params: dict[str, object] = {"days": int(days)}
    for i, prefix in enumerate(p for p in prefixes if p):
        where.append(f"coalesce(grid_code, village_code, town_code, county_code) LIKE :p{i} || '%'")
        params[f"p{i}"] = prefix
    if category:
        where.append("category = :category")
        params["category"] = category
    rows = session.execute(
        text(
            "SELECT id, category, severity, reported_at, ST_X(geom) AS x, ST_Y(geom) AS y "
            "FROM incidents WHERE geom IS NOT NULL AND " + " AND ".join(where) + " ORDER BY id"
        ),
        params,
    ).all()
    if not rows:
        scope = f" in {area_code}" if area_code else ""
        kind = f" of category {category}" if category else ""
        raise InvalidInput(f"no incidents{kind}{scope} were reported in the last {days} days")
    lonlat = shapely.points([(r.x, r.y) for r in rows])
    epsg = gk_epsg_for_bounds(*shapely.total_bounds(lonlat))
    projected, _ = to_metric(gpd.GeoSeries(lonlat, crs=4490), epsg=epsg)
    metric = shapely.get_coordinates(np.asarray(projected.array, dtype=object))
    found = densest_hotspots(metric, n=n, radius_m=radius_m, min_incidents=min_incidents)
    hotspots = []
    for rank, spot in enumerate(found, start=1):
        members = [rows[i] for i in spot.members]
        categories: dict[str, int] = {}
        for r in members:
            categories[r.category] = categories.get(r.category, 0) + 1
        hotspots.append(
            IncidentHotspot(
                rank=rank,
                count=spot.count,
                point=from_metric(shapely.Point(spot.centre), epsg),
                incident_ids=[int(r.id) for r in members],
                categories=categories,
                last_reported=max(r.reported_at for r in members),
            )
        )
    used = [
        {
            "id": int(r.id),
            "category": r.category,
            "severity": r.severity,
            "reported_at": r.reported_at.isoformat() if r.reported_at else None,
            "geometry": point,
        }
        for r, point in zip(rows, lonlat, strict=True)
    ]
    return hotspots, used
