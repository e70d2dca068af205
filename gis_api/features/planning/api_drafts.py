"""Grid planning: validation, drafts and their edits (split, merge, move buildings).

Planners (within their jurisdiction) and admins write; every role that reads sees drafts and
reports. Geometries are WGS84/CGCS2000 lon/lat unless ``crs`` says gcj02 or bd09.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import Field
from starlette.responses import Response

from boundaries.errors import InvalidInput
from gis_api.core.bodies import RequestBody
from gis_api.core.db import MAX_INTEGER
from gis_api.core.deps import Planner, Reader, SessionDep, SettingsDep
from gis_api.core.errors import error_responses
from gis_api.features.planning import drafts
from gis_api.features.planning import models as m
from gis_api.features.planning.checks import validate_draft, validate_frame, validate_published
from gis_api.features.planning.features import parse_geometry, parse_grids, parse_properties
from gis_api.features.planning.history import draft_diff
from gis_api.features.planning.store import get_area
from gis_api.schema.answers import AnswerRoute, documented
from gis_api.schema.models import DRAFT_SOURCES

router = APIRouter(prefix="/v1", tags=["planning"], route_class=AnswerRoute)
BODY_LIMITS = [
    ("POST", "/v1/validation", "body_limit_drafts_mb"),
    ("POST", "/v1/drafts{rest:path}", "body_limit_drafts_mb"),
    ("PUT", "/v1/drafts{rest:path}", "body_limit_drafts_mb"),
    ("PATCH", "/v1/drafts{rest:path}", "body_limit_drafts_mb"),
]
"""Bodies limited while they are read (``gis_api.core.limits``)."""

Crs = Annotated[str | None, Query(description="wgs84 (default), cgcs2000, gcj02 or bd09")]
Revision = Annotated[
    int | None,
    Query(
        le=MAX_INTEGER,
        description="the draft revision this edit was made on; a newer one answers 409",
    ),
]
FeatureCollectionBody = Annotated[
    dict[str, Any], Body(description="a GeoJSON FeatureCollection of grids (or one Feature)")
]


class NewDraft(RequestBody):
    """A draft of one village or community."""

    area: str = Field(description="12-digit code of the village or community")
    source: str = Field("published", description=f"one of {', '.join(DRAFT_SOURCES[:2])}, empty")
    version: int | None = Field(None, description="with source 'version': which one to copy")
    title: str = ""


class Split(RequestBody):
    """Cut one grid along a line."""

    grid: str = Field(description="key of the grid in the draft")
    line: dict[str, Any] = Field(description="a GeoJSON LineString crossing the whole grid")
    crs: str | None = None


class Merge(RequestBody):
    """Merge grids that share borders; the first keeps its key and details."""

    grids: list[str] = Field(min_length=2)


class Move(RequestBody):
    """Move buildings into a grid (the boundary moves around them)."""

    buildings: list[str] = Field(min_length=1, description="building codes")
    to: str = Field(description="key of the receiving grid")


AREA_REPORT = {**documented(m.AreaReport), **error_responses(404)}
"""A report of a whole county can hold thousands of problems and grids: documented, not checked
on every answer (checking 500 problems and 500 grids added ~85 ms to ~50 ms of encoding).
"""
DRAFT_EDIT = error_responses(404, 409)
"""An edit of a draft: 404 for no such draft or grid, 409 on a stale ``revision`` or a draft
that is no longer open.
"""


def _draft_answer(session: SessionDep, draft: Any, principal: Any) -> dict[str, Any]:
    return drafts.draft_payload(session, draft, principal)


@router.post(
    "/validation",
    summary="Validate grids of an area without storing them",
    response_model=Any,
    responses=AREA_REPORT,
)
def validate_collection(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    body: FeatureCollectionBody,
    area: Annotated[str, Query(description="the village, town or county the grids are for")],
    crs: Crs = None,
) -> dict[str, Any]:
    """Gaps, overlaps, grids outside their village, households from the buildings, codes."""
    get_area(session, area)
    principal.check_area(area)
    frame = parse_grids(body, crs=crs)
    report = validate_frame(session, settings, area_code=area, grids=frame)
    return {"area_code": area, **report.as_dict()}


@router.get(
    "/areas/{code}/validation",
    summary="Validate the published grids of an area",
    response_model=Any,
    responses=AREA_REPORT,
)
def validate_area(
    code: str, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """The same report for what is published now in a village, a town or the county."""
    report = validate_published(session, settings, area_code=code, principal=principal)
    return {"area_code": code, **report.as_dict()}


@router.post(
    "/drafts",
    status_code=201,
    summary="Start a draft of a village's grids",
    response_model=m.Draft,
    responses=error_responses(404, 409),
)
def create_draft(body: NewDraft, session: SessionDep, principal: Planner) -> dict[str, Any]:
    """A copy of the published grids (default), of a past version, or an empty draft."""
    if body.source == "proposal":
        raise InvalidInput("a proposal draft is made with POST /v1/proposals and save=true")
    draft = drafts.create_draft(
        session,
        area_code=body.area,
        principal=principal,
        source=body.source,
        version=body.version,
        title=body.title,
    )
    session.commit()
    return _draft_answer(session, draft, principal)


@router.get(
    "/drafts", summary="Drafts within the caller's jurisdiction", response_model=m.DraftList
)
def list_drafts(
    session: SessionDep,
    principal: Reader,
    area: Annotated[str | None, Query(description="area code or code prefix")] = None,
    status: Annotated[str | None, Query(description="open, published or discarded")] = None,
) -> dict[str, Any]:
    """Newest first, without their grids."""
    found = drafts.list_drafts(session, principal, area=area, status=status)
    return {"drafts": [drafts.draft_meta(d) for d in found]}


@router.get(
    "/drafts/{draft_id}",
    summary="A draft with its grids",
    response_model=m.Draft,
    responses=error_responses(404),
)
def get_draft(draft_id: int, session: SessionDep, principal: Reader) -> dict[str, Any]:
    """Households per grid are counted from the buildings (the stored figure is beside it)."""
    return _draft_answer(session, drafts.get_draft(session, draft_id, principal), principal)


@router.delete(
    "/drafts/{draft_id}",
    status_code=204,
    summary="Discard a draft",
    responses=error_responses(404, 409),
)
def discard_draft(
    draft_id: int, session: SessionDep, principal: Planner, revision: Revision = None
) -> Response:
    """The draft is kept, marked discarded; it can no longer be edited or published."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    drafts.discard_draft(session, draft, revision)
    session.commit()
    return Response(status_code=204)


