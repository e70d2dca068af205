"""The patrol pages: a saved plan on a map, and the list of saved plans."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
import shapely.geometry
from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import HTMLResponse, Response

from gis_api.core.auth import Principal
from gis_api.core.pages import PAGE_NOT_FOUND, basemap_options, render_page, with_blank_icon
from gis_api.core.settings import Settings
from gis_api.features.ogc.collections import COLLECTIONS, load_frame
from gis_api.features.patrol.plans import get_plan, list_plans
from gis_api.schema.models import RoadEdge
from map_ui.assets import offline_html
from map_ui.patrol import build_patrol_map
from map_ui.templating import render

KIND_NAMES = {"routes": "巡逻路线", "streets": "街巷巡逻"}
ROAD_LIMIT = 20_000

router = APIRouter(tags=["maps"])


def plan_frames(result: dict[str, Any]) -> dict[str, Any]:
    """The GeoDataFrames of a plan's answer (WGS84) for ``map_ui.patrol``."""
    teams = [t for t in result.get("teams", []) if t.get("route")]
    routes = gpd.GeoDataFrame(
        {
            "team": [t["team"] for t in teams],
            "distance_m": [t["distance_m"] for t in teams],
            "duration_s": [t["duration_s"] for t in teams],
        },
        geometry=[shapely.geometry.shape(t["route"]) for t in teams],
        crs=4490,
    )
    stop_rows = [(t["team"], s) for t in result.get("teams", []) for s in t["stops"]]
    stops = gpd.GeoDataFrame(
        {
            "team": [team for team, _ in stop_rows],
            "order": [s["order"] for _, s in stop_rows],
            "name": [s["name"] for _, s in stop_rows],
        },
        geometry=[shapely.Point(s["snapped"] or s["location"]) for _, s in stop_rows],
        crs=4490,
    )
    start = result["start"]
    frames: dict[str, Any] = {
        "routes": routes,
        "stops": stops,
        "start": shapely.Point(start["snapped"] or start["location"]),
    }
    underlay = result.get("underlay") or {}
    for key in ("blind_spots", "incidents"):
        features = (underlay.get(key) or {}).get("features") or []
        if features:
            frames[key] = gpd.GeoDataFrame.from_features(features, crs=4490)
    streets = (result.get("streets") or {}).get("lines")
    if streets:
        frames["streets"] = gpd.GeoDataFrame(geometry=[shapely.geometry.shape(streets)], crs=4490)
    area = result.get("area")
    if area:
        frames["patrol_area"] = gpd.GeoDataFrame(geometry=[shapely.geometry.shape(area)], crs=4490)
    deadhead = (result.get("deadhead") or {}).get("lines")
    if deadhead:
        frames["deadhead"] = gpd.GeoDataFrame(geometry=[shapely.geometry.shape(deadhead)], crs=4490)
    return frames


def plan_page(
    factory: sessionmaker[Session], *, plan_id: int, principal: Principal, settings: Settings
) -> str:
    """The map page of a saved plan (``NotFound`` outside the caller's jurisdiction)."""
    with factory() as session:
        plan = get_plan(session, plan_id, principal=principal)
        frames = plan_frames(plan.result)
        parts = [*frames["routes"].geometry, *frames["stops"].geometry, frames["start"]]
        extent = shapely.box(*shapely.total_bounds(parts)).buffer(0.003)
        areas = load_frame(session, COLLECTIONS["admin-areas"], principal=principal)
        frames["roads"] = roads_near(session, plan.network, extent)
    villages = areas[(areas["level"] == "village") & areas.intersects(extent)]
    created = plan.created_at.strftime("%Y-%m-%d %H:%M") if plan.created_at else ""
    m = build_patrol_map(
        title=f"{plan.name}（{created}）",
        areas=villages,
        basemap=basemap_options(settings),
        **frames,
    )
    return with_blank_icon(offline_html(m))


def roads_near(
    session: Session, network: str, extent: shapely.Geometry, *, limit: int = ROAD_LIMIT
) -> gpd.GeoDataFrame:
    """The roads of ``network`` in ``extent`` (at most ``limit``, longest first), for context."""
    rows = session.execute(
        select(func.ST_AsBinary(RoadEdge.geom))
        .where(
            RoadEdge.network == network,
            func.ST_Intersects(RoadEdge.geom, func.ST_MakeEnvelope(*extent.bounds, 4490)),
        )
        .order_by(RoadEdge.length_m.desc())
        .limit(limit)
    ).all()
    return gpd.GeoDataFrame(geometry=[shapely.from_wkb(bytes(r[0])) for r in rows], crs=4490)


def plans_page(
    factory: sessionmaker[Session], *, principal: Principal, settings: Settings | None = None
) -> str:
    """A plain page listing the saved plans the caller may see (``settings``: unused, for
    :func:`gis_api.core.pages.render_page`).
    """
    with factory() as session:
        rows = list_plans(session, principal=principal, limit=200)
    plans = [
        {
            "map_url": r["map_url"],
            "name": r["name"],
            "kind": KIND_NAMES.get(r["kind"], r["kind"]),
            "teams": r["teams"],
            "distance": f"{r['distance_m'] / 1000:.1f} km",
            "duration": f"{r['duration_s'] / 60:.0f} 分钟",
            "created": (r["created_at"] or "")[:16].replace("T", " "),
        }
        for r in rows
    ]
    return render("patrol_plans.html", plans=plans)


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
