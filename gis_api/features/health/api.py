"""The one open endpoint, a bare Starlette route like the lookup (see routers/lookup.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gis_api.features.health.models import Health
from gis_api.schema.answers import content_of

_OK = b'{"status":"ok"}'


async def healthz(request: Request) -> Response:
    """Answer ``{"status": "ok"}``; needs no key and touches nothing."""
    return Response(_OK, media_type="application/json")


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
HOT_ROUTES = [("/healthz", healthz, HEALTH_DOC)]
DOC_MODELS = [Health]
"""Models the hand-written docs refer to (added to the schema's components)."""
