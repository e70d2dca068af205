"""The API definition and its documentation page, offline and behind a key like every endpoint.

FastAPI's own /docs loads Swagger UI from a CDN and is open to anyone; here the page loads
``swagger-ui-dist`` from the npm packages the app serves, and both the page and
``/openapi.json`` need a key (or the map pages' session).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gis_api.core.deps import authorize
from gis_api.core.pages import page_principal
from map_ui.assets import STATIC_PREFIX

router = APIRouter(include_in_schema=False)

SWAGGER = f"{STATIC_PREFIX}/vendor/swagger-ui-dist"


@router.get("/openapi.json")
async def openapi(request: Request) -> Response:
    """The OpenAPI definition (any valid key)."""
    await authorize(request, "lookup")
    import orjson

    return Response(orjson.dumps(request.app.openapi()), media_type="application/json")


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> Response:
    """Swagger UI, with its assets from this server."""
    principal = await page_principal(request)
    if isinstance(principal, RedirectResponse):
        return principal
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="gridmap API",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        # validatorUrl None: no badge fetched from swagger.io (the intranet has no internet)
        swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
    )
    return HTMLResponse(bytes(page.body), headers={"Cache-Control": "private, no-store"})
