"""Map pages of the command centre under /map: the incident map and the wall screen.

Like /map they take the session cookie of /login (or a key header) and draw only what the
caller's jurisdiction covers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from gis_api.incidents.maps import incidents_html, wall_html
from gis_api.routers.pages import render_page
from gis_api.routers.tiles import tile_service

router = APIRouter(tags=["maps"])

NO_STORE = {"Cache-Control": "private, no-store"}


@router.get("/map/incidents", response_class=HTMLResponse, summary="The incident map")
async def incident_map(
    request: Request,
    days: Annotated[int, Query(ge=1, le=366, description="incidents of the last N days")] = 30,
) -> Response:
    """Incidents by status with filters, heat map, per-grid counts, hot spots, live layer."""
    return await render_page(request, incidents_html, tiles=tile_service(request.app), days=days)


@router.get("/map/wall", response_class=HTMLResponse, summary="The wall screen (live incidents)")
async def wall(request: Request) -> Response:
    """The live layer refreshing without reloading, with counters, for the command centre."""
    return await render_page(request, wall_html, tiles=tile_service(request.app))
