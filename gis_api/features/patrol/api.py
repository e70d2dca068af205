"""Patrol routes (线上巡) over the road network, street patrols, saved plans and their map page.

Computing is planning for the command centre: admin, planner and dispatcher keys may; viewers
may read saved plans; service keys may not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

import gis_api.features.roads  # noqa: F401 - registers the road importer for POST /v1/imports/roads
from gis_api.core.auth import Principal
from gis_api.core.deps import Reader, SessionDep, require
from gis_api.core.errors import error_responses
from gis_api.core.pages import PAGE_NOT_FOUND, render_page, shift_frame
from gis_api.features.lookup.points import crs_name
from gis_api.features.patrol.models import (
    PlanSummary,
    RoadNetwork,
    RoutePlan,
    RouteRequest,
    SavedPlan,
    StreetPatrolRequest,
    StreetPlan,
)
from gis_api.features.patrol.output import in_crs
from gis_api.features.patrol.pages import plan_page, plans_page
from gis_api.features.patrol.plans import get_plan, keep_plan, list_plans, recent_routes, summary
from gis_api.features.patrol.service import plan_routes
from gis_api.features.patrol.streets import plan_street_patrol
from gis_api.features.roads.status import network_status
from gis_api.schema.geojson_models import FeatureCollection, GeoJSONResponse

router = APIRouter(tags=["patrol"])

PatrolPlanner = Annotated[Principal, Depends(require("patrol"))]
PLANNING_ERRORS = error_responses(404, 409)
"""A place or area that does not exist is 404; no road network (or none reaching) is 409."""


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@router.post(
    "/v1/patrol/routes",
    summary="Plan patrol routes over the roads (admin, planner, dispatcher)",
    response_model=RoutePlan,
    responses=PLANNING_ERRORS,
    description="Stops (points, key sites, relocation sites, cameras' blind spots, incident "
    "hotspots) ordered into k team routes from the start back to it (or to an end), balanced "
    "by duration. Per team: stops in order, the route along the roads, distance, duration, "
    "legs. Stops that cannot be reached are listed with why.",
)
async def routes(body: RouteRequest, principal: PatrolPlanner, session: SessionDep) -> Response:
    """Snap, build the matrix, optimise, trace; with ``save`` keep the plan."""
    return await _compute("routes", plan_routes, body, principal, session)


@router.post(
    "/v1/patrol/streets",
    summary="Walk every street of a grid or of the uncovered streets (admin, planner, dispatcher)",
    response_model=StreetPlan,
    responses=PLANNING_ERRORS,
    description="A rural Chinese-postman walk from the start and back covering every street "
    "segment of a grid, of an area's blind spots, or the given road edges; the repeated "
    "(deadhead) distance is reported.",
)
async def streets(
    body: StreetPatrolRequest, principal: PatrolPlanner, session: SessionDep
) -> Response:
    """Plan the street patrol; with ``save`` keep it."""
    return await _compute("streets", plan_street_patrol, body, principal, session)


async def _compute(
    kind: str,
    plan: Callable[..., dict[str, Any]],
    body: RouteRequest | StreetPatrolRequest,
    principal: Principal,
    session: Session,
) -> Response:
    """Plan in one transaction (saving when asked), answer in the request's crs."""
    crs = crs_name(body.crs)

    def work() -> dict[str, Any]:
        with session.begin():
            result = plan(session, body, principal=principal)
            if body.save:
                keep_plan(session, kind, body.name, body.model_dump(), result, principal)
        return result

    result = await run_in_threadpool(work)
    answer = in_crs(result, crs)
    answer["crs"] = crs
    return _json(answer)


@router.get(
    "/v1/patrol/plans",
    summary="Saved patrol plans (every reading role)",
    response_model=list[PlanSummary],
)
async def plans(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The newest plans in the caller's jurisdiction."""
    return _json(await run_in_threadpool(list_plans, session, principal=principal, limit=limit))


@router.get(
    "/v1/patrol/plans/{plan_id}",
    summary="One saved patrol plan (every reading role)",
    response_model=SavedPlan,
    responses=error_responses(404),
)
async def plan(plan_id: int, principal: Reader, session: SessionDep) -> Response:
    """The plan's request and answer (WGS84)."""

    def work() -> dict[str, Any]:
        found = get_plan(session, plan_id, principal=principal)
        return {**summary(found), "request": found.request, "result": found.result}

    return _json(await run_in_threadpool(work))


@router.get(
    "/v1/patrol/recent-routes",
    summary="The routes of the newest saved plans, as GeoJSON (every reading role)",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
)
async def recent(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
    crs: Annotated[
        Literal["wgs84", "cgcs2000", "gcj02", "bd09"],
        Query(description="coordinates of the answer (gcj02 to line up with AMap tiles)"),
    ] = "wgs84",
) -> Response:
    """One feature per plan: its routes, name, teams and distance; for the map pages."""

    def work() -> dict[str, Any]:
        frame = shift_frame(recent_routes(session, principal=principal, limit=limit), crs)
        return json.loads(frame.to_json(drop_id=True))

    return Response(orjson.dumps(await run_in_threadpool(work)), media_type="application/geo+json")


@router.get(
    "/v1/patrol/networks",
    summary="Road networks loaded for routing (reading roles)",
    response_model=list[RoadNetwork],
)
async def networks(principal: Reader, session: SessionDep) -> Response:
    """Each network's size, source and disconnected pieces."""
    return _json(await run_in_threadpool(network_status, session))


@router.get("/map/patrol", response_class=HTMLResponse, summary="Saved patrol plans, as a page")
async def plans_map(request: Request) -> Response:
    """A list of the saved plans linking to their maps."""
    return await render_page(request, plans_page)


@router.get(
    "/map/patrol/{plan_id}",
    response_class=HTMLResponse,
    summary="A patrol plan's map",
    responses=PAGE_NOT_FOUND,
)
async def plan_map(plan_id: int, request: Request) -> Response:
    """Routes coloured by team, stops numbered in visiting order, the start marked."""
    return await render_page(request, plan_page, plan_id=plan_id)
