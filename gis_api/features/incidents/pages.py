"""Data for the incident map and the wall screen, drawn by map_ui.incidents."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import geopandas as gpd
import shapely
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import HTMLResponse, Response

from gis_api.core.auth import Principal
from gis_api.core.pages import (
    basemap_options,
    display_crs,
    page_links,
    render_page,
    to_display,
    with_blank_icon,
)
from gis_api.core.settings import Settings
from gis_api.features.incidents import queries, service
from gis_api.features.incidents.hotspots import hotspots
from gis_api.features.overview.service import grids_frame, lazy_layers, load_areas, tile_source
from gis_api.features.tiles.service import TileService, tile_service
from gis_api.schema.geojson import feature_collection
from map_ui.assets import offline_html
from map_ui.incidents import build_incident_map
from map_ui.lazy import add_lazy_layer
from map_ui.nav import PageNav
from map_ui.wall import LiveFeed, build_wall_map

HOTSPOT_BANDWIDTH_M = 500.0
HOTSPOT_CELL_M = 100.0


def live_feed(settings: Settings, *, hours: float = 24) -> LiveFeed:
    """The live layer's endpoint, in the display crs."""
    url = f"/v1/incidents/live?hours={hours:g}"
    if display_crs(settings) == "gcj02":
        url += "&crs=gcj02"
    return LiveFeed(url=url, interval_s=settings.live_refresh_seconds)


def incident_frame(
    session: Session, *, principal: Principal, flt: queries.IncidentFilter, limit: int
) -> tuple[gpd.GeoDataFrame, int]:
    """The newest ``limit`` incidents the filter selects, and how many it selects in all."""
    rows, matched = queries.list_incidents(
        session, principal=principal, flt=flt, limit=max(limit, 1), offset=0
    )
    data = {
        "id": [r.Incident.id for r in rows],
        "category": [r.Incident.category for r in rows],
        "severity": [r.Incident.severity for r in rows],
        "status": [r.Incident.status for r in rows],
        "level": [r.Incident.level for r in rows],
        "reported_at": [r.Incident.reported_at for r in rows],
        "grid_code": [r.Incident.grid_code for r in rows],
        "description": [r.Incident.description for r in rows],
        "overdue": [bool(r.overdue) for r in rows],
    }
    geoms = shapely.points([(r.x, r.y) for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=4490), matched


def incidents_html(
    factory: sessionmaker[Session],
    *,
    principal: Principal,
    settings: Settings,
    tiles: TileService,
    days: int,
) -> str:
    """The incident map of the last ``days`` days."""
    with factory() as session:
        service.check_reader(principal)
        since = service.db_now(session) - timedelta(days=days)
        flt = queries.IncidentFilter(start=since)
        incidents, matched = incident_frame(
            session, principal=principal, flt=flt, limit=settings.inline_feature_limit
        )
        areas, village_tiles = load_areas(session, principal, settings)
        grids, grid_tiles = grids_frame(session, principal, settings)
        spots = hotspots(
            session,
            principal=principal,
            flt=flt,
            bandwidth_m=HOTSPOT_BANDWIDTH_M,
            cell_m=HOTSPOT_CELL_M,
            threshold=0.25,
        )
        if settings.basemap_gcj02 and spots["features"]:
            cells = gpd.GeoDataFrame.from_features(spots["features"], crs=4490)
            spots = feature_collection(to_display(cells, settings).iterfeatures(drop_id=True))
        m = build_incident_map(
            to_display(incidents, settings),
            areas=areas,
            grids=None if grid_tiles else grids,
            grid_tiles=tile_source(tiles, "grids", settings) if grid_tiles else None,
            village_tiles=tile_source(tiles, "areas", settings) if village_tiles else None,
            hotspots=spots,
            live=live_feed(settings),
            categories=settings.incident_categories,
            total=matched,
            basemap=basemap_options(settings),
        )
    for layer in lazy_layers(areas, settings):
        add_lazy_layer(m, layer)
    PageNav(page_links(areas), current="/map/incidents").add_to(m)
    return with_blank_icon(offline_html(m))


def wall_html(
    factory: sessionmaker[Session],
    *,
    principal: Principal,
    settings: Settings,
    tiles: TileService,
) -> str:
    """The wall screen: the live layer with its counters over the county."""
    with factory() as session:
        service.check_reader(principal)
        areas, village_tiles = load_areas(session, principal, settings)
        grids, grid_tiles = grids_frame(session, principal, settings)
    m = build_wall_map(
        areas=areas,
        live=live_feed(settings),
        grids=None if grid_tiles else grids,
        grid_tiles=tile_source(tiles, "grids", settings) if grid_tiles else None,
        village_tiles=tile_source(tiles, "areas", settings) if village_tiles else None,
        basemap=basemap_options(settings),
    )
    PageNav(page_links(areas), current="/map/wall").add_to(m)
    return with_blank_icon(offline_html(m))


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
