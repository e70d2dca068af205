"""Camera coverage: the report, blind spots, relocation sites, placement, and the map page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from gis_api.core.deps import Planner, Reader, SessionDep
from gis_api.core.errors import error_responses
from gis_api.core.pages import shift_frame
from gis_api.features.coverage import models as m
from gis_api.features.coverage import placement, relocation, service
from gis_api.features.coverage.models import AreaParam, OfflineParam
from gis_api.schema.geojson import FeatureCollection, GeoJSONResponse, feature_collection
from gis_api.schema.layers import CAMERAS, GRIDS

router = APIRouter(tags=["coverage"])

AREA_ERRORS = error_responses(404)
"""Every coverage answer is of an area: 404 when there is no such area."""
MEASURE_ERRORS = error_responses(400, 404)
"""With shares and distances to check: 400 for one out of its range."""


def _json(body: Any, media_type: str = "application/json") -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type=media_type)


@router.get(
    "/v1/coverage",
    summary="Coverage report of a grid, village, town or county",
    response_model=m.CoverageReport,
    responses=MEASURE_ERRORS,
)
def coverage_report(
    principal: Reader,
    session: SessionDep,
    area: AreaParam,
    include_offline: OfflineParam = False,
    site_share: Annotated[
        float, Query(description="share of a polygon key site that must be in view")
    ] = service.DEFAULT_SITE_SHARE,
    near_m: Annotated[
        float, Query(description="a key site with no counting camera this close is a gap")
    ] = service.DEFAULT_NEAR_M,
) -> Response:
    """Share of area (and road length) in view, cameras and 联通率, key sites, and gaps."""
    body = service.report(
        session,
        area_code=area,
        principal=principal,
        include_offline=include_offline,
        site_share=site_share,
        near_m=near_m,
    )
    return _json(body)


@router.get(
    "/v1/coverage/blind-spots",
    summary="The parts of each grid in no camera's view, as GeoJSON",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
    responses=AREA_ERRORS,
)
def blind_spots(
    principal: Reader,
    session: SessionDep,
    area: AreaParam,
    include_offline: OfflineParam = False,
    crs: Annotated[
        Literal["wgs84", "cgcs2000", "gcj02", "bd09"],
        Query(description="coordinates of the answer (gcj02 to line up with AMap tiles)"),
    ] = "wgs84",
) -> Response:
    """One feature per grid with a blind part: grid_code, area_m2."""
    frame = service.blind_spots(
        session, area_code=area, principal=principal, include_offline=include_offline
    )
    frame = shift_frame(frame, crs)
    body = feature_collection(frame, properties=["grid_code", "area_m2"], layer=GRIDS)
    return _json(body, "application/geo+json")


@router.get(
    "/v1/coverage/relocation-sites",
    summary="Relocation sites: who manages each, nearest village, grids",
    response_model=list[m.RelocationSite],
    responses=AREA_ERRORS,
)
def relocation_sites(principal: Reader, session: SessionDep, area: AreaParam) -> Response:
    """Each site's managing area, the expected one (containing community or nearest village),
    the distance and method, the grids it lies in, and an explanation.
    """
    return _json(relocation.relocation_report(session, area_code=area, principal=principal))


class AttachBody(BaseModel):
    """Which area's attached sites to re-attach to their nearest village."""

    area: str = Field(examples=["510116002000"])
    dry_run: bool = False


@router.post(
    "/v1/coverage/relocation-sites/attach",
    summary="Attach relocation sites to their nearest village (planner, admin)",
    response_model=m.AttachAnswer,
    responses=AREA_ERRORS,
)
def attach_relocation_sites(principal: Planner, session: SessionDep, body: AttachBody) -> Response:
    """Set managing_area_code of every ``attached`` site whose stored village is not the
    nearest one; with ``dry_run`` only list the changes.
    """
    with session.begin():
        changes = relocation.attach_to_nearest(
            session,
            area_code=body.area,
            principal=principal,
            actor=f"key:{principal.prefix}",
            dry_run=body.dry_run,
        )
    return _json({"dry_run": body.dry_run, "changes": changes})


@router.post(
    "/v1/coverage/placement",
    summary="Where k new cameras cover the most (MCLP)",
    response_model=m.Placement,
    responses=MEASURE_ERRORS,
)
def camera_placement(
    principal: Reader, session: SessionDep, body: placement.PlacementRequest
) -> Response:
    """Exact maximal covering (SCIP via OR-Tools) and the greedy answer with its gap; the
    chosen positions come back in WGS84. Nothing is stored.
    """
    answer, views = placement.place(session, request=body, principal=principal)
    if body.include_views:
        answer["views"] = feature_collection(views, properties=["rank"], layer=CAMERAS)
    return _json(answer)
