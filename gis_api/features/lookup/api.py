"""Which grid is this point in: single and batch lookups.

``GET /v1/lookup`` is the hot path that other services call for every record they handle. It
is a bare Starlette route (``HOT_ROUTES``, mounted by the app factory and documented in the
OpenAPI schema by hand), as is ``/healthz``: both skip FastAPI's dependency injection and
validation, so the benchmark's ratio between them measures the lookup's own work.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import unquote_plus

import orjson
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Scope

from boundaries.errors import CoordinatesOutOfRange, InvalidInput
from gis_api.core.deps import LookupCaller, get_principal
from gis_api.core.errors import error_doc, error_responses
from gis_api.features.lookup import batch
from gis_api.features.lookup.instants import parse_at
from gis_api.features.lookup.models import BatchAnswer, LookupAnswer
from gis_api.features.lookup.points import CRS_CHOICES, to_storage
from gis_api.features.lookup.postgis import lookup_postgis
from gis_api.features.lookup.service import answer_one_json
from gis_api.schema.answers import content_of

router = APIRouter(prefix="/v1", tags=["lookup"])

LOOKUP_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "lon",
        "in": "query",
        "required": True,
        "schema": {"type": "number", "minimum": -180, "maximum": 180},
        "description": "Longitude in the given crs",
    },
    {
        "name": "lat",
        "in": "query",
        "required": True,
        "schema": {"type": "number", "minimum": -90, "maximum": 90},
        "description": "Latitude in the given crs",
    },
    {
        "name": "crs",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(CRS_CHOICES), "default": "wgs84"},
        "description": "wgs84 (default), cgcs2000, gcj02 or bd09",
    },
    {
        "name": "at",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "answer with the grids valid then: a date YYYY-MM-DD (the end of that "
        "day in China Standard Time, UTC+8) or an ISO 8601 date-time (no offset: CST)",
    },
]


def _json(body: object) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


def _parse_query(raw: bytes) -> dict[str, str]:
    """``a=1&b=2`` to a dict (the last value wins), percent-decoding only when needed."""
    out: dict[str, str] = {}
    if not raw:
        return out
    for part in raw.decode("latin-1").split("&"):
        name, _, value = part.partition("=")
        if "%" in part or "+" in part:
            name, value = unquote_plus(name), unquote_plus(value)
        out[name] = value
    return out


def _number(params: dict[str, str], name: str) -> float:
    raw = params.get(name)
    if raw is None:
        raise InvalidInput(f"query parameter {name} is required")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"query parameter {name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise CoordinatesOutOfRange(f"query parameter {name}={raw!r} is not a finite number")
    return value


def _api_key(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            return str(value.decode("latin-1").strip())
    return None


async def lookup_endpoint(request: Request) -> Response:
    """Answer from the in-memory index; a point in no grid answers ``"grid": null``.

    The key is a cached hash look-up, the parameters are parsed by hand, and the answer is
    assembled from JSON fragments cached per grid and area.
    """
    key = _api_key(request.scope)
    state = request.app.state
    principal = state.keys.verify(key) if key else await get_principal(request)
    principal.require("lookup")
    params = _parse_query(request.scope["query_string"])
    lon, lat = _number(params, "lon"), _number(params, "lat")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise CoordinatesOutOfRange(
            f"lon must be in [-180, 180] and lat in [-90, 90]; got lon={lon}, lat={lat}"
        )
    x, y, crs_name = to_storage(lon, lat, params.get("crs"))
    query: dict[str, object] = {"lon": lon, "lat": lat, "crs": crs_name}
    if crs_name in ("gcj02", "bd09"):
        query["wgs84"] = [x, y]
    at = params.get("at")
    if at is not None:
        return await _lookup_at(request, at, x=x, y=y, query=query, principal=principal)
    if state.settings.lookup_backend == "postgis":
        answer = await run_in_threadpool(_postgis, request, x, y, principal)
        return _json({"query": query, **answer})
    fragment = answer_one_json(state.lookup.model, x=x, y=y, principal=principal)
    return Response(
        b'{"query":' + orjson.dumps(query) + b"," + fragment + b"}",
        media_type="application/json",
    )


async def _lookup_at(
    request: Request, at: str, *, x: float, y: float, query: dict[str, object], principal: Any
) -> Response:
    """The same answer from the grids valid at ``at`` (a model per instant, cached)."""
    instant = parse_at(at)
    model = await run_in_threadpool(request.app.state.lookup.model_at_cached, instant)
    query["at"] = instant.isoformat()
    fragment = answer_one_json(model, x=x, y=y, principal=principal)
    return Response(
        b'{"query":' + orjson.dumps(query) + b"," + fragment + b"}",
        media_type="application/json",
    )


LOOKUP_DOC: dict[str, Any] = {
    "get": {
        "tags": ["lookup"],
        "summary": "The grid, village, town and county of a point",
        "description": "Answered from the in-memory index (refreshed when grids change). A point "
        'in no grid answers `"grid": null` with the deepest area found; the leader\'s phone '
        "only for roles that may see personal data; a key limited to an area sees nothing "
        "outside it. Out-of-range coordinates get a 422.",
        "operationId": "lookup_v1_lookup_get",
        "parameters": LOOKUP_PARAMETERS,
        "responses": {
            "200": {
                "description": "query, grid, village, town and county (each may be null)",
                "content": content_of(LookupAnswer),
            },
            **{str(status): error_doc(status) for status in (401, 403, 422, 503)},
        },
    }
}
HOT_ROUTES = [("/v1/lookup", lookup_endpoint, LOOKUP_DOC)]
DOC_MODELS = [LookupAnswer]
"""Models the hand-written docs refer to (added to the schema's components)."""
BODY_LIMITS = [("POST", "/v1/lookup/batch", "body_limit_lookup_batch_mb")]
"""Bodies limited while they are read (``gis_api.core.limits``)."""


def _postgis(request: Request, x: float, y: float, principal: object) -> dict[str, object]:
    with request.app.state.session_factory() as session:
        return lookup_postgis(session, x=x, y=y, principal=principal)  # type: ignore[arg-type]


@router.post(
    "/lookup/batch",
    summary="Look up many points at once (JSON or CSV)",
    response_model=BatchAnswer,
    responses={
        200: {
            "description": "JSON in, JSON out; CSV in, the CSV with the codes and names added",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **error_responses(413, 503),
    },
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
    at: Annotated[
        str | None,
        Query(description="the grids valid then: YYYY-MM-DD (end of day, CST) or a date-time"),
    ] = None,
) -> Response:
    """Answer in the order of the points. JSON in, JSON out; CSV in, CSV out (columns echoed)."""
    settings = request.app.state.settings
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    body = await request.body()
    model = request.app.state.lookup.model
    instant = None
    if at is not None:
        instant = parse_at(at)
        model = await run_in_threadpool(request.app.state.lookup.model_at_cached, instant)
    payload, media_type = await run_in_threadpool(
        batch.answer_batch,
        model,
        body=body,
        content_type=content_type,
        crs=crs,
        principal=principal,
        limit=settings.lookup_batch_limit,
        threads=settings.lookup_threads,
        at=instant.isoformat() if instant is not None else None,
    )
    return Response(payload, media_type=media_type)
