"""Publishing, versions, history, restore, diffs, exports, proposals and per-county rules."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from pydantic import Field
from starlette.responses import Response

from gis_api.core.bodies import RequestBody
from gis_api.core.db import MAX_INTEGER
from gis_api.core.deps import Admin, Planner, Reader, SessionDep, SettingsDep
from gis_api.core.errors import error_responses
from gis_api.features.planning import drafts, history, store
from gis_api.features.planning import models as m
from gis_api.features.planning.export import (
    FORMATS,
    area_frame,
    draft_export_frame,
    export_grids,
)
from gis_api.features.planning.features import parse_geometry
from gis_api.features.planning.proposing import propose
from gis_api.features.planning.publish import publish_draft, rebase, restore_version
from gis_api.schema.answers import AnswerRoute, content_of

router = APIRouter(prefix="/v1", tags=["planning"], route_class=AnswerRoute)

Format = Annotated[str, Query(description="geojson, gpkg or shp (a zip)")]
Chinese = Annotated[bool, Query(description="Chinese field names (网格编码 …)")]


class Publish(RequestBody):
    """Publish a draft; warnings are accepted by sending their ids."""

    accept: list[str] = Field(default_factory=list, description="ids of accepted warnings")
    note: str | None = None


class Restore(RequestBody):
    """Restore a past version as a new one."""

    expected_version: int | None = Field(
        None,
        le=MAX_INTEGER,
        description="the version you believe is current; another one answers 409",
    )
    note: str | None = None


class ProposalRequest(RequestBody):
    """Propose grids for a village or community from its buildings."""

    area: str
    floor: int | None = Field(None, description="default: the county's standard for its kind")
    ceiling: int | None = None
    target: float | None = None
    use_roads: bool = Field(True, description="follow the loaded road network where possible")
    cut_lines: list[dict[str, Any]] = Field(
        default_factory=list, description="more lines to follow (rivers…), GeoJSON geometries"
    )
    crs: str | None = None
    save: bool = Field(False, description="keep the proposal as a new draft")
    title: str = ""


EXPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the file, as an attachment",
        "content": {media: {} for media, _ in FORMATS.values()}
        | content_of(m.ExportedGrids, FORMATS["geojson"][0]),
    },
    **error_responses(404),
}
DOC_MODELS = [m.ExportedGrids]
"""Models the hand-written docs refer to (added to the schema's components)."""


def _download(content: bytes, media_type: str, filename: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.post(
    "/drafts/{draft_id}/publish",
    summary="Publish a draft as the village's next version",
    response_model=m.Published,
    responses=error_responses(404, 409),
)
def publish(
    draft_id: int, body: Publish, session: SessionDep, settings: SettingsDep, principal: Planner
) -> dict[str, Any]:
    """One transaction. 409 when the village moved on since the draft was made; 422 with the
    errors, or the warnings not accepted, when the draft does not pass validation.
    """
    result = publish_draft(
        session,
        settings,
        draft_id=draft_id,
        principal=principal,
        accept=body.accept,
        note=body.note,
    )
    session.commit()
    return result


@router.post(
    "/drafts/{draft_id}/rebase",
    summary="Move a draft onto the current version",
    response_model=m.Rebased,
    responses=error_responses(404, 409),
)
def rebase_draft(draft_id: int, session: SessionDep, principal: Planner) -> dict[str, Any]:
    """After a 409: the draft keeps its grids; the answer says what others changed."""
    result = rebase(session, draft_id=draft_id, principal=principal)
    session.commit()
    return result


@router.get(
    "/drafts/{draft_id}/export",
    summary="Export a draft's grids",
    response_class=Response,
    responses=EXPORT,
)
def export_draft(
    draft_id: int,
    session: SessionDep,
    principal: Reader,
    format: Format = "geojson",  # noqa: A002 - the parameter's public name
    chinese: Chinese = False,
) -> Response:
    """With the codes publishing would give them now."""
    draft = drafts.get_draft(session, draft_id, principal)
    frame = draft_export_frame(session, draft)
    content, media, name = export_grids(
        frame,
        fmt=format,
        name=f"{draft.area_code}_draft{draft.id}",
        chinese=chinese,
        personal=principal.personal,
    )
    return _download(content, media, name)


@router.get(
    "/grids/{code}/history",
    summary="Every version of a grid",
    response_model=m.GridHistory,
    responses=error_responses(404),
)
def grid_history(code: str, session: SessionDep, principal: Reader) -> dict[str, Any]:
    """Oldest first, as GeoJSON features, with what changed at each version."""
    return history.grid_history(session, code, principal)


@router.get(
    "/areas/{code}/versions",
    summary="The versions of a village's grids",
    response_model=m.AreaVersions,
    responses=error_responses(404),
)
def area_versions(code: str, session: SessionDep, principal: Reader) -> dict[str, Any]:
    """Each with its instant, grids, households, and who published or restored it."""
    return history.area_versions(session, code, principal)


@router.get(
    "/areas/{code}/versions/{version}",
    summary="The grids of one version",
    response_model=m.VersionGrids,
    responses=error_responses(404),
)
def version_grids(
    code: str, version: int, session: SessionDep, principal: Reader
) -> dict[str, Any]:
    """A FeatureCollection of the grids valid when that version took effect."""
    return history.version_grids(session, code, version, principal)


@router.get(
    "/areas/{code}/diff",
    summary="What changed between two versions",
    response_model=m.AreaDiff,
    responses=error_responses(404),
)
def area_diff(
    code: str,
    session: SessionDep,
    principal: Reader,
    from_: Annotated[int, Query(alias="from", ge=1)],
    to: Annotated[int | None, Query(ge=1, description="default: the current version")] = None,
) -> dict[str, Any]:
    """Grids added, removed, reshaped, changed; households that moved between grids."""
    return history.diff(session, code, before=from_, after=to, principal=principal)


@router.post(
    "/areas/{code}/versions/{version}/restore",
    summary="Restore a past version",
    response_model=m.Restored,
    responses=error_responses(404, 409),
)
def restore(
    code: str, version: int, body: Restore, session: SessionDep, principal: Planner
) -> dict[str, Any]:
    """The grids of that version, with their codes, become the next version."""
    result = restore_version(
        session,
        village_code=code,
        version=version,
        principal=principal,
        expected_version=body.expected_version,
        note=body.note,
    )
    session.commit()
    return result


@router.get(
    "/areas/{code}/export",
    summary="Export an area's grids",
    response_class=Response,
    responses=EXPORT,
)
def export_area(
    code: str,
    session: SessionDep,
    principal: Reader,
    format: Format = "geojson",  # noqa: A002 - the parameter's public name
    version: Annotated[int | None, Query(ge=1, description="a past version (villages)")] = None,
    chinese: Chinese = False,
) -> Response:
    """Published grids (or a past version of a village's) with standard codes."""
    frame = area_frame(session, code, version=version, principal=principal)
    suffix = f"_v{version}" if version else ""
    content, media, name = export_grids(
        frame,
        fmt=format,
        name=f"{code}_grids{suffix}",
        chinese=chinese,
        personal=principal.personal,
    )
    return _download(content, media, name)


@router.post(
    "/proposals",
    summary="Propose grids for a village from its buildings",
    response_model=m.Proposal,
    responses=error_responses(404),
)
def proposals(
    body: ProposalRequest, session: SessionDep, settings: SettingsDep, principal: Planner
) -> dict[str, Any]:
    """Meets the floor and ceiling where it can, contiguous, inside the village, compact,
    along roads where they are loaded; says what could not be met. ``save`` keeps a draft.
    """
    lines = [parse_geometry(g, crs=body.crs) for g in body.cut_lines]
    result = propose(
        session,
        settings,
        area_code=body.area,
        principal=principal,
        floor=body.floor,
        ceiling=body.ceiling,
        target=body.target,
        cut_lines=lines,
        use_roads=body.use_roads,
        save=body.save,
        title=body.title,
    )
    if body.save:
        session.commit()
    return result


@router.get(
    "/areas/{code}/rules",
    summary="The validation rules of an area's county",
    response_model=m.CountyRules,
    responses=error_responses(404),
)
def get_rules(
    code: str, session: SessionDep, settings: SettingsDep, principal: Reader
) -> dict[str, Any]:
    """Household standards and thresholds (settings, overridden per county)."""
    store.get_area(session, code)
    return {
        "county_code": code[:6] + "000000",
        **store.rules_dict(store.rules_for(session, settings, code)),
    }


@router.put(
    "/areas/{code}/rules",
    summary="Set a county's validation rules",
    response_model=m.CountyRules,
    responses=error_responses(404),
)
def put_rules(
    code: str, body: dict[str, Any], session: SessionDep, settings: SettingsDep, principal: Admin
) -> dict[str, Any]:
    """Only the rules named change; the rest keep their values."""
    principal.check_area(code)
    rules = store.set_rules(session, settings, code, body, actor=drafts.actor_of(principal))
    session.commit()
    return {"county_code": code, **store.rules_dict(rules)}
