"""FastAPI dependencies: the session, the caller, and role checks. Written once, used everywhere."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from boundaries.errors import AuthenticationRequired
from gis_api.core.auth import Principal
from gis_api.core.sessions import SESSION_MAX_AGE
from gis_api.core.settings import Settings

SESSION_COOKIE = "gridmap_session"


def get_session(request: Request) -> Iterator[Session]:
    """A session from the app's factory, closed after the request."""
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put a session id in the page cookie: the one place the cookie is set (login, renewal)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def start_session(request: Request, response: Response, principal: Principal) -> None:
    """Open a session for a verified key and give the browser its cookie."""
    set_session_cookie(request, response, request.app.state.sessions.open(principal))


def end_session(request: Request, response: Response) -> None:
    """Log out: the session is deleted (not only forgotten by this browser)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        request.app.state.sessions.end(token)
    response.delete_cookie(SESSION_COOKIE, path="/")


def renew_session(request: Request, response: Response) -> None:
    """Extend the page session once it is an hour old, so that a wall screen polling the live
    feed stays logged in (a logout or a revoked key ends it all the same).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if token and not key_from_request(request) and request.app.state.sessions.renew(token):
        set_session_cookie(request, response, token)


def key_from_request(request: Request) -> str | None:
    """The API key sent as ``X-API-Key`` or ``Authorization: Bearer``."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        raise AuthenticationRequired("the Authorization header must be 'Bearer <key>'")
    return None


async def get_principal(request: Request) -> Principal:
    """The caller: from the key in the headers, or from the map pages' session cookie."""
    verifier = request.app.state.keys
    key = key_from_request(request)
    if key:
        return verifier.verify(key)  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        return request.app.state.sessions.verify(token)  # type: ignore[no-any-return]
    return verifier.verify(None)  # type: ignore[no-any-return]


async def authorize(request: Request, permission: str) -> Principal:
    """The caller, if its role has ``permission`` (for handlers that skip dependency injection)."""
    principal = await get_principal(request)
    principal.require(permission)
    return principal


def require(permission: str) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency that admits only roles with ``permission``."""

    async def dependency(request: Request) -> Principal:
        principal = await get_principal(request)
        principal.require(permission)
        return principal

    dependency.__name__ = f"require_{permission}"
    return dependency


LookupCaller = Annotated[Principal, Depends(require("lookup"))]
Reader = Annotated[Principal, Depends(require("read"))]
Importer = Annotated[Principal, Depends(require("import"))]
Planner = Annotated[Principal, Depends(require("plan"))]
Admin = Annotated[Principal, Depends(require("admin"))]
