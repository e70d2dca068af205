"""A key's jurisdiction as a place: the stored boundary of its area-code prefix.

A scoped key (a county's, a town's) may write only geometry that lies inside that boundary, on
every layer it imports and in every draft it edits or publishes. The boundary is the union of
the highest level of stored area under the prefix (the town itself for a town key); a prefix
with no stored area has an empty boundary, so nothing lies inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries.errors import PermissionDenied
from boundaries.projection import area_m2
from gis_api.core.auth import Principal
from gis_api.schema.models import LEVELS, SRID, AdminArea
from importers.checks import TOLERANCE_M2


def require_inside(
    session: Session, principal: Principal, keys: Sequence[str], geoms: Sequence[Any]
) -> None:
    """A scoped key's grids must lie within its jurisdiction's stored boundary, or nothing is
    written: ``PermissionDenied`` naming the grids (by the caller's own keys).
    """
    if not principal.jurisdiction:
        return
    refused = outside(boundary(session, principal.jurisdiction), geoms)
    if refused:
        shown = ", ".join(repr(keys[i]) for i in refused[:5])
        raise PermissionDenied(
            f"grid(s) {shown} lie outside this key's jurisdiction ({principal.jurisdiction}); "
            "nothing was written"
        )


def boundary(session: Session, jurisdiction: str) -> shapely.Geometry | None:
    """The stored boundary of ``jurisdiction`` (EPSG:4490); ``None`` for an unscoped key."""
    if not jurisdiction:
        return None
    inside = AdminArea.code.startswith(jurisdiction, autoescape=True)
    levels = set(session.scalars(select(AdminArea.level).where(inside).distinct()))
    if not levels:
        return shapely.Polygon()
    top = min(levels, key=LEVELS.index)
    wkb = session.scalar(
        select(func.ST_AsBinary(func.ST_Union(AdminArea.geom))).where(
            inside, AdminArea.level == top
        )
    )
    return shapely.from_wkb(bytes(wkb)) if wkb is not None else shapely.Polygon()


def outside(area: shapely.Geometry | None, geoms: Sequence[shapely.Geometry | None]) -> list[int]:
    """Positions of the geometries that do not lie inside ``area``.

    A point or line must be covered; a polygon may stick out by ``TOLERANCE_M2`` (the tolerance
    of a grid against its village), measured in metres. ``None`` for ``area`` (an unscoped key)
    admits everything; a missing geometry is outside.
    """
    if area is None:
        return []
    values = np.asarray(list(geoms), dtype=object)
    if len(values) == 0:
        return []
    missing = np.array([g is None for g in values], dtype=bool)
    if area.is_empty:
        return list(range(len(values)))
    shapely.prepare(area)
    present = np.flatnonzero(~missing)
    covered = np.zeros(len(values), dtype=bool)
    covered[present] = shapely.covers(area, values[present])
    polygonal = np.array(
        [g is not None and g.geom_type in ("Polygon", "MultiPolygon") for g in values], dtype=bool
    )
    check = np.flatnonzero(~covered & polygonal)
    if len(check):
        rest = shapely.difference(values[check], area)
        sticking = np.asarray(area_m2(gpd.GeoSeries(rest, crs=SRID)), dtype=float)
        covered[check[sticking <= TOLERANCE_M2]] = True
    return [int(i) for i in np.flatnonzero(~covered)]
