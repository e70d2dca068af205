"""Data for the planner pages, read within the caller's jurisdiction, drawn by map_ui.planner."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import HTMLResponse, Response

from gis_api.core.auth import Principal
from gis_api.core.pages import PAGE_NOT_FOUND, basemap_options, render_page, with_blank_icon
from gis_api.core.settings import Settings
from gis_api.features.planning import store
from gis_api.features.planning.drafts import counted, draft_frame, get_draft, list_drafts
from map_ui.assets import offline_html
from map_ui.planner import build_planner_map
from map_ui.templating import OWN_STATIC_URL, render


def planner_html(
    factory: sessionmaker[Session], *, draft_id: int, principal: Principal, settings: Settings
) -> str:
    """The planner page of one draft."""
    with factory() as session:
        draft = get_draft(session, draft_id, principal)
        village = store.villages_frame(session, draft.area_code)
        frame = draft_frame(session, draft)
        households, _ = counted(session, draft, frame)
        frame = frame.assign(
            households_stored=frame["households"],
            households=pd.Series(households, dtype=object, index=frame.index),
        )
        published = store.grids_frame(session, village_codes=[draft.area_code])
        buildings = store.buildings_frame(session, [draft.area_code])
        rules = store.rules_for(session, settings, draft.area_code)
        info = {
            "id": draft.id,
            "revision": draft.revision,
            "status": draft.status,
            "area_code": draft.area_code,
            "base_version": draft.base_version,
        }
    m = build_planner_map(
        village=village,
        draft=frame,
        published=published,
        buildings=buildings,
        draft_info=info,
        standard=rules.households_range(village["kind"].iloc[0]),
        editable=principal.can("plan") and info["status"] == "open",
        basemap=basemap_options(settings),
    )
    page = offline_html(m)
    title = f"网格规划 草稿 {draft_id} · {village['name'].iloc[0]}"
    return with_blank_icon(page, title=title)


STATUS = {"open": "编辑中", "published": "已发布", "discarded": "已放弃"}


def index_html(
    factory: sessionmaker[Session], *, principal: Principal, settings: Settings | None = None
) -> str:
    """The list of drafts the caller may see, and a form to start one (planners); ``settings``
    is unused (the signature of :func:`gis_api.core.pages.render_page`'s builders).
    """
    with factory() as session:
        drafts = [
            {
                "id": d.id,
                "area_code": d.area_code,
                "title": d.title,
                "status": STATUS.get(d.status, d.status),
                "base_version": d.base_version,
                "created": f"{d.created_at:%Y-%m-%d %H:%M}",
            }
            for d in list_drafts(session, principal)
        ]
    return render(
        "planner_index.html",
        drafts=drafts,
        can_plan=principal.can("plan"),
        script_url=f"{OWN_STATIC_URL}/planner_index.js",
    )


router = APIRouter(tags=["maps"])


@router.get("/planner", response_class=HTMLResponse, summary="The planner's drafts")
async def planner_index(request: Request) -> Response:
    """Drafts within the caller's jurisdiction; planners can start one."""
    return await render_page(request, index_html)


@router.get(
    "/planner/drafts/{draft_id}",
    response_class=HTMLResponse,
    summary="Edit a draft",
    responses=PAGE_NOT_FOUND,
)
async def planner_page(request: Request, draft_id: int) -> Response:
    """The draft over the published grids and buildings: edit, split, merge, validate, publish."""
    return await render_page(request, planner_html, draft_id=draft_id)
