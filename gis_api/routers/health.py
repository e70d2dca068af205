"""The one open endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

router = APIRouter(tags=["health"])

_OK = b'{"status":"ok"}'


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Response:
    """Answer ``{"status": "ok"}``; needs no key and touches nothing."""
    return Response(_OK, media_type="application/json")
