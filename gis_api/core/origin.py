"""Cross-site request forgery: a state-changing request that rides on the page cookie must come
from our own pages.

A browser sends the session cookie with any request to this host; a request with an API key
in its headers cannot be forged by another site (it cannot set those headers), so only
cookie-authenticated POST, PUT, PATCH and DELETE are checked. Their ``Origin`` (or, without
one, their ``Referer``) must name this host; a foreign one is refused with 403 before any
handler runs. The cookie is also ``SameSite=Strict``; this check does not depend on that.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from gis_api.core.deps import SESSION_COOKIE
from gis_api.core.errors import error_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SameOriginMiddleware:
    """Refuses cookie-authenticated state changes whose Origin/Referer is another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            foreign = _foreign_origin(scope)
            if foreign is not None:
                refusal = error_response(
                    403,
                    f"a request from {foreign[:100]!r} may not use this site's session; "
                    "use the map pages of this site, or send an API key",
                )
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _foreign_origin(scope: Scope) -> str | None:
    """The foreign origin a cookie-authenticated request came from, or ``None`` if it is ours
    (or the request does not ride on the cookie).
    """
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    if "x-api-key" in headers or "authorization" in headers:
        return None
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - an unreadable Cookie header carries no session
        return None
    if SESSION_COOKIE not in cookies:
        return None
    source = headers.get("origin") or headers.get("referer")
    if not source:
        return None  # browsers send Origin with every cross-site POST; tools send neither
    host = headers.get("host", "")
    netloc = urlsplit(source).netloc if source != "null" else "null"
    return None if netloc and netloc.lower() == host.lower() else source
