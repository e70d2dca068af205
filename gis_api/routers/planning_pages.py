"""The planner pages: the list of drafts, and the map of one draft (log in at /login)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gis_api.planning.pages import index_html, planner_html
from gis_api.routers.pages import page_principal

router = APIRouter(tags=["maps"])
NO_STORE = {"Cache-Control": "private, no-store"}


@router.get("/planner", response_class=HTMLResponse, summary="The planner's drafts")
async def planner_index(request: Request) -> Response:
    """Drafts within the caller's jurisdiction; planners can start one."""
    principal = await page_principal(request)
    if isinstance(principal, RedirectResponse):
        return principal
    page = await run_in_threadpool(
        index_html, request.app.state.session_factory, principal=principal
    )
    return HTMLResponse(page, headers=NO_STORE)


@router.get("/planner/drafts/{draft_id}", response_class=HTMLResponse, summary="Edit a draft")
async def planner_page(request: Request, draft_id: int) -> Response:
    """The draft over the published grids and buildings: edit, split, merge, validate, publish."""
    principal = await page_principal(request)
    if isinstance(principal, RedirectResponse):
        return principal
    page = await run_in_threadpool(
        planner_html,
        request.app.state.session_factory,
        draft_id=draft_id,
        principal=principal,
        settings=request.app.state.settings,
    )
    return HTMLResponse(page, headers=NO_STORE)
