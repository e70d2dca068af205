"""Vector tiles of the large layers: ``/tiles/{layer}/{z}/{x}/{y}.pbf``, rendered by PostGIS.

Map pages switch to these above the inline limit (``GRIDMAP_INLINE_FEATURE_LIMIT``). A tile
holds what the caller's jurisdiction covers (personal properties only for roles that may see
them). Its ETag names the layer's version, and a URL that carries the current version
(``?v=``) may be cached for a day; publishing grids bumps the version, so pages ask for new
URLs and a revalidation of an old one gets the new tile.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from boundaries.errors import BadParameter
from gis_api.core.deps import Reader, authorize
from gis_api.core.errors import error_doc, error_responses
from gis_api.features.tiles.layers import TILE_LAYERS, get_layer
from gis_api.features.tiles.models import TileJSON, TileLayer
from gis_api.features.tiles.render import MAX_ZOOM, check_tile, render_tile
from gis_api.features.tiles.service import TileService, tile_service, tile_url
from gis_api.schema.answers import AnswerRoute

router = APIRouter(tags=["tiles"], route_class=AnswerRoute)

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
IMMUTABLE = "private, max-age=86400, immutable"
REVALIDATE = "private, no-cache"


async def _version(tiles: TileService, layer: str) -> int:
    if tiles.versions_fresh():
        return tiles.version(layer)
    return await run_in_threadpool(tiles.version, layer)


@router.get(
    "/tiles",
    summary="The vector tile layers and their versions",
    response_model=dict[str, TileLayer],
)
async def layers(request: Request, principal: Reader) -> dict[str, Any]:
    """Each layer with its TileJSON document."""
    tiles = tile_service(request.app)
    return {
        name: {
            "tilejson": f"/tiles/{name}.json",
            "version": await _version(tiles, name),
            "minzoom": spec.minzoom,
        }
        for name, spec in TILE_LAYERS.items()
    }


@router.get(
    "/tiles/{layer}.json",
    summary="TileJSON 3.0 of a layer (QGIS, MapLibre)",
    response_model=TileJSON,
    responses=error_responses(404),
)
async def tilejson(layer: str, request: Request, principal: Reader) -> dict[str, Any]:
    """URL template at the current version, zooms, fields."""
    spec = get_layer(layer)
    version = await _version(tile_service(request.app), layer)
    base = str(request.base_url).rstrip("/")
    fields = {c: t for c, t in spec.visible_columns(personal=principal.personal)}
    return {
        "tilejson": "3.0.0",
        "name": layer,
        "version": f"1.0.{version}",
        "scheme": "xyz",
        "tiles": [base + tile_url(layer, version)],
        "minzoom": spec.minzoom,
        "maxzoom": min(spec.maxzoom, MAX_ZOOM),
        "vector_layers": [{"id": layer, "fields": fields}],
    }


def _query(request: Request) -> tuple[int | None, str]:
    params = request.query_params
    unknown = set(params) - {"v", "crs"}
    if unknown:
        raise BadParameter(f"unknown query parameter(s) {', '.join(sorted(unknown))}; take v, crs")
    raw_v = params.get("v")
    try:
        v = int(raw_v) if raw_v is not None else None
    except ValueError:
        raise BadParameter(f"v={raw_v!r} is not a whole number (the layer version)") from None
    crs = params.get("crs", "wgs84")
    if crs not in ("wgs84", "gcj02"):
        raise BadParameter(f"crs={crs!r}: tiles are in wgs84 (default) or gcj02")
    return v, crs


async def tile_endpoint(request: Request) -> Response:
    """``GET /tiles/{layer}/{z}/{x}/{y}.pbf``: one vector tile, a bare Starlette route.

    A map page asks for dozens of tiles at once, so like the lookup this skips FastAPI's
    parameter machinery (it cost ~4× the cached tile's own work). ``v`` is the layer version
    the page was built with; ``crs=gcj02`` shifts every vertex to GCJ-02 for a GCJ-02 base map.
    """
    layer = request.path_params["layer"]
    z, x, y = request.path_params["z"], request.path_params["x"], request.path_params["y"]
    v, crs = _query(request)
    principal = await authorize(request, "read")
    spec = get_layer(layer)
    check_tile(z, x, y)
    tiles = tile_service(request.app)
    version = await _version(tiles, layer)
    personal = principal.personal
    scope = hashlib.sha1(
        f"{principal.jurisdiction}|{int(personal)}|{crs}".encode(), usedforsecurity=False
    ).hexdigest()[:12]
    etag = f'"{layer}.{version}.{scope}"'
    headers = {
        "ETag": etag,
        "Cache-Control": IMMUTABLE if v == version else REVALIDATE,
        "Vary": "Cookie, X-API-Key, Authorization",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if z < spec.minzoom:  # the layer is not drawn this far out: an empty tile
        return Response(b"", media_type=MEDIA_TYPE, headers=headers)
    key = (layer, version, z, x, y, principal.jurisdiction, personal, crs)
    data = tiles.get(key)
    if data is None:
        data = await run_in_threadpool(
            _render, tiles, spec.name, z, x, y, principal.jurisdiction, personal, crs
        )
        tiles.put(key, data)
    return Response(data, media_type=MEDIA_TYPE, headers=headers)


def _render(
    tiles: TileService,
    layer: str,
    z: int,
    x: int,
    y: int,
    prefix: str,
    personal: bool,
    crs: str,
) -> bytes:
    with tiles.factory() as session:
        return render_tile(
            session,
            TILE_LAYERS[layer],
            z=z,
            x=x,
            y=y,
            prefix=prefix,
            personal=personal,
            crs=crs,
        )


TILE_DOC: dict[str, Any] = {
    "get": {
        "tags": ["tiles"],
        "summary": "One vector tile (Mapbox Vector Tile)",
        "description": "Rendered by PostGIS (ST_AsMVT), cached per worker; ETag names the layer "
        "version, jurisdiction and crs; a URL with the current `v` may be cached for a day.",
        "operationId": "tile_get",
        "parameters": [
            {"name": "layer", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "z", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "x", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "y", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "v", "in": "query", "schema": {"type": "integer"}},
            {
                "name": "crs",
                "in": "query",
                "schema": {"type": "string", "enum": ["wgs84", "gcj02"]},
            },
        ],
        "responses": {
            "200": {"description": "the tile", "content": {MEDIA_TYPE: {}}},
            "304": {"description": "not modified"},
            **{str(status): error_doc(status) for status in (400, 401, 403, 404, 422)},
        },
    }
}
HOT_ROUTES = [("/tiles/{layer}/{z:int}/{x:int}/{y:int}.pbf", tile_endpoint, TILE_DOC)]
