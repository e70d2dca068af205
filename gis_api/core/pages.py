"""Data for the map pages, read from PostGIS within the caller's jurisdiction, drawn by map_ui.

Layers up to ``GRIDMAP_INLINE_FEATURE_LIMIT`` features go into the page as GeoJSON; larger ones
(a province's grids or villages) are drawn from the app's vector tiles. With a GCJ-02 base map
(``GRIDMAP_BASEMAP_GCJ02``) every vertex we draw is shifted to GCJ-02 here, and the tiles and
the live feed are asked for in GCJ-02, so that our layers line up with the base map.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import shapely
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boundaries.coords import from_wgs84
from boundaries.errors import AuthenticationRequired, NotFound
from gis_api.core.auth import Principal
from gis_api.core.deps import (
    get_principal,
)
from gis_api.core.settings import Settings
from map_ui.templating import render

PAGES = (
    ("总览", "/map"),
    ("事件地图", "/map/incidents"),
    ("实时大屏", "/map/wall"),
)
"""The command-centre pages, linked from each other."""

LEVEL_RANK = {"county": 0, "town": 1, "village": 2}


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


def with_blank_icon(page: str, *, title: str | None = None) -> str:
    """Declare an empty icon so the browser does not ask the server for /favicon.ico, and give
    the page ``title`` if one is given (``map_ui/templates/head.html``).
    """
    head = render("head.html", title=title).rstrip()
    return page.replace("<head>", "<head>\n    " + head, 1)


async def page_principal(request: Request) -> Principal | RedirectResponse:
    """The caller of a page, or a redirect to the login form."""
    try:
        principal = await get_principal(request)
    except AuthenticationRequired:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target}, safe='/')}", status_code=303)
    principal.require("read")
    return principal


def nothing_page(message: str) -> str:
    """The page shown when there is nothing to show (``map_ui/templates/nothing.html``)."""
    return render("nothing.html", message=message)


PAGE_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {
        "description": "nothing with that id (within the key's jurisdiction): a page saying so",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
}
"""``responses=`` of a page route with an id: ``render_page`` answers 404 as a page, not JSON."""


async def render_page(request: Request, builder: Callable[..., str], **kwargs: object) -> Response:
    """A map page: the login redirect, the page built off the event loop, no caching; a page
    with nothing to show (no areas loaded) says so instead of failing.
    """
    principal = await page_principal(request)
    if isinstance(principal, RedirectResponse):
        return principal
    try:
        page = await run_in_threadpool(
            builder,
            request.app.state.session_factory,
            principal=principal,
            settings=request.app.state.settings,
            **kwargs,
        )
    except NotFound as exc:
        return HTMLResponse(
            nothing_page(exc.message),
            status_code=404,
            headers={"Cache-Control": "private, no-store"},
        )
    return HTMLResponse(page, headers={"Cache-Control": "private, no-store"})
