"""One status map for the domain's errors, and the handlers that use it.

A client gets ``{"error": <kind>, "message": <what was wrong and where>, "details": ...}`` and
never a stack trace. Only 5xx are logged with a trace.
"""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from boundaries import errors as e

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


def status_for(exc: e.GridmapError) -> int:
    """The HTTP status of a domain error."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_response(
    status: int, message: str, *, details: object = None, kind: str | None = None
) -> Response:
    """The JSON body every error has; ``details.retry_after`` (seconds) is also sent as the
    ``Retry-After`` header, which clients and proxies understand.
    """
    body: dict[str, object] = {"error": kind or KIND.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    headers = {"WWW-Authenticate": 'Bearer realm="gridmap"'} if status == 401 else {}
    if isinstance(details, dict) and isinstance(details.get("retry_after"), int):
        headers["Retry-After"] = str(details["retry_after"])
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers=headers or None,
    )


def _location(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    where = loc[0] if loc else "request"
    return f"{where} {'.'.join(parts)}".strip()


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(e.GridmapError)
    async def _domain(request: Request, exc: e.GridmapError) -> Response:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return error_response(status, "internal error; it has been logged")
        return error_response(status, exc.message, details=exc.details)

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
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        if exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return error_response(exc.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal error; it has been logged")
