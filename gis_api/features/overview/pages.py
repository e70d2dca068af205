"""The county overview map at /map."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from gis_api.core.pages import render_page
from gis_api.features.overview.service import overview_html

router = APIRouter(tags=["maps"])


@router.get("/map", response_class=HTMLResponse, summary="The county overview map")
async def overview(request: Request) -> Response:
    """County, towns, villages, grids by households, cameras and sites, with a layer control."""
    return await render_page(
        request, overview_html, tiles=getattr(request.app.state, "tiles", None)
    )
