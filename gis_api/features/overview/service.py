"""The overview map's data: areas, grids, cameras and sites within the caller's jurisdiction,
inline up to ``GRIDMAP_INLINE_FEATURE_LIMIT`` features and from the vector tiles above it.
"""

from __future__ import annotations

from urllib.parse import urlencode

import geopandas as gpd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from boundaries.errors import NotFound
from gis_api.core.auth import Principal
from gis_api.core.pages import (
    LEVEL_RANK,
    basemap_options,
    display_crs,
    page_links,
    to_display,
    with_blank_icon,
)
from gis_api.core.settings import Settings
from gis_api.features.ogc.collections import COLLECTIONS, load_frame
from gis_api.features.tiles.layers import TILE_LAYERS
from gis_api.features.tiles.service import TileService, tile_url
from gis_api.schema.fields import DETAIL, KEY, PARENT
from gis_api.schema.layers import GRIDS
from gis_api.schema.models import AdminArea, Grid
from map_ui.assets import offline_html
from map_ui.lazy import LazyLayer, add_lazy_layer
from map_ui.nav import PageNav
from map_ui.overview import build_overview_map
from map_ui.tiles import TileSource


def lazy_layers(areas: gpd.GeoDataFrame, settings: Settings) -> list[LazyLayer]:
    """The other concerns' layers for the command-centre pages, loaded when switched on:
    the camera blind spots of the caller's top area, and the latest saved patrol routes.
    """
    crs = display_crs(settings)
    layers = []
    top = areas.sort_values("level", key=lambda s: s.map(LEVEL_RANK))
    if not top.empty:
        query = urlencode({"area": top["code"].iloc[0], "crs": crs})
        layers.append(
            LazyLayer(
                name="摄像头盲区",
                url=f"/v1/coverage/blind-spots?{query}",
                id_property="grid_code",
                tooltip={"grid_code": "网格", "area_m2": "盲区面积（m²）"},
                style={
                    "color": "#b2182b",
                    "weight": 0.5,
                    "fillColor": "#ef8a62",
                    "fillOpacity": 0.35,
                },
            )
        )
    layers.append(
        LazyLayer(
            name="巡逻路线（最近保存）",
            url=f"/v1/patrol/recent-routes?{urlencode({'crs': crs})}",
            id_property="plan_id",
            tooltip={
                "name": "方案",
                "teams": "队数",
                "distance_km": "里程（km）",
                "created_at": "保存于",
            },
            style={"color": "#6a3d9a", "weight": 3, "opacity": 0.85},
        )
    )
    return layers


def tile_source(
    tiles: TileService, layer: str, settings: Settings, *, count: int | None = None
) -> TileSource:
    """A map_ui tile source for one of our tile layers at its current version."""
    return TileSource(
        url=tile_url(layer, tiles.version(layer), crs=display_crs(settings)),
        layer=layer,
        minzoom=TILE_LAYERS[layer].minzoom,
        count=count,
    )


def count_grids(session: Session, principal: Principal) -> int:
    """Current grids in the caller's jurisdiction."""
    query = select(func.count()).select_from(Grid).where(Grid.valid_to.is_(None))
    if principal.jurisdiction:
        query = query.where(Grid.code.startswith(principal.jurisdiction, autoescape=True))
    return int(session.scalar(query) or 0)


def load_areas(
    session: Session, principal: Principal, settings: Settings
) -> tuple[gpd.GeoDataFrame, bool]:
    """Areas for a page, and whether the villages are too many to put inline.

    Above the limit the frame holds the county and towns with geometry, and the villages'
    codes and kinds only (empty geometries; they are drawn from tiles).
    """
    query = select(func.count()).select_from(AdminArea).where(AdminArea.level == "village")
    if principal.jurisdiction:
        query = query.where(AdminArea.code.startswith(principal.jurisdiction, autoescape=True))
    villages = int(session.scalar(query) or 0)
    areas = load_frame(session, COLLECTIONS["admin-areas"], principal=principal)
    if areas.empty:
        where = f"in area {principal.jurisdiction}" if principal.jurisdiction else "yet"
        raise NotFound(
            f"no administrative areas are loaded {where}: import them "
            "(gridmap import admin-areas FILE) or load the demo (gridmap demo load)"
        )
    too_many = villages > settings.inline_feature_limit
    if too_many:
        areas = areas.copy()
        areas.loc[areas["level"] == "village", areas.geometry.name] = None
    return to_display(areas, settings), too_many


def grids_frame(
    session: Session, principal: Principal, settings: Settings
) -> tuple[gpd.GeoDataFrame, bool]:
    """The current grids inline; or, over the limit, an empty frame with the same columns and
    True (the page then draws them from tiles).
    """
    collection = COLLECTIONS["grids"]
    if count_grids(session, principal) > settings.inline_feature_limit:
        columns = collection.visible_properties(principal)
        empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=4490)
        return empty, True
    return to_display(load_frame(session, collection, principal=principal), settings), False


def grid_popup(principal: Principal) -> list[tuple[str, str]]:
    """(field, Chinese label) of what a grid's popup lists for this caller."""
    return [(f.name, f.label) for f in GRIDS.select((KEY, PARENT, DETAIL), caller=principal)]


def overview_html(
    factory: sessionmaker[Session],
    *,
    principal: Principal,
    settings: Settings,
    tiles: TileService | None = None,
) -> str:
    """The overview page: every layer the caller may see, assets served by this app."""
    tiles = tiles or TileService(factory, max_bytes=0, ttl=0)
    with factory() as session:
        areas, village_tiles = load_areas(session, principal, settings)
        grids, grid_tiles = grids_frame(session, principal, settings)
        layers = {
            name: to_display(load_frame(session, COLLECTIONS[name], principal=principal), settings)
            for name in ("cameras", "key-sites", "relocation-sites")
        }
        m = build_overview_map(
            areas=areas,
            grids=grids,
            cameras=layers["cameras"],
            key_sites=layers["key-sites"],
            relocation_sites=layers["relocation-sites"],
            basemap=basemap_options(settings),
            community_households=settings.community_households,
            village_households=settings.village_households,
            grid_tiles=tile_source(tiles, "grids", settings) if grid_tiles else None,
            village_tiles=tile_source(tiles, "areas", settings) if village_tiles else None,
            grid_popup=grid_popup(principal),
        )
    for layer in lazy_layers(areas, settings):
        add_lazy_layer(m, layer)
    PageNav(page_links(areas), current="/map").add_to(m)
    return with_blank_icon(offline_html(m))
