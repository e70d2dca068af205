"""The application factory. Nothing is wired at import: ``create_app(settings)`` does it all."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Route

from gis_api.core.auth import KeyVerifier
from gis_api.core.bodies import refuse_control_characters
from gis_api.core.db import make_engine, make_session_factory
from gis_api.core.errors import (
    ERROR_SCHEMA_REF,
    ErrorBody,
    error_doc,
    install_error_handlers,
)
from gis_api.core.limits import BodyLimitMiddleware, body_limits
from gis_api.core.listener import ChangeListener
from gis_api.core.logging import RequestContext
from gis_api.core.origin import SameOriginMiddleware
from gis_api.core.sessions import SessionStore
from gis_api.core.settings import Settings
from gis_api.core.static import mount_static
from gis_api.features.access import pages as access_pages
from gis_api.features.coverage import api as coverage_api
from gis_api.features.coverage import pages as coverage_pages
from gis_api.features.docs import api as docs_api
from gis_api.features.health import api as health_api
from gis_api.features.imports import api as imports_api
from gis_api.features.incidents import api as incidents_api
from gis_api.features.incidents import pages as incidents_pages
from gis_api.features.lookup import api as lookup_api
from gis_api.features.lookup.service import LookupService
from gis_api.features.ogc import api as ogc_api
from gis_api.features.overview import pages as overview_pages
from gis_api.features.patrol import api as patrol_api
from gis_api.features.patrol import pages as patrol_pages
from gis_api.features.planning import api_drafts as planning_drafts_api
from gis_api.features.planning import api_versions as planning_versions_api
from gis_api.features.planning import pages as planning_pages
from gis_api.features.tiles import api as tiles_api
from gis_api.features.tiles.service import TileService
from map_ui.assets import static_mounts

log = logging.getLogger(__name__)

DESCRIPTION = """
gridmap answers the spatial questions of grid-based grassroots governance (网格化服务管理):
which grid a point is in (now or at a past date), the layers as OGC API – Features and vector
tiles, imports of boundaries and sites, grid planning (validation, drafts, publishing,
versions, proposals, export), camera coverage and placement, patrol routes over the roads, and
the incidents of the command centre in their six-step loop.

