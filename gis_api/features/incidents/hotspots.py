"""Incident hot spots: quartic kernel density in metres over a time window, as GeoJSON cells."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries import projection
from boundaries.errors import InvalidInput
from boundaries.hotspots import kernel_density
from gis_api.core.auth import Principal
from gis_api.features.incidents.queries import IncidentFilter, filtered
from gis_api.schema.geojson import feature, feature_collection, geometry_json
from gis_api.schema.layers import INCIDENTS
from gis_api.schema.models import Incident

MAX_FEATURES = 5_000


def hotspots(
    session: Session,
    *,
    principal: Principal,
    flt: IncidentFilter,
    bandwidth_m: float,
    cell_m: float,
    threshold: float,
) -> dict[str, Any]:
    """Kernel density (quartic, ``bandwidth_m`` radius) of the incidents the filter selects.

    The points are projected to their CGCS2000 Gauss–Krüger zone, densities computed on cells
    of ``cell_m`` metres, and the cells whose density is at least ``threshold`` × the highest
    returned as polygons in EPSG:4490 with ``density`` (incidents per km²) and ``peak`` (a
    local maximum: a hot spot proper, ranked by ``rank``).
    """
    if not 10 <= bandwidth_m <= 20_000:
        raise InvalidInput(f"bandwidth_m was {bandwidth_m} but is expected in 10..20000 metres")
    if not 5 <= cell_m <= bandwidth_m:
        raise InvalidInput(f"cell_m was {cell_m} but is expected in 5..bandwidth_m metres")
    if not 0 < threshold <= 1:
        raise InvalidInput(f"threshold was {threshold} but is expected in (0, 1]")
    rows = session.execute(
        filtered(
            select(func.ST_X(Incident.geom), func.ST_Y(Incident.geom)).select_from(Incident),
            flt,
            principal,
        )
    ).all()
    meta: dict[str, Any] = {
        "kernel": "quartic",
        "bandwidth_m": bandwidth_m,
        "cell_m": cell_m,
        "incidents": len(rows),
        "unit": "incidents per km²",
    }
    if not rows:
        return feature_collection([], members={"properties": meta})
    lonlat = np.array(rows, dtype=np.float64)
    points = gpd.GeoSeries(shapely.points(lonlat), crs=4490)
    metric, epsg = projection.to_metric(points)
    xy = shapely.get_coordinates(np.asarray(metric.array, dtype=object))
    try:
        grid = kernel_density(xy, bandwidth=bandwidth_m, cell=cell_m)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    top = float(grid.density.max())
    r, c = np.nonzero(grid.density >= threshold * top)
    order = np.argsort(-grid.density[r, c], kind="stable")[:MAX_FEATURES]
    r, c = r[order], c[order]
    peak_r, peak_c = grid.peaks(minimum=threshold * top)
    rank = {(int(a), int(b)): i + 1 for i, (a, b) in enumerate(zip(peak_r, peak_c, strict=True))}
    cells = projection.from_metric(gpd.GeoSeries(grid.cells(r, c), crs=epsg), epsg)
    features = []
    for geom, row, col in zip(np.asarray(cells.array, dtype=object), r, c, strict=True):
        key = (int(row), int(col))
        features.append(
            feature(
                geometry_json(geom, INCIDENTS.precision),
                {
                    "density": round(float(grid.density[row, col]), 3),
                    "peak": key in rank,
                    "rank": rank.get(key),
                },
            )
        )
    meta.update(epsg=epsg, max_density=round(top, 3), peaks=len(rank))
    return feature_collection(features, members={"properties": meta})
