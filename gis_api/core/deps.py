"""FastAPI dependencies: the session, the caller, and role checks. Written once, used everywhere."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from boundaries.errors import AuthenticationRequired
from gis_api.core.auth import Principal, hash_key
from gis_api.core.settings import Settings

SESSION_COOKIE = "gridmap_session"
SESSION_MAX_AGE = 12 * 3600


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


def cookie_serializer(settings: Settings) -> URLSafeTimedSerializer:
    """Signs and checks the map pages' session cookie (it holds the key's hash, not the key)."""
    return URLSafeTimedSerializer(settings.secret_key, salt="gridmap-session")


def session_cookie_value(settings: Settings, key: str) -> str:
    """The signed cookie value for a key."""
    return str(cookie_serializer(settings).dumps({"h": hash_key(key)}))


def _digest_from_cookie(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = cookie_serializer(request.app.state.settings).loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        raise AuthenticationRequired(
            "the session has expired or is not valid; log in again"
        ) from None
    digest = data.get("h") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None


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
    digest = _digest_from_cookie(request)
    if digest:
        return verifier.verify_digest(digest)  # type: ignore[no-any-return]
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
