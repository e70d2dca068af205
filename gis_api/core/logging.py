"""Structured logs with a request id.

Every log line is one JSON object: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
``request_id`` (when the line was written while serving a request), the ``extra`` fields given
to the call, and ``exc`` (the traceback) for a line logged with one. The access log is a line
per request from the logger ``gridmap.access`` with ``method``, ``path``, ``status``, ``ms``
and ``client`` (``GRIDMAP_ACCESS_LOG=false`` turns it off).

``RequestContext`` is a pure ASGI middleware (cheap enough for the lookup hot path): it takes
``X-Request-ID`` from the request (or makes one), keeps it in a context variable for every log
line of the request, returns it as a response header, writes the access line, and answers an
error nobody expected with a JSON 500 (logged with its traceback, never sent to the client).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import re
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_api.core.errors import INTERNAL_MESSAGE, error_response

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "gridmap_request_id", default=None
)
"""The id of the request being served (``None`` outside a request)."""

access = logging.getLogger("gridmap.access")
log = logging.getLogger("gridmap.requests")

HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's message with terminal colours
}


_factory_installed = False


def install_record_factory() -> None:
    """Give every log record, of any logger, the current ``request_id`` (once per process)."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            line["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key != "request_id":
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def logging_config(level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service (uvicorn's loggers included)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def _new_id() -> str:
    return os.urandom(8).hex()


class RequestContext:
    """The request id, the access line, and a JSON 500 for what nobody expected."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        install_record_factory()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope["headers"]:
            if name == HEADER:
                rid = value.decode("latin-1") if _VALID_ID.match(value) else None
                break
        rid = rid or _new_id()
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500
        started = False
        header = (HEADER, rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("%s %s failed", scope["method"], scope["path"])
            if started:
                raise  # too late for an answer: the server closes the connection
            response = error_response(500, INTERNAL_MESSAGE)
            await response(scope, receive, send_with_id)
        finally:
            if self.access_log and access.isEnabledFor(logging.INFO):
                self._access_line(scope, status, start)
            request_id.reset(token)

    @staticmethod
    def _access_line(scope: Scope, status: int, start: float) -> None:
        # makeRecord + handle: the same line as access.info(...), without the caller lookup
        # (a stack walk) that an access line never needs; this is the request's hot path.
        client = scope.get("client")
        method, path = scope["method"], scope["path"]
        extra = {
            "method": method,
            "path": path,
            "status": status,
            "ms": round((time.perf_counter() - start) * 1000, 3),
            "client": client[0] if client else None,
        }
        record = access.makeRecord(
            access.name,
            logging.INFO,
            __file__,
            0,
            "%s %s %d",
            (method, path, status),
            None,
            extra=extra,
        )
        access.handle(record)
