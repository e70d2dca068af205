"""The map pages and their login: a key is entered once and opens a session (see core/sessions)."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boundaries.errors import AuthenticationRequired, GridmapError
from gis_api.core.auth import Principal
from gis_api.core.deps import end_session, start_session

router = APIRouter(tags=["maps"])

LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>gridmap 登录</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; background: #f4f6f8;
       display: flex; align-items: center; justify-content: center; height: 100vh; margin: 0; }}
form {{ background: white; padding: 2rem 2.5rem; border-radius: 8px; box-shadow: 0 2px 8px #0002;
        min-width: 22rem; }}
h1 {{ font-size: 1.3rem; margin: 0 0 1rem; }}
input[type=password] {{ width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }}
button {{ margin-top: 1rem; padding: .5rem 1.2rem; font-size: 1rem; }}
.error {{ color: #b00020; margin: .5rem 0; }}
</style></head>
<body><form method="post" action="/login">
<h1>gridmap 网格化服务管理地图</h1>
<label for="key">API 密钥 (API key)</label>
<input id="key" name="key" type="password" autocomplete="off" autofocus required>
<input type="hidden" name="next" value="{next}">
{error}
<button type="submit">登录 Log in</button>
</form></body></html>
"""


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/map"
    return value


@router.get("/login", response_class=HTMLResponse, summary="Log in to the map pages")
async def login_form(next: str | None = None) -> HTMLResponse:
    """A form that takes a key once."""
    return HTMLResponse(LOGIN_PAGE.format(next=html.escape(_safe_next(next)), error=""))


@router.post("/login", summary="Check a key and start a session")
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
        page = LOGIN_PAGE.format(
            next=html.escape(target), error=f'<p class="error">{html.escape(exc.message)}</p>'
        )
        return HTMLResponse(
            page, status_code=401 if isinstance(exc, AuthenticationRequired) else 403
        )
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, principal)
    return response


@router.get("/logout", summary="End the map session")
def logout(request: Request) -> Response:
    """End the session: its row is deleted, so the same cookie is refused from now on."""
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response


@router.post("/logout", summary="End the map session (from a form)")
def logout_form(request: Request) -> Response:
    """The same as ``GET /logout``."""
    return logout(request)
