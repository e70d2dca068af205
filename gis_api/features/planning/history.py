"""History: a grid's versions, an area's versions, the grids of a version, and diffs."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries.codes import parse_grid_code
from boundaries.errors import InvalidGeometry, NotFound
from boundaries.topology import polygonal
from boundaries.versions import assign_codes, diff_versions, same_shape
from gis_api.core.auth import Principal
from gis_api.features.planning import store
from gis_api.features.planning.drafts import draft_frame
from gis_api.features.planning.versions import current_version, instant_of, list_versions
from gis_api.schema.fields import DETAIL, PARENT
from gis_api.schema.geojson import feature_collection
from gis_api.schema.layers import GRIDS
from gis_api.schema.models import Draft, Grid

GRID_PROPERTIES = list(store.GRID_FIELDS)
COMPARED = GRIDS.names((PARENT, DETAIL), stored=True)
"""The fields whose change makes a new version with the same shape."""


def visible(properties: list[str], principal: Principal) -> list[str]:
    """Drop personal fields for roles that may not see them."""
    allowed = set(GRIDS.names(caller=principal))
    return [p for p in properties if p in allowed]


def grid_history(session: Session, code: str, principal: Principal) -> dict[str, Any]:
    """Every version of one grid, oldest first, as a FeatureCollection with what changed."""
    parse_grid_code(code)
    principal.check_area(code[:12])
    rows = session.execute(
        select(
            *[getattr(Grid, p) for p in GRID_PROPERTIES], func.ST_AsBinary(Grid.geom).label("wkb")
        )
        .where(Grid.code == code)
        .order_by(Grid.version)
    ).all()
    if not rows:
        raise NotFound(f"no grid {code} was ever published")
    frame = store.frame_of(rows, tuple(GRID_PROPERTIES))
    change = []
    for n in range(len(frame)):
        if n == 0:
            change.append("created")
            continue
        before, after = frame.iloc[n - 1], frame.iloc[n]
        if not same_shape(before.geometry, after.geometry):
            change.append("reshaped")
        else:
            fields = [p for p in COMPARED if before[p] != after[p]]
            change.append("changed: " + ", ".join(fields) if fields else "re-published")
    frame["change"] = change
    current = frame["valid_to"].iloc[-1] is None
    return {
        "code": code,
        "current": bool(current),
        "versions": len(frame),
        **feature_collection(
            frame,
            properties=[*visible(GRID_PROPERTIES, principal), "change"],
            id_column="version",
            layer=GRIDS,
        ),
    }


def area_versions(session: Session, code: str, principal: Principal) -> dict[str, Any]:
    """The versions of a village's grids."""
    store.get_village(session, code, principal)
    versions = list_versions(session, code)
    return {"area_code": code, "current_version": len(versions), "versions": versions}


def version_frame(session: Session, code: str, version: int | None) -> gpd.GeoDataFrame:
    """The grids of a version of a village (None: current)."""
    at = None if version is None else instant_of(session, code, version)
    return store.grids_frame(session, village_codes=[code], at=at)


def version_grids(
    session: Session, code: str, version: int, principal: Principal
) -> dict[str, Any]:
    """The grids of one version as a FeatureCollection."""
    store.get_village(session, code, principal)
    frame = version_frame(session, code, version)
    return {
        "area_code": code,
        "version": version,
        **feature_collection(
            frame, properties=visible(GRID_PROPERTIES, principal), id_column="code", layer=GRIDS
        ),
    }


def diff(
    session: Session, code: str, *, before: int, after: int | None, principal: Principal
) -> dict[str, Any]:
    """What changed from version ``before`` to version ``after`` (None: the current one)."""
    store.get_village(session, code, principal)
    current = current_version(session, code)
    target = current if after is None else after
    changes = diff_versions(
        version_frame(session, code, before),
        version_frame(session, code, target),
        store.buildings_frame(session, [code]),
        attributes=GRIDS.names((DETAIL,)),
    )
    return {"area_code": code, "from": before, "to": target, **changes.as_dict()}


def predicted_codes(session: Session, draft: Draft, frame: gpd.GeoDataFrame) -> list[str]:
    """The codes publishing would give the draft's grids now (by the overlap rule); an invalid
    grid (one that crosses itself) has no overlaps to compare: 422 naming it, as validation
    (``/validation``) lists it.
    """
    for key, geom in zip(frame["key"], frame.geometry, strict=True):
        if geom is None or not shapely.is_valid(geom):
            why = "no geometry" if geom is None else shapely.is_valid_reason(geom)
            raise InvalidGeometry(
                f"draft {draft.id}: grid {key} is not a valid polygon ({why}); fix it "
                "(GET /v1/drafts/{id}/validation lists every problem) before export or diff",
                details=[{"where": f"grid {key}", "reason": why}],
            )
    old = store.grids_frame(session, village_codes=[draft.area_code])
    codes, _ = assign_codes(
        draft.area_code,
        list(old.geometry),
        [str(c) for c in old["code"]],
        [polygonal(g) for g in frame.geometry],
        highest_sequence=store.highest_sequence(session, draft.area_code),
    )
    return codes


def draft_diff(session: Session, draft: Draft) -> dict[str, Any]:
    """What publishing the draft would change, with the codes it would give."""
    frame = draft_frame(session, draft)
    frame = frame.assign(code=predicted_codes(session, draft, frame))
    frame["geometry"] = [polygonal(g) for g in frame.geometry]
    published = store.grids_frame(session, village_codes=[draft.area_code])
    changes = diff_versions(
        published,
        frame,
        store.buildings_frame(session, [draft.area_code]),
        attributes=GRIDS.names((DETAIL,)),
    )
    return {
        "draft_id": draft.id,
        "area_code": draft.area_code,
        "from": current_version(session, draft.area_code),
        "codes": dict(zip(frame["key"], frame["code"], strict=True)),
        **changes.as_dict(),
    }
