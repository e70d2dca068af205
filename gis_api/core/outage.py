"""When a part the service needs is away: recognising it, and answering 503 with advice.

A request that needs the database while it is unreachable gets ``503`` with ``Retry-After``
and a message saying what is unavailable and what still works (lookups from memory); the same
for ``ServiceUnavailable`` raised by the domain (an index not loaded yet, too many past models
being built). Neither is a fault of ours, so neither is logged with a trace.
"""

from __future__ import annotations

import logging

import psycopg2
from fastapi import FastAPI, Request
from sqlalchemy import exc as sa_exc
from starlette.responses import Response

from boundaries.errors import ServiceUnavailable
from gis_api.core.errors import error_response

log = logging.getLogger(__name__)

UNREACHABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,  # connection refused or lost, server shutting down
    sa_exc.InterfaceError,  # a connection closed under us
    sa_exc.TimeoutError,  # no connection free in the pool
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)
"""Errors that mean "the database cannot be reached now", not "the request was wrong"."""

DATABASE_AWAY = (
    "the database is unreachable; this request needs it, so it cannot be answered now "
    "(point lookups with a known key still answer from memory); retry later"
)


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (as opposed to a bad query)."""
    return isinstance(exc, UNREACHABLE)


def unavailable(message: str, *, retry_after: int) -> Response:
    """A 503 in the usual error body, with ``Retry-After``."""
    response = error_response(503, message, details={"retry_after_seconds": retry_after})
    response.headers["Retry-After"] = str(retry_after)
    return response


def install_outage_handlers(app: FastAPI) -> None:
    """Answer ``ServiceUnavailable`` and an unreachable database with 503 and ``Retry-After``."""

    def retry_after(request: Request) -> int:
        return int(request.app.state.settings.retry_after_seconds)

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        return unavailable(exc.message, retry_after=retry_after(request))

    async def _database(request: Request, exc: Exception) -> Response:
        log.warning("%s %s: database unreachable (%s)", request.method, request.url.path, exc)
        return unavailable(DATABASE_AWAY, retry_after=retry_after(request))

    for cls in UNREACHABLE:
        app.add_exception_handler(cls, _database)