@router.put(
    "/drafts/{draft_id}/grids",
    summary="Replace all grids of a draft",
    response_model=m.Draft,
    responses=DRAFT_EDIT,
)
def put_grids(
    draft_id: int,
    body: FeatureCollectionBody,
    session: SessionDep,
    principal: Planner,
    crs: Crs = None,
    revision: Revision = None,
) -> dict[str, Any]:
    """Properties: key and the grid's own (code, name, kind, households, population, leader)."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    drafts.replace_grids(session, draft, parse_grids(body, crs=crs), revision, principal=principal)
    session.commit()
    return _draft_answer(session, draft, principal)


@router.put(
    "/drafts/{draft_id}/grids/{key}",
    summary="Create or replace one grid of a draft",
    response_model=m.Draft,
    responses=DRAFT_EDIT,
)
def put_grid(
    draft_id: int,
    key: str,
    body: FeatureCollectionBody,
    session: SessionDep,
    principal: Planner,
    crs: Crs = None,
    revision: Revision = None,
) -> dict[str, Any]:
    """A GeoJSON Feature; its geometry may be invalid (validation will say where)."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    drafts.put_grid(session, draft, key, parse_grids(body, crs=crs), revision, principal=principal)
    session.commit()
    return _draft_answer(session, draft, principal)


