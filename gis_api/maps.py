"""Data for the map pages, read from PostGIS within the caller's jurisdiction, drawn by map_ui.

Layers up to ``GRIDMAP_INLINE_FEATURE_LIMIT`` features go into the page as GeoJSON; larger ones
(a province's grids or villages) are drawn from the app's vector tiles. With a GCJ-02 base map
(``GRIDMAP_BASEMAP_GCJ02``) every vertex we draw is shifted to GCJ-02 here, and the tiles and
the live feed are asked for in GCJ-02, so that our layers line up with the base map.
"""

from __future__ import annotations

from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from boundaries.coords import from_wgs84
from boundaries.errors import NotFound
from gis_api.auth import Principal
from gis_api.models import AdminArea, Grid
from gis_api.ogc.collections import COLLECTIONS, load_frame
from gis_api.settings import Settings
from gis_api.tiles.layers import TILE_LAYERS
from gis_api.tiles.service import TileService
from map_ui.assets import offline_html
from map_ui.lazy import LazyLayer, add_lazy_layer
from map_ui.nav import PageNav
from map_ui.overview import build_overview_map
from map_ui.tiles import TileSource

PAGES = (
    ("总览", "/map"),
    ("事件地图", "/map/incidents"),
    ("实时大屏", "/map/wall"),
)
"""The command-centre pages, linked from each other."""


def page_links(areas: gpd.GeoDataFrame | None = None) -> list[tuple[str, str]]:
    """Links of the page bar: ours, the coverage page of the caller's top area, the patrol
    plans, the planner, and logging out.
    """
    links = list(PAGES)
    if areas is not None:
        top = areas.sort_values("level", key=lambda s: s.map(LEVEL_RANK))
        if not top.empty:
            links.append(("视频覆盖", f"/map/coverage?area={top['code'].iloc[0]}"))
    links.append(("巡逻方案", "/map/patrol"))
    links.append(("网格规划", "/planner"))
    links.append(("退出登录", "/logout"))
    return links


LEVEL_RANK = {"county": 0, "town": 1, "village": 2}


def basemap_options(settings: Settings) -> dict[str, object] | None:
    """The configured base map for ``map_ui.basemaps.add_basemap`` (None: no tiles)."""
    if settings.basemap == "tianditu":
        return {"kind": "tianditu", "key": settings.tianditu_key}
    if settings.basemap == "xyz":
        return {
            "kind": "xyz",
            "template": settings.basemap_url,
            "attribution": settings.basemap_attribution,
        }
    return None


def display_crs(settings: Settings) -> str:
    """``gcj02`` when the base map is in GCJ-02, else ``wgs84``."""
    return "gcj02" if settings.basemap_gcj02 else "wgs84"


def to_display(frame: gpd.GeoDataFrame, settings: Settings) -> gpd.GeoDataFrame:
    """The frame as drawn: shifted to GCJ-02 vertex by vertex for a GCJ-02 base map."""
    return shift_frame(frame, display_crs(settings))


def shift_frame(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """A frame stored in CGCS2000/WGS84 with every vertex moved to ``crs`` (gcj02, bd09);
    wgs84 and cgcs2000 leave it as it is.
    """
    if crs in ("wgs84", "cgcs2000") or frame.empty:
        return frame

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    geoms = shapely.transform(np.asarray(frame.geometry.array, dtype=object), shift)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


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
    from gis_api.routers.tiles import tile_url

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
        )
    for layer in lazy_layers(areas, settings):
        add_lazy_layer(m, layer)
    PageNav(page_links(areas), current="/map").add_to(m)
    return with_blank_icon(offline_html(m))


def with_blank_icon(page: str) -> str:
    """Declare an empty icon so the browser does not ask the server for /favicon.ico."""
    return page.replace("<head>", '<head>\n    <link rel="icon" href="data:,">', 1)
