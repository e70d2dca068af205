"""Request body limits per route, enforced while the body is read.

A feature module declares ``BODY_LIMITS``: ``(method, path template, setting)`` — the setting
(``Settings.body_limit_*_mb``) holds the size. The app factory collects them (like
``HOT_ROUTES``) into ``BodyLimitMiddleware``, which refuses a declared ``Content-Length`` above
the limit before anything is read, and stops a body without one (chunked) as soon as it passes
the limit; either way the client gets a 413 naming the limit and the setting that raises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_api.core.errors import error_response
from gis_api.core.settings import Settings

MB = 1024 * 1024


@dataclass(frozen=True)
class BodyLimit:
    """One route's limit: its method, path pattern, size in bytes and the setting's name."""

    method: str
    path: str
    pattern: re.Pattern[str]
    limit: int
    setting: str

    def message(self, path: str) -> str:
        """What a client is told when its body (sent to ``path``) is too large."""
        size = self.limit / MB
        return (
            f"the body of {self.method} {path} may be at most {size:g} MB "
            f"(setting GRIDMAP_{self.setting.upper()}); this one is larger: split it"
        )


def body_limits(declared: list[tuple[str, str, str]], settings: Settings) -> tuple[BodyLimit, ...]:
    """The limits of ``(method, path template, setting name)`` with sizes from ``settings``."""
    limits = []
    for method, path, setting in declared:
        pattern, _, _ = compile_path(path)
        size = int(getattr(settings, setting) * MB)
        limits.append(BodyLimit(method.upper(), path, pattern, size, setting))
    return tuple(limits)


class BodyLimitMiddleware:
    """Refuses request bodies above the limit of their route (413)."""

    def __init__(self, app: ASGIApp, limits: tuple[BodyLimit, ...]) -> None:
        self.app = app
        self.limits = limits

    def _limit(self, scope: Scope) -> BodyLimit | None:
        for limit in self.limits:
            if scope["method"] == limit.method and limit.pattern.match(scope["path"]):
                return limit
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit.limit:
                response = error_response(413, limit.message(scope["path"]))
                response.headers["Connection"] = "close"  # the rest of the body is not read
                await response(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.limit:
                    raise HTTPException(413, limit.message(scope["path"]))
            return message

        await self.app(scope, counted, send)
