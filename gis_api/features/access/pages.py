"""The map pages and their login: a key is entered once and opens a session (see core/sessions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boundaries.errors import AuthenticationRequired, GridmapError
from gis_api.core.auth import Principal
from gis_api.core.deps import end_session, start_session
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
    """A valid key opens a session: an http-only cookie holds its random id (the key itself
    is not kept, and the database keeps only the id's hash).
    """
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
    start_session(request, response, principal)
    return response


@router.get(
    "/logout",
    response_class=RedirectResponse,
    status_code=303,
    summary="End the map session",
    openapi_extra=OPEN,
)
def logout(request: Request) -> Response:
    """End the session: its row is deleted, so the same cookie is refused from now on."""
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response


@router.post(
    "/logout",
    response_class=RedirectResponse,
    status_code=303,
    summary="End the map session (from a form)",
    openapi_extra=OPEN,
)
def logout_form(request: Request) -> Response:
    """The same as ``GET /logout``."""
    return logout(request)
