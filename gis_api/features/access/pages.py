"""The map pages and their login: a key is entered once and kept in a signed, http-only cookie."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boundaries.errors import AuthenticationRequired, GridmapError
from gis_api.core.auth import Principal
from gis_api.core.deps import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    session_cookie_value,
)
from map_ui.templating import render

router = APIRouter(tags=["maps"])


def login_page(next_path: str, error: str = "") -> str:
    """The login form (``map_ui/templates/login.html``): a key, and where to go after."""
    return render("login.html", next=next_path, error=error)


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/map"
    return value


OPEN: dict[str, Any] = {"security": []}
"""``openapi_extra`` of a route that needs no key."""


@router.get(
    "/login",
    response_class=HTMLResponse,
    summary="Log in to the map pages",
    openapi_extra=OPEN,
)
async def login_form(next: str | None = None) -> HTMLResponse:
    """A form that takes a key once."""
    return HTMLResponse(login_page(_safe_next(next)))


@router.post(
    "/login",
    response_class=HTMLResponse,
    summary="Check a key and start a session",
    openapi_extra=OPEN,
    responses={
        303: {"description": "the key is good: to `next`, with the session cookie"},
        401: {"description": "the login form again, saying the key is not valid"},
        403: {"description": "the login form again, saying the key's role may not read"},
    },
)
async def login(
    request: Request,
    key: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """A valid key sets a signed, http-only cookie holding its hash; the key itself is not kept."""
    target = _safe_next(next)
    try:
        principal: Principal = request.app.state.keys.verify(key.strip())
        principal.require("read")
    except GridmapError as exc:
        return HTMLResponse(
            login_page(target, exc.message),
            status_code=401 if isinstance(exc, AuthenticationRequired) else 403,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie_value(request.app.state.settings, key.strip()),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get(
    "/logout",
    response_class=RedirectResponse,
    status_code=303,
    summary="End the map session",
    openapi_extra=OPEN,
)
async def logout() -> Response:
    """Forget the session cookie."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