@router.patch(
    "/drafts/{draft_id}/grids/{key}",
    summary="Change part of one grid of a draft",
    response_model=m.Draft,
    responses=DRAFT_EDIT,
)
def patch_grid(
    draft_id: int,
    key: str,
    body: FeatureCollectionBody,
    session: SessionDep,
    principal: Planner,
    crs: Crs = None,
    revision: Revision = None,
) -> dict[str, Any]:
    """A Feature whose geometry (if not null) and properties replace only those given; an
    edited shape clears the stored household figure unless one is sent with it.
    """
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidInput("send one GeoJSON Feature")
    geometry = body.get("geometry")
    shape = parse_geometry(geometry, crs=crs) if geometry is not None else None
    given = {
        k: v for k, v in (body.get("properties") or {}).items() if k not in ("key", "草稿编号")
    }
    drafts.patch_grid(
        session, draft, key, shape, parse_properties(given), revision, principal=principal
    )
    session.commit()
    return _draft_answer(session, draft, principal)


@router.delete(
    "/drafts/{draft_id}/grids/{key}",
    summary="Remove one grid from a draft",
    response_model=m.Draft,
    responses=DRAFT_EDIT,
)
def delete_grid(
    draft_id: int, key: str, session: SessionDep, principal: Planner, revision: Revision = None
) -> dict[str, Any]:
    """The area it covered becomes a gap until another grid covers it."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    drafts.delete_grid(session, draft, key, revision)
    session.commit()
    return _draft_answer(session, draft, principal)


@router.post(
    "/drafts/{draft_id}/split",
    summary="Split a grid of a draft along a line",
    response_model=m.SplitAnswer,
    responses=DRAFT_EDIT,
)
def split_grid(
    draft_id: int, body: Split, session: SessionDep, principal: Planner, revision: Revision = None
) -> dict[str, Any]:
    """The largest piece keeps the grid's key, name and leader; the others get new keys."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    line = parse_geometry(body.line, crs=body.crs)
    keys = drafts.split_grid(session, draft, body.grid, line, revision)
    session.commit()
    return {"pieces": keys, **_draft_answer(session, draft, principal)}


@router.post(
    "/drafts/{draft_id}/merge",
    summary="Merge grids of a draft",
    response_model=m.MergeAnswer,
    responses=DRAFT_EDIT,
)
def merge_grids(
    draft_id: int, body: Merge, session: SessionDep, principal: Planner, revision: Revision = None
) -> dict[str, Any]:
    """Grids must form one piece together; stored figures are summed."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    key = drafts.merge_grids(session, draft, body.grids, revision)
    session.commit()
    return {"merged": key, **_draft_answer(session, draft, principal)}


@router.post(
    "/drafts/{draft_id}/move",
    summary="Move buildings into another grid of a draft",
    response_model=m.MoveAnswer,
    responses=DRAFT_EDIT,
)
def move_buildings(
    draft_id: int, body: Move, session: SessionDep, principal: Planner, revision: Revision = None
) -> dict[str, Any]:
    """Each building takes its Voronoi cell (and footprint) with it into the receiving grid."""
    draft = drafts.get_draft(session, draft_id, principal, write=True)
    changed = drafts.move_buildings(session, draft, body.buildings, body.to, revision)
    session.commit()
    return {"changed": changed, **_draft_answer(session, draft, principal)}


@router.get(
    "/drafts/{draft_id}/validation",
    summary="Validate a draft",
    response_model=m.DraftReport,
    responses=error_responses(404),
)
def draft_validation(
    draft_id: int, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """The report publishing checks: errors block it, warnings must be accepted by id."""
    draft = drafts.get_draft(session, draft_id, principal)
    report = validate_draft(session, settings, draft)
    return {"draft_id": draft.id, "revision": draft.revision, **report.as_dict()}


@router.get(
    "/drafts/{draft_id}/diff",
    summary="What publishing a draft would change",
    response_model=m.DraftDiff,
    responses=error_responses(404),
)
def draft_changes(draft_id: int, session: SessionDep, principal: Reader) -> dict[str, Any]:
    """Grids added, removed, reshaped; households moved between grids; the codes it would get."""
    return draft_diff(session, drafts.get_draft(session, draft_id, principal))
