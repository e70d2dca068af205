"""Data for the map pages, read from PostGIS within the caller's jurisdiction, drawn by map_ui."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from gis_api.auth import Principal
from gis_api.ogc.collections import COLLECTIONS, load_frame
from gis_api.settings import Settings
from map_ui.assets import offline_html
from map_ui.overview import build_overview_map


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


def overview_html(
    factory: sessionmaker[Session], *, principal: Principal, settings: Settings
) -> str:
    """The overview page: every layer the caller may see, assets served by this app."""
    with factory() as session:
        layers = {
            name: load_frame(session, COLLECTIONS[name], principal=principal)
            for name in ("admin-areas", "grids", "cameras", "key-sites", "relocation-sites")
        }
    m = build_overview_map(
        areas=layers["admin-areas"],
        grids=layers["grids"],
        cameras=layers["cameras"],
        key_sites=layers["key-sites"],
        relocation_sites=layers["relocation-sites"],
        basemap=basemap_options(settings),
        community_households=settings.community_households,
        village_households=settings.village_households,
    )
    return with_blank_icon(offline_html(m))


def with_blank_icon(page: str) -> str:
    """Declare an empty icon so the browser does not ask the server for /favicon.ico."""
    return page.replace("<head>", '<head>\n    <link rel="icon" href="data:,">', 1)
