"""Validation of grids as the service runs it: a FeatureCollection, a draft, or the published
grids of an area, against the villages and buildings in PostGIS and the county's rules.
"""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
from sqlalchemy.orm import Session

from boundaries.codes import significant_prefix
from boundaries.errors import InvalidInput
from boundaries.report import ValidationReport
from boundaries.validation import validate_grids
from gis_api.core.auth import Principal
from gis_api.core.settings import Settings
from gis_api.features.planning import store
from gis_api.features.planning.drafts import draft_frame
from gis_api.schema.models import Draft


def validate_frame(
    session: Session, settings: Settings, *, area_code: str, grids: gpd.GeoDataFrame
) -> ValidationReport:
    """Validate grids as the grids of an area (a village, or every village of a town/county)."""
    villages = store.villages_frame(session, area_code)
    if villages.empty:
        raise InvalidInput(f"area {area_code} has no villages or communities to validate against")
    buildings = store.buildings_frame(session, [str(c) for c in villages["code"]])
    rules = store.rules_for(session, settings, area_code)
    return validate_grids(grids, villages, buildings, rules=rules)


def validate_draft(session: Session, settings: Settings, draft: Draft) -> ValidationReport:
    """Validate a draft against its village."""
    return validate_frame(
        session, settings, area_code=draft.area_code, grids=draft_frame(session, draft)
    )


def validate_published(
    session: Session,
    settings: Settings,
    *,
    area_code: str,
    principal: Principal,
    at: datetime | None = None,
) -> ValidationReport:
    """Validate the published grids of an area (now, or those valid at ``at``)."""
    store.get_area(session, area_code)
    principal.check_area(area_code)
    grids = store.grids_frame(session, prefix=significant_prefix(area_code), at=at)
    return validate_frame(
        session, settings, area_code=area_code, grids=grids.assign(key=grids["code"])
    )
