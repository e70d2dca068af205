"""Incidents: report, take through the loop, list with filters, live feed, figures, hot spots."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from starlette.responses import JSONResponse, Response

from boundaries.coords import from_wgs84
from boundaries.errors import InvalidInput
from gis_api.core.auth import Principal
from gis_api.core.bodies import RequestBody
from gis_api.core.db import MAX_OFFSET
from gis_api.core.deps import SessionDep, SettingsDep, get_principal, renew_session
from gis_api.core.errors import error_responses
from gis_api.features.incidents import queries, service, workflow
from gis_api.features.incidents.figures import grid_counts, incident_figures, summary
from gis_api.features.incidents.hotspots import hotspots
from gis_api.features.incidents.models import (
    Hotspots,
    IncidentConfig,
    IncidentDetail,
    IncidentFigures,
    IncidentList,
    IncidentSummary,
    LiveIncidents,
    TransitionAnswer,
)
from gis_api.features.ogc.params import parse_bbox
from gis_api.schema.answers import AnswerRoute, documented
from gis_api.schema.geojson import feature, feature_collection, geometry_json
from gis_api.schema.incidents import ReporterInput
from gis_api.schema.layers import INCIDENTS

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], route_class=AnswerRoute)
FILTERED = error_responses(400)
"""The filters' ``bbox`` is checked like OGC's: 400 when it is not understood."""
# The list, the live feed, the figures and the hot spots can be thousands of rows or features:
# their models document them (``documented``) and are not checked on every answer; the tests
# validate real answers against /openapi.json.


async def caller(request: Request) -> Principal:
    """Any valid key (what it may do is checked against the workflow's table)."""
    return await get_principal(request)


async def reader(request: Request) -> Principal:
    """A key whose role may read incidents."""
    principal = await get_principal(request)
    service.check_reader(principal)
    return principal


Caller = Annotated[Principal, Depends(caller)]
IncidentReader = Annotated[Principal, Depends(reader)]


class ReportBody(ReporterInput, RequestBody):
    """A new incident. ``lon``/``lat`` are in ``crs`` (wgs84, cgcs2000, gcj02 or bd09)."""

    category: str = Field(examples=["矛盾纠纷"])
    severity: Literal["general", "major", "urgent"] = "general"
    description: str = Field(min_length=1, max_length=service.MAX_DESCRIPTION)
    source: Literal["grid_worker", "public", "video", "hotline", "superior"]
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str | None = None
    external_ref: str | None = Field(None, description="e.g. the 12345 ticket number")
    reported_at: datetime | None = Field(None, description="when it was reported; default now")


class TransitionBody(RequestBody):
    """One step: ``action`` is open, reject, dispatch, handle, feedback, return, close or
    escalate.
    """

    action: Literal[
        "open", "reject", "dispatch", "handle", "feedback", "return", "close", "escalate"
    ]
    note: str | None = Field(None, max_length=4000)
    assignee: str | None = Field(None, description="dispatch: the unit sent to handle it")
    to_level: Literal["village", "town", "county"] | None = Field(
        None, description="escalate: the level to go to (default: the next one up)"
    )
    satisfied: bool | None = Field(None, description="feedback: was the reporter satisfied")


def _split(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(out)


def incident_filter(
    status: Annotated[
        list[str] | None, Query(description="statuses, repeated or comma-separated")
    ] = None,
    category: Annotated[list[str] | None, Query()] = None,
    severity: Annotated[list[str] | None, Query()] = None,
    area: Annotated[str | None, Query(description="an area or grid code, or a prefix")] = None,
    start: Annotated[datetime | None, Query(description="reported at or after")] = None,
    end: Annotated[datetime | None, Query(description="reported before")] = None,
    overdue: bool | None = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
) -> queries.IncidentFilter:
    """The list's filters, checked."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone, e.g. 2026-03-01T00:00:00+08:00")
    flt = queries.IncidentFilter(
        status=_split(status),
        category=_split(category),
        severity=_split(severity),
        area=area,
        start=start,
        end=end,
        overdue=overdue,
        bbox=parse_bbox(bbox) if bbox else None,
    )
    flt.check()
    return flt


Filters = Annotated[queries.IncidentFilter, Depends(incident_filter)]


@router.get(
    "/config",
    summary="Categories, severities, sources, statuses, steps, deadlines",
    response_model=IncidentConfig,
)
def config(principal: Caller, settings: SettingsDep) -> dict[str, Any]:
    """What a client needs to build a report form and show the loop."""
    return {
        "categories": list(settings.incident_categories),
        "severities": workflow.SEVERITY_NAMES,
        "sources": workflow.SOURCE_NAMES,
        "statuses": workflow.STATUS_NAMES,
        "levels": workflow.LEVEL_NAMES,
        "actions": {
            name: {
                "label": a.label,
                "from": list(a.sources),
                "to": a.target,
                "roles": sorted(a.roles),
            }
            for name, a in workflow.ACTIONS.items()
        },
        "deadline_hours": settings.incident_deadline_hours,
    }


@router.post(
    "",
    status_code=201,
    summary="Report an incident",
    response_model=IncidentDetail,
    responses=error_responses(409),
)
def report(
    body: ReportBody,
    request: Request,
    principal: Caller,
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Record an incident; its grid, village, town and county are fixed now from the lookup."""
    incident = service.report_incident(
        session,
        report=service.Report(**body.model_dump()),
        model=request.app.state.lookup.model,
        principal=principal,
        settings=settings,
    )
    session.commit()
    body_json = _detail(session, incident.id, principal)
    return JSONResponse(
        body_json, status_code=201, headers={"Location": f"/v1/incidents/{incident.id}"}
    )


@router.get(
    "",
    summary="List incidents with filters",
    response_model=Any,
    responses={**documented(IncidentList), **FILTERED},
)
def list_incidents(
    principal: IncidentReader,
    session: SessionDep,
    flt: Filters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Newest first, within the key's jurisdiction."""
    rows, matched = queries.list_incidents(
        session, principal=principal, flt=flt, limit=limit, offset=offset
    )
    items = [
        queries.incident_json(
            r.Incident, x=r.x, y=r.y, overdue=r.overdue, personal=principal.personal
        )
        for r in rows
    ]
    return {"matched": matched, "returned": len(items), "offset": offset, "items": items}


@router.get(
    "/live",
    summary="Open and recently closed incidents as GeoJSON (map pages)",
    response_model=Any,
    responses=documented(LiveIncidents),
)
def live(
    request: Request,
    response: Response,
    principal: IncidentReader,
    session: SessionDep,
    settings: SettingsDep,
    hours: Annotated[float, Query(gt=0, le=24 * 30)] = 24,
    crs: Literal["wgs84", "cgcs2000", "gcj02"] = "wgs84",
) -> dict[str, Any]:
    """The live layer's source: what is open, and what closed in the last ``hours``."""
    renew_session(request, response)
    rows = queries.live_incidents(
        session, principal=principal, hours=hours, limit=max(settings.inline_feature_limit, 1)
    )
    features = []
    for r in rows:
        x, y = (r.x, r.y) if crs != "gcj02" else (float(v) for v in from_wgs84(r.x, r.y, "gcj02"))
        i = r.Incident
        features.append(
            feature(
                geometry_json(shapely.Point(x, y), INCIDENTS.precision),
                {
                    "id": i.id,
                    "status": i.status,
                    "category": i.category,
                    "severity": i.severity,
                    "level": i.level,
                    "grid_code": i.grid_code,
                    "description": i.description,
                    "reported_at": queries.as_utc(i.reported_at),
                    "overdue": bool(r.overdue),
                },
                id=i.id,
            )
        )
    return feature_collection(features)


@router.get(
    "/figures",
    summary="Counts, time to close and overdue share by area and period",
    response_model=Any,
    responses={**documented(IncidentFigures), **FILTERED},
)
def figures(
    principal: IncidentReader,
    session: SessionDep,
    settings: SettingsDep,
    flt: Filters,
    by: Literal["grid", "village", "town"] = "town",
    period: Literal["day", "week"] = "week",
) -> dict[str, Any]:
    """One row per area and period; days and weeks are those of ``GRIDMAP_TIMEZONE``."""
    rows = incident_figures(
        session, principal=principal, by=by, period=period, flt=flt, timezone=settings.timezone
    )
    return {"by": by, "period": period, "timezone": settings.timezone, "rows": rows}


@router.get(
    "/summary",
    summary="Totals by status, category and severity",
    response_model=IncidentSummary,
    responses=FILTERED,
)
def totals(principal: IncidentReader, session: SessionDep, flt: Filters) -> dict[str, Any]:
    """Totals for the wall screen and the per-grid counts for a choropleth."""
    return {
        **summary(session, principal=principal, flt=flt),
        "by_grid": grid_counts(session, principal=principal, flt=flt),
    }


@router.get(
    "/hotspots",
    summary="Hot spots: kernel density of incidents in metres",
    response_model=Any,
    responses={**documented(Hotspots), **FILTERED},
)
def hot_spots(
    principal: IncidentReader,
    session: SessionDep,
    flt: Filters,
    bandwidth_m: Annotated[float, Query(description="kernel radius in metres")] = 500,
    cell_m: Annotated[float, Query(description="cell side in metres")] = 100,
    threshold: Annotated[float, Query(description="share of the peak density kept")] = 0.25,
) -> dict[str, Any]:
    """Quartic kernel density in the data's Gauss–Krüger zone; cells above the threshold."""
    return hotspots(
        session,
        principal=principal,
        flt=flt,
        bandwidth_m=bandwidth_m,
        cell_m=cell_m,
        threshold=threshold,
    )


def _detail(session: SessionDep, incident_id: int, principal: Principal) -> dict[str, Any]:
    row = queries.incident_row(session, incident_id=incident_id, principal=principal)
    body = queries.incident_json(
        row.Incident, x=row.x, y=row.y, overdue=row.overdue, personal=principal.personal
    )
    body["allowed_actions"] = workflow.allowed_actions(row.Incident.status)
    body["events"] = [
        queries.event_json(e) for e in queries.events_of(session, incident_id=incident_id)
    ]
    return body


@router.get(
    "/{incident_id}",
    summary="One incident with every step",
    response_model=IncidentDetail,
    responses=error_responses(404),
)
def get_incident(
    incident_id: int, principal: IncidentReader, session: SessionDep
) -> dict[str, Any]:
    """The incident, the actions allowed next, and its event log."""
    return _detail(session, incident_id, principal)


@router.post(
    "/{incident_id}/transitions",
    summary="Take one step of the loop",
    response_model=TransitionAnswer,
    responses=error_responses(404, 409),
)
def transition(
    incident_id: int, body: TransitionBody, principal: Caller, session: SessionDep
) -> dict[str, Any]:
    """An illegal step is answered 409 with the allowed ones; a wrong role 403."""
    _, event = service.transition(
        session, incident_id=incident_id, principal=principal, **body.model_dump()
    )
    session.commit()
    detail = _detail(session, incident_id, principal)
    detail["event"] = queries.event_json(event)
    return detail
