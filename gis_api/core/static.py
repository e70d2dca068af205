"""Static front-end assets (Leaflet and plugins from npm, folium's, ours), served by the app
so the map pages work with no internet. Like every endpoint but /healthz, they need a key or
the pages' session cookie.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from boundaries.errors import GridmapError
from gis_api.core.deps import get_principal
from gis_api.core.errors import error_response, status_for


class ProtectedStatic(StaticFiles):
    """StaticFiles that first checks the caller (and lets browsers cache for a day)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                await get_principal(request)
            except GridmapError as exc:
                response = error_response(status_for(exc), exc.message)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "private, max-age=86400"
        return response


def mount_static(app: FastAPI, mounts: list[tuple[str, Path]]) -> None:
    """Mount each (url prefix, directory) pair; a missing directory is skipped with a warning."""
    import logging

    log = logging.getLogger(__name__)
    for prefix, directory in mounts:
        if not directory.is_dir():
            log.warning("static assets missing at %s (run `make setup`)", directory)
            continue
        app.mount(prefix, ProtectedStatic(directory=directory), name=f"static{prefix}")
