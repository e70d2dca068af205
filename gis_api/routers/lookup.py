"""Which grid is this point in: single and batch lookups."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from boundaries.errors import CoordinatesOutOfRange
from gis_api.deps import LookupCaller
from gis_api.lookup import batch
from gis_api.lookup.points import to_storage
from gis_api.lookup.postgis import lookup_postgis
from gis_api.lookup.service import answer_one

router = APIRouter(prefix="/v1", tags=["lookup"])


def _json(body: object) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/lookup", summary="The grid, village, town and county of a point")
async def lookup(
    request: Request,
    principal: LookupCaller,
    lon: Annotated[float, Query(description="Longitude in the given crs")],
    lat: Annotated[float, Query(description="Latitude in the given crs")],
    crs: Annotated[str, Query(description="wgs84 (default), cgcs2000, gcj02 or bd09")] = "wgs84",
) -> Response:
    """Answer from the in-memory index; a point in no grid answers ``"grid": null``."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise CoordinatesOutOfRange(
            f"lon must be in [-180, 180] and lat in [-90, 90]; got lon={lon}, lat={lat}"
        )
    x, y, crs_name = to_storage(lon, lat, crs)
    query: dict[str, object] = {"lon": lon, "lat": lat, "crs": crs_name}
    if crs_name in ("gcj02", "bd09"):
        query["wgs84"] = [x, y]
    state = request.app.state
    if state.settings.lookup_backend == "postgis":
        answer = await run_in_threadpool(_postgis, request, x, y, principal)
    else:
        answer = answer_one(state.lookup.model, x=x, y=y, principal=principal)
    return _json({"query": query, **answer})


def _postgis(request: Request, x: float, y: float, principal: object) -> dict[str, object]:
    with request.app.state.session_factory() as session:
        return lookup_postgis(session, x=x, y=y, principal=principal)  # type: ignore[arg-type]


@router.post(
    "/lookup/batch",
    summary="Look up many points at once (JSON or CSV)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["points"],
                        "properties": {
                            "crs": {"type": "string", "enum": list(batch.CRS_CHOICES)},
                            "points": {
                                "type": "array",
                                "items": {"type": "array", "items": {"type": "number"}},
                            },
                        },
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
async def lookup_batch(
    request: Request,
    principal: LookupCaller,
    crs: Annotated[
        str | None, Query(description="crs of the points (CSV; JSON may say it in the body)")
    ] = None,
) -> Response:
    """Answer in the order of the points. JSON in, JSON out; CSV in, CSV out (columns echoed)."""
    settings = request.app.state.settings
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    body = await request.body()
    model = request.app.state.lookup.model
    payload, media_type = await run_in_threadpool(
        batch.answer_batch,
        model,
        body=body,
        content_type=content_type,
        crs=crs,
        principal=principal,
        limit=settings.lookup_batch_limit,
        threads=settings.lookup_threads,
    )
    return Response(payload, media_type=media_type)
