"""Reading what planning works on: areas, villages, buildings, grids (now or at an instant),
road lines, and the validation rules of a county.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import ColumnElement, Integer, cast, func, select, text
from sqlalchemy.orm import Session

from boundaries.codes import parse_area_code, significant_prefix
from boundaries.errors import InvalidInput, NotFound
from boundaries.report import ValidationRules
from gis_api.core.auth import Principal
from gis_api.core.settings import Settings
from gis_api.schema.layers import GRIDS
from gis_api.schema.models import AdminArea, Building, Grid, PlanningRules

GRID_FIELDS = GRIDS.names(stored=True)
"""Every stored field of a grid version (personal ones too: callers drop what they may not show)."""
RULE_FIELDS = (
    "community_households",
    "village_households",
    "gap_min_m2",
    "overlap_min_m2",
    "outside_min_m2",
    "sliver_max_area_m2",
    "sliver_max_width_m",
    "split_share",
)


def get_area(session: Session, code: str) -> AdminArea:
    """The area with this 12-digit code, or ``NotFound``."""
    parse_area_code(code)
    area = session.get(AdminArea, code)
    if area is None:
        raise NotFound(f"no area {code}")
    return area


def get_village(session: Session, code: str, principal: Principal | None = None) -> AdminArea:
    """A village or community (drafts, versions and proposals are kept per village)."""
    area = get_area(session, code)
    if principal is not None:
        principal.check_area(code)
    if area.level != "village":
        raise InvalidInput(
            f"{code} is a {area.level}; grids are drafted, versioned and proposed per village "
            "or community (a 12-digit code not ending in 000)"
        )
    return area


def frame_of(rows: Sequence[Any], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Rows with a ``wkb`` column to a GeoDataFrame (EPSG:4490) of ``columns``."""
    # object columns: None stays None and integers stay integers (no NaN floats)
    data = {c: pd.Series([getattr(r, c) for r in rows], dtype=object) for c in columns}
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=4490)


def villages_frame(session: Session, area_code: str) -> gpd.GeoDataFrame:
    """The villages and communities of an area (the area itself for a village)."""
    area = get_area(session, area_code)
    condition = (
        AdminArea.code == area_code
        if area.level == "village"
        else AdminArea.code.startswith(significant_prefix(area_code))
    )
    return _villages(session, condition)


def villages_by_code(session: Session, codes: list[str]) -> gpd.GeoDataFrame:
    """The villages and communities with these codes (unknown codes are left out)."""
    return _villages(session, AdminArea.code.in_(codes))


def _villages(session: Session, condition: ColumnElement[bool]) -> gpd.GeoDataFrame:
    rows = session.execute(
        select(
            AdminArea.code,
            AdminArea.name,
            AdminArea.kind,
            func.ST_AsBinary(AdminArea.geom).label("wkb"),
        )
        .where(condition, AdminArea.level == "village")
        .order_by(AdminArea.code)
    ).all()
    return frame_of(rows, ("code", "name", "kind"))


def buildings_frame(session: Session, village_codes: list[str]) -> gpd.GeoDataFrame:
    """Buildings that intersect these villages (by place, not by their stored village code)."""
    if not village_codes:
        return frame_of([], ("code", "households", "village_code"))
    rows = session.execute(
        select(
            Building.code,
            Building.households,
            Building.village_code,
            func.ST_AsBinary(Building.geom).label("wkb"),
        )
        .join(AdminArea, func.ST_Intersects(Building.geom, AdminArea.geom))
        .where(AdminArea.code.in_(village_codes))
        .distinct()
        .order_by(Building.code)
    ).all()
    return frame_of(rows, ("code", "households", "village_code"))


def grids_frame(
    session: Session,
    *,
    village_codes: list[str] | None = None,
    prefix: str | None = None,
    at: datetime | None = None,
) -> gpd.GeoDataFrame:
    """Published grids valid now (or at ``at``), of these villages or under a code prefix."""
    conditions: list[ColumnElement[bool]] = []
    if village_codes is not None:
        conditions.append(Grid.village_code.in_(village_codes))
    if prefix is not None:
        conditions.append(Grid.code.startswith(prefix))
    if at is None:
        conditions.append(Grid.valid_to.is_(None))
    else:
        conditions += [Grid.valid_from <= at, (Grid.valid_to.is_(None)) | (Grid.valid_to > at)]
    rows = session.execute(
        select(*[getattr(Grid, f) for f in GRID_FIELDS], func.ST_AsBinary(Grid.geom).label("wkb"))
        .where(*conditions)
        .order_by(Grid.code)
    ).all()
    return frame_of(rows, GRID_FIELDS)


def highest_sequence(session: Session, village_code: str) -> int:
    """The highest grid sequence the village ever used (0 if none): codes are never reused."""
    value = session.scalar(
        select(func.max(cast(func.right(Grid.code, 3), Integer))).where(
            Grid.village_code == village_code
        )
    )
    return int(value or 0)


def road_lines(session: Session, area_code: str) -> list[shapely.Geometry]:
    """Road centre lines crossing an area (issue 5's ``road_edges``); [] when none are loaded."""
    if session.scalar(text("SELECT to_regclass('public.road_edges')")) is None:
        return []
    rows = session.execute(
        text(
            "SELECT DISTINCT ST_AsBinary(e.geom) AS wkb FROM road_edges e, admin_areas a "
            "WHERE a.code = :code AND ST_Intersects(e.geom, a.geom)"
        ),
        {"code": area_code},
    ).all()
    return list(shapely.from_wkb([bytes(r.wkb) for r in rows])) if rows else []


def rules_for(session: Session, settings: Settings | None, area_code: str) -> ValidationRules:
    """The rules of the area's county: the settings' standards, overridden per county.

    Without ``settings`` (an import checking shapes only), the household standards are
    ``ValidationRules``'s own unless the county overrides them; the thresholds are the same.
    """
    county = area_code[:6] + "000000"
    row = session.get(PlanningRules, county)
    values: dict[str, Any] = {}
    if settings is not None:
        values["community_households"] = tuple(settings.community_households)
        values["village_households"] = tuple(settings.village_households)
    if row is not None:
        for name, value in row.rules.items():
            if name in RULE_FIELDS:
                values[name] = tuple(value) if isinstance(value, list) else value
    return ValidationRules(**values)


def rules_dict(rules: ValidationRules) -> dict[str, Any]:
    """The rules as JSON."""
    return {
        name: list(getattr(rules, name))
        if isinstance(getattr(rules, name), tuple)
        else getattr(rules, name)
        for name in RULE_FIELDS
    }


def set_rules(
    session: Session, settings: Settings, county_code: str, values: dict[str, Any], actor: str
) -> ValidationRules:
    """Store a county's overrides (checked by building the rules first)."""
    area = get_area(session, county_code)
    if area.level != "county":
        raise InvalidInput(f"{county_code} is a {area.level}; rules are set per county")
    unknown = sorted(set(values) - set(RULE_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown rule(s) {unknown}; rules are {list(RULE_FIELDS)}")
    current = rules_dict(rules_for(session, settings, county_code))
    merged = {**current, **values}
    try:
        rules = ValidationRules(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()}  # type: ignore[arg-type]
        )
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"rules not accepted: {exc}") from None
    row = session.get(PlanningRules, county_code)
    if row is None:
        row = PlanningRules(county_code=county_code, rules={}, updated_by=actor)
        session.add(row)
    row.rules = rules_dict(rules)
    row.updated_by = actor
    row.updated_at = func.now()
    session.flush()
    return rules