Every endpoint but `/healthz` (liveness) and `/readyz` (readiness) needs an API key, sent as
`X-API-Key: <key>` or `Authorization: Bearer <key>`. Coordinates are WGS84 lon/lat unless a
`crs` says otherwise (`wgs84`, `cgcs2000`, `gcj02`, `bd09`).
"""


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    """Build the service.

    ``session_factory`` lets tests bind the app to a connection inside a transaction that
    they roll back; by default the lifespan makes an engine from ``settings``.

    With the database unreachable at start the service still starts (and says so in the log):
    whatever needs the database answers 503 with Retry-After, ``/readyz`` answers 503, and the
    lookup index is loaded as soon as the database answers (retried in the background, and
    again when the change listener connects). An orchestrator then keeps the process and
    routes to it once ready, instead of restarting it in a loop while the database starts.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        factory = session_factory
        if factory is None:
            engine = make_engine(settings)
            factory = make_session_factory(engine)
        app.state.session_factory = factory
        app.state.keys = KeyVerifier(
            factory, ttl=settings.key_cache_seconds, stale=settings.key_stale_seconds
        )
        app.state.sessions = SessionStore(
            factory, secret=settings.secret_key, ttl=settings.key_cache_seconds
        )
        app.state.lookup = LookupService(
            factory,
            at_cache=settings.at_cache_models,
            at_builds=settings.at_builds,
            at_wait=settings.at_build_wait_seconds,
        )
        if not app.state.lookup.reload_or_retry():
            log.error(
                "starting without the database: the lookup index is not loaded and requests "
                "that need the database answer 503 until it is reachable (see /readyz)"
            )
        app.state.tiles = TileService(
            factory,
            max_bytes=settings.tile_cache_mb * 1024 * 1024,
            ttl=settings.tile_version_seconds,
        )

        def areas_changed() -> None:
            # tiles first (cheap: their versions are re-read on the next request), then the index
            app.state.tiles.changed()
            app.state.lookup.reload_or_retry()

        def keys_changed() -> None:
            # a revoked key ends its sessions too
            app.state.keys.clear()
            app.state.sessions.clear()

        listener = None
        if settings.listen:
            listener = ChangeListener(
                settings.psycopg_dsn,
                {
                    "grids": areas_changed,
                    "admin_areas": areas_changed,
                    "api_keys": keys_changed,
                    "sessions": app.state.sessions.clear,
                },
            )
            listener.start()
            if app.state.lookup.loaded:  # else the database is away: do not hold the start
                listener.ready.wait(timeout=10)
        app.state.listener = listener
        try:
            yield
        finally:
            app.state.lookup.close()
            if listener is not None:
                listener.stop()
            if engine is not None:
                engine.dispose()

    app = FastAPI(
        title="gridmap",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # served by routers/docs.py: behind a key, with Swagger UI from our own assets
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.settings = settings
    app.add_middleware(SameOriginMiddleware)
    install_error_handlers(app)
    _include_routers(app)
    limits = [limit for module in ROUTE_MODULES for limit in getattr(module, "BODY_LIMITS", ())]
    app.add_middleware(BodyLimitMiddleware, limits=body_limits(limits, settings))
    # outermost: every answer, a 413 from the body limits too, carries the request id
    app.add_middleware(RequestContext, access_log=settings.access_log)
    return app


ROUTE_MODULES: tuple[ModuleType, ...] = (
    # Matched first (after the bare hot routes): FastAPI tries routes in order, so a route near
    # the end pays for matching all those before it; tiles and the live incident feed are asked
    # for most often.
    tiles_api,
    incidents_api,
    access_pages,
    coverage_api,
    coverage_pages,
    docs_api,
    health_api,
    imports_api,
    lookup_api,
    incidents_pages,
    ogc_api,
    overview_pages,
    patrol_api,
    patrol_pages,
    planning_drafts_api,
    planning_pages,
    planning_versions_api,
)
"""Every module with routes: its ``router`` (FastAPI), its ``HOT_ROUTES`` (bare Starlette
routes for the hot path, placed before everything else) and its ``DOC_MODELS`` (response models
that hand-written OpenAPI docs refer to)."""


def _include_routers(app: FastAPI) -> None:
    hot_docs: dict[str, dict[str, object]] = {}
    doc_models: list[type[BaseModel]] = [ErrorBody]
    for module in ROUTE_MODULES:
        for path, endpoint, doc in getattr(module, "HOT_ROUTES", ()):
            app.router.routes.insert(0, Route(path, endpoint, methods=list(doc)))
            hot_docs[re.sub(r"\{(\w+):\w+\}", r"{\1}", path)] = doc  # no converters in OpenAPI
        doc_models.extend(getattr(module, "DOC_MODELS", ()))
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    mount_static(app, static_mounts())
    _document(app, hot_docs, doc_models)


KEYED_ERRORS = ("401", "403", "422")
"""What every operation that needs a key may answer (an open one says ``security: []``)."""
FASTAPI_422 = ("HTTPValidationError", "ValidationError")


def _component_schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    """The JSON schemas of models the hand-written docs refer to, with their own parts."""
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _fastapi_422(response: dict[str, Any] | None) -> bool:
    content = (response or {}).get("content", {}).get("application/json", {})
    return str(content.get("schema", {}).get("$ref", "")).endswith(FASTAPI_422[0])


def _errors_documented(schema: dict[str, Any]) -> None:
    """Every error is an ``ErrorBody``: FastAPI's own 422 schema is replaced, and an
    operation that needs a key says it may answer 401, 403 and 422.
    """
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            keyed = operation.get("security") != []
            for status in KEYED_ERRORS if keyed else ("422",):
                if (keyed and status not in responses) or _fastapi_422(responses.get(status)):
                    responses[status] = error_doc(int(status))
            for status, response in responses.items():
                _error_body_as_json(status, response)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_422:
        schemas.pop(name, None)


def _error_body_as_json(status: str, response: dict[str, Any]) -> None:
    """An error is answered ``application/json`` whatever the route's own media type (FastAPI
    files a route's error models under its ``response_class``, e.g. ``application/geo+json``).
    """
    if not status.isdigit() or int(status) < 400:
        return
    content = response.get("content", {})
    if any(media.get("schema", {}).get("$ref") == ERROR_SCHEMA_REF for media in content.values()):
        response["content"] = {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}}


def _document(
    app: FastAPI, hot_docs: dict[str, dict[str, object]], models: list[type[BaseModel]]
) -> None:
    """Add the bare routes, the error body and the key schemes to the generated OpenAPI schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("paths", {}).update(copy.deepcopy(hot_docs))
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(_component_schemas(models))
        components["securitySchemes"] = {
            "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "HTTPBearer": {"type": "http", "scheme": "bearer"},
        }
        schema["security"] = [{"APIKeyHeader": []}, {"HTTPBearer": []}]
        _errors_documented(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
