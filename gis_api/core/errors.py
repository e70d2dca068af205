"""One status map for the domain's errors, and the handlers that use it.

A client gets ``{"error": <kind>, "message": <what was wrong and where>, "details": ...}`` and
never a stack trace. Every 5xx is logged with its trace. A database error is translated once,
by ``gis_api.core.db_errors``, into the domain error it means; a passing fault (a deadlock, a
database out of reach) is answered 409 or 503 with a ``Retry-After`` header. An error nobody
expected is answered 500 by the request middleware (``gis_api.core.logging``), which logs it.
"""

from __future__ import annotations

import logging

import orjson
import psycopg2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from boundaries import errors as e
from gis_api.core.db_errors import translate

log = logging.getLogger(__name__)

# Most specific first: the first class in the MRO of the raised error that is here decides.
STATUS: dict[type[e.GridmapError], int] = {
    e.BadParameter: 400,
    e.ValidationFailed: 422,
    e.InvalidGeometry: 422,
    e.InvalidCode: 422,
    e.CoordinatesOutOfRange: 422,
    e.UnknownCRS: 422,
    e.InvalidInput: 422,
    e.NotFound: 404,
    e.DuplicateCode: 409,
    e.Conflict: 409,
    e.TooLarge: 413,
    e.AuthenticationRequired: 401,
    e.PermissionDenied: 403,
    e.ServiceUnavailable: 503,
    e.GridmapError: 500,
}

KIND: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal",
    503: "unavailable",
}


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer (``error_response``)."""

    error: str = Field(description="the kind: " + ", ".join(sorted(set(KIND.values()))))
    message: str = Field(description="what was wrong and where, for a person")
    details: object = Field(
        None, description="when given: the problems one by one (e.g. 422: where, reason)"
    )


ERROR_MEANINGS: dict[int, str] = {
    400: "a parameter that is not understood (named in the message)",
    401: "no key, or a key that is not valid",
    403: "the key's role or jurisdiction does not allow this",
    404: "nothing with that id or code (within the key's jurisdiction)",
    409: "a conflict with the current state (the message says what to do)",
    413: "the upload or batch is larger than the limit",
    422: "invalid input: each problem with where it is",
    503: "a service this needs is not available now; try again later",
}
ERROR_SCHEMA_REF = "#/components/schemas/ErrorBody"


def error_doc(status: int) -> dict[str, object]:
    """The OpenAPI response object of an error status (for hand-written operation docs)."""
    return {
        "description": ERROR_MEANINGS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}},
    }


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """``responses=`` of a route or router: these statuses answer ``ErrorBody``."""
    return {s: {"model": ErrorBody, "description": ERROR_MEANINGS[s]} for s in statuses}


def status_for(exc: e.GridmapError) -> int:
    """The HTTP status of a domain error."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


INTERNAL_MESSAGE = "internal error; it has been logged"
FASTAPI_UNREADABLE_BODY = "There was an error parsing the body"
"""FastAPI's 400 for a body it cannot decode (FastAPI's own 422 is for text that is not JSON)."""


def error_response(
    status: int,
    message: str,
    *,
    details: object = None,
    kind: str | None = None,
    retry_after: int | None = None,
) -> Response:
    """The JSON body every error has; ``details.retry_after`` (seconds) is also sent as the
    ``Retry-After`` header, which clients and proxies understand.
    """
    body: dict[str, object] = {"error": kind or KIND.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="gridmap"'
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if (
        retry_after is None
        and isinstance(details, dict)
        and isinstance(details.get("retry_after"), int)
    ):
        headers["Retry-After"] = str(details["retry_after"])
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers=headers or None,
    )


def domain_response(
    request: Request, exc: e.GridmapError, *, cause: BaseException | None = None
) -> Response:
    """The answer to a domain error; a 5xx is logged with its trace (the cause's, if any)."""
    status = status_for(exc)
    if status >= 500:
        log.error(
            "%s %s failed: %s",
            request.method,
            request.url.path,
            exc.message,
            exc_info=cause or exc,
        )
        if status == 500:
            return error_response(status, INTERNAL_MESSAGE)
    retry_after = exc.retry_after
    if retry_after is None and status == 503:
        retry_after = int(request.app.state.settings.retry_after_seconds)
    return error_response(status, exc.message, details=exc.details, retry_after=retry_after)


def _location(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    where = loc[0] if loc else "request"
    return f"{where} {'.'.join(parts)}".strip()


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(e.GridmapError)
    async def _domain(request: Request, exc: e.GridmapError) -> Response:
        return domain_response(request, exc)

    async def _database(request: Request, exc: Exception) -> Response:
        domain = translate(exc)
        if domain is None:
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return error_response(500, INTERNAL_MESSAGE)
        return domain_response(request, domain, cause=exc)

    app.add_exception_handler(SQLAlchemyError, _database)
    app.add_exception_handler(psycopg2.Error, _database)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": _location(tuple(err.get("loc", ()))), "reason": err.get("msg", "invalid")}
            for err in exc.errors()
        ]
        message = "; ".join(f"{p['where']}: {p['reason']}" for p in problems[:5])
        return error_response(422, message or "invalid request", details=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 400 and message == FASTAPI_UNREADABLE_BODY:
            # a body that is not text (not UTF-8) is invalid input like one that is not JSON
            reason = "is not JSON text (UTF-8)"
            return error_response(
                422, f"body: {reason}", details=[{"where": "body", "reason": reason}]
            )
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        if exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        response = error_response(exc.status_code, message)
        # e.g. a 405's ``Allow``: the methods the path does take (RFC 9110 requires it)
        response.headers.update(exc.headers or {})
        return response
