"""Data for the map pages, read from PostGIS within the caller's jurisdiction, drawn by map_ui.

Layers up to ``GRIDMAP_INLINE_FEATURE_LIMIT`` features go into the page as GeoJSON; larger ones
(a province's grids or villages) are drawn from the app's vector tiles. With a GCJ-02 base map
(``GRIDMAP_BASEMAP_GCJ02``) every vertex we draw is shifted to GCJ-02 here, and the tiles and
the live feed are asked for in GCJ-02, so that our layers line up with the base map.
"""

from __future__ import annotations

import importlib.util

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from boundaries.coords import from_wgs84
from gis_api.auth import Principal
from gis_api.models import AdminArea, Grid
from gis_api.ogc.collections import COLLECTIONS, load_frame
from gis_api.settings import Settings
from gis_api.tiles.layers import TILE_LAYERS
from gis_api.tiles.service import TileService
from map_ui.assets import offline_html
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
    """Links of the page bar: ours, the coverage and patrol pages when those concerns are
    installed (coverage of the caller's top area), and logging out.
    """
    links = list(PAGES)
    if importlib.util.find_spec("gis_api.routers.coverage") is not None and areas is not None:
        top = areas.sort_values("level", key=lambda s: s.map(LEVEL_RANK))
        if not top.empty:
            links.append(("视频覆盖", f"/map/coverage?area={top['code'].iloc[0]}"))
    if importlib.util.find_spec("gis_api.routers.patrol") is not None:
        links.append(("巡逻方案", "/map/patrol"))
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
    if not settings.basemap_gcj02 or frame.empty:
        return frame

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], "gcj02")
        return np.column_stack([lon, lat])

    geoms = shapely.transform(np.asarray(frame.geometry.array, dtype=object), shift)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


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
    PageNav(page_links(areas), current="/map").add_to(m)
    return with_blank_icon(offline_html(m))


def with_blank_icon(page: str) -> str:
    """Declare an empty icon so the browser does not ask the server for /favicon.ico."""
    return page.replace("<head>", '<head>\n    <link rel="icon" href="data:,">', 1)
