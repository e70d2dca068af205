"""The open endpoints, bare Starlette routes like the lookup (see features/lookup/api.py).

``/healthz`` is liveness: the process answers; it touches nothing, so a database outage never
makes an orchestrator restart a process that is still answering lookups from memory.
``/readyz`` is readiness: the database answers ``SELECT 1`` within a short timeout, the change
listener is connected (when enabled) and the lookup index is loaded; 200 when all hold, 503
(with what is wrong) when not.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.to_thread
import orjson
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from gis_api.features.health.models import Health
from gis_api.schema.answers import content_of

_OK = b'{"status":"ok"}'


async def healthz(request: Request) -> Response:
    """Answer ``{"status": "ok"}``; needs no key and touches nothing."""
    return Response(_OK, media_type="application/json")


def _select_one(request: Request) -> None:
    with request.app.state.session_factory() as session:
        session.execute(text("SELECT 1"))


async def _database(request: Request) -> dict[str, Any]:
    timeout = request.app.state.settings.readiness_timeout_seconds
    started = time.monotonic()
    error = None
    with anyio.move_on_after(timeout) as scope:
        try:
            # abandoned (not waited for) when the timeout passes: a hung connect cannot hold us
            await anyio.to_thread.run_sync(_select_one, request, abandon_on_cancel=True)
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if scope.cancelled_caught:
        error = f"no answer to SELECT 1 within {timeout:g} s"
    elapsed = round((time.monotonic() - started) * 1000, 1)
    return {"ok": error is None, "ms": elapsed, "error": error}


def _index(request: Request) -> dict[str, Any]:
    lookup = getattr(request.app.state, "lookup", None)
    if lookup is None or not lookup.loaded:
        return {"loaded": False, "retrying": bool(lookup and lookup.retrying)}
    model = lookup.model
    return {
        "loaded": True,
        "grids": model.grid_count,
        "areas": len(model.areas),
        "age_seconds": round(time.monotonic() - lookup.loaded_monotonic, 1),
        "reloads": lookup.reloads,
        "retrying": lookup.retrying,
        "past_models": {"cached": len(lookup.past), "built": lookup.past.builds},
    }


def _listener(request: Request) -> dict[str, Any]:
    listener = getattr(request.app.state, "listener", None)
    if listener is None:
        return {"enabled": False}
    return {"enabled": True, **listener.status()}


async def readyz(request: Request) -> Response:
    """Report the database, the change listener and the lookup index; 200 if ready, else 503."""
    database = await _database(request)
    listener = _listener(request)
    index = _index(request)
    problems = []
    if not database["ok"]:
        problems.append(f"the database does not answer: {database['error']}")
    if listener["enabled"] and not listener["connected"]:
        problems.append("the change listener is not connected (changes may be missed)")
    if not index["loaded"]:
        problems.append("the lookup index is not loaded")
    body = {
        "status": "not ready" if problems else "ready",
        "problems": problems,
        "database": database,
        "listener": listener,
        "index": index,
    }
    headers = None
    if problems:
        headers = {"Retry-After": str(request.app.state.settings.retry_after_seconds)}
    return Response(
        orjson.dumps(body),
        status_code=503 if problems else 200,
        media_type="application/json",
        headers=headers,
    )


HEALTH_DOC: dict[str, Any] = {
    "get": {
        "tags": ["health"],
        "summary": "Liveness: the process answers (no key needed)",
        "operationId": "healthz_get",
        "security": [],
        "responses": {
            "200": {
                "description": '{"status": "ok"}',
                "content": content_of(Health),
            }
        },
    }
}
READY_DOC: dict[str, Any] = {
    "get": {
        "tags": ["health"],
        "summary": "Readiness: database, change listener and lookup index (no key needed)",
        "description": "200 when the database answers `SELECT 1` within "
        "GRIDMAP_READINESS_TIMEOUT_SECONDS, the change listener is connected (when enabled) "
        "and the lookup index is loaded; 503 with `problems` saying what is not. The body also "
        "gives the listener's last event and the index's size and age.",
        "operationId": "readyz_get",
        "security": [],
        "responses": {
            "200": {"description": '{"status": "ready", "database": …, "listener": …, …}'},
            "503": {"description": '{"status": "not ready", "problems": [...], …}'},
        },
    }
}
HOT_ROUTES = [("/healthz", healthz, HEALTH_DOC), ("/readyz", readyz, READY_DOC)]
DOC_MODELS = [Health]
"""Models the hand-written docs refer to (added to the schema's components)."""
