"""Validation of grids as the service runs it: a FeatureCollection, a draft, or the published
grids of an area, against the villages and buildings in PostGIS and the county's rules; and
the shapes of a grid import against the published grids it does not replace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy.orm import Session

from boundaries.codes import significant_prefix
from boundaries.errors import InvalidInput, Problem
from boundaries.report import Issue, ValidationReport
from boundaries.topology import geometry_issues, outside_issues, overlap_issues
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


def imported_grid_problems(
    session: Session,
    *,
    codes: Sequence[str],
    rows: Sequence[int],
    file: str,
    row_word: str = "feature",
    jurisdiction: str = "",
) -> list[Problem]:
    """What is wrong with the shapes of imported grids among their villages' published ones.

    Called after the import has written the grids (``codes``, from ``rows`` of ``file``) in
    the caller's transaction, with the villages locked: the villages' published grids are then
    exactly what the import leaves, the grids the file does not replace beside the file's own.
    The rules are publishing's (the county's ``overlap_min_m2`` and ``outside_min_m2``): no
    file grid may overlap another grid, nor lie outside its village. Each problem names the
    file's row; another grid is named by its code only when it is in ``jurisdiction`` (an
    area-code prefix; "" is everything), else as "an existing grid".
    """
    row_of = dict(zip(codes, rows, strict=True))
    villages = store.villages_by_code(session, sorted({c[:12] for c in codes}))
    grids = store.grids_frame(session, village_codes=[str(c) for c in villages["code"]])
    keys = [str(c) for c in grids["code"]]
    geoms, _ = geometry_issues(keys, np.asarray(grids.geometry.array, dtype=object))
    village_geom = dict(zip(villages["code"], villages.geometry, strict=True))
    village_of = [str(v) for v in grids["village_code"]]
    problems: list[Problem] = []
    for county in sorted({k[:6] for k in keys}):
        mine = [i for i, k in enumerate(keys) if k[:6] == county]
        rules = store.rules_for(session, None, county + "000000")
        part = ([keys[i] for i in mine], [geoms[i] for i in mine])
        issues = overlap_issues(*part, rules)
        issues += outside_issues(*part, [village_of[i] for i in mine], village_geom, rules)
        for issue in issues:
            problems += _import_problems(issue, row_of, file, row_word, jurisdiction)
    problems.sort(key=lambda p: (p.row or 0, p.reason))
    return problems


def _import_problems(
    issue: Issue, row_of: dict[str, int], file: str, row_word: str, jurisdiction: str
) -> list[Problem]:
    """The issue as a problem of each file row it concerns (none when no file grid is in it)."""
    area = f"{issue.area_m2 or 0.0:,.1f} m²"
    where = None
    if issue.geometry is not None and not issue.geometry.is_empty:
        point = shapely.point_on_surface(issue.geometry)
        where = f"lon {point.x:.6f}, lat {point.y:.6f}"
    found = []
    for code in issue.grids:
        if code not in row_of:
            continue
        if issue.kind == "outside_village":
            reason = f"the grid extends {area} outside its village {issue.village_code}"
        else:
            other = next(g for g in issue.grids if g != code)
            if other in row_of:
                if row_of[other] > row_of[code]:
                    continue  # named once, on the later of the two rows
                reason = f"overlaps grid {other} ({row_word} {row_of[other]}) by {area}"
            elif other.startswith(jurisdiction):
                reason = f"overlaps grid {other} by {area}, a published grid this file keeps"
            else:
                reason = f"overlaps an existing grid by {area}"
        found.append(
            Problem(
                reason=reason,
                file=file,
                row=row_of[code],
                field="geometry",
                code=code,
                where=where,
                row_word=row_word,
            )
        )
    return found
