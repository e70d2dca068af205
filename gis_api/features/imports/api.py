"""Imports over HTTP: the same importers and the same all-or-nothing transaction as the CLI."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import orjson
from fastapi import APIRouter, File, Form, Query, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from boundaries.errors import InvalidInput
from gis_api.core.deps import Importer, SessionDep
from gis_api.features.imports.service import import_file
from gis_api.schema.imports import ImportResult
from gis_api.schema.layers import IMPORT_LAYERS

router = APIRouter(prefix="/v1", tags=["imports"])
BODY_LIMITS = [("POST", "/v1/imports/{layer}", "body_limit_imports_mb")]
"""Uploads limited while they are read (``gis_api.core.limits``)."""


@router.post(
    "/imports/{layer}",
    summary="Import a layer file (planner, admin)",
    description=f"Layers: {', '.join(IMPORT_LAYERS)}. Formats: GeoJSON, GeoPackage, "
    "Shapefile (.zip), KML, CSV/XLSX with lon/lat. All-or-nothing; re-importing the same file "
    "changes nothing.",
    response_model=ImportResult,
)
async def import_layer(
    layer: str,
    principal: Importer,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="the layer file")],
    crs: Annotated[str | None, Form(description="wgs84, cgcs2000, gcj02, bd09 or EPSG:n")] = None,
    file_layer: Annotated[str | None, Form(description="GeoPackage layer or sheet")] = None,
    network: Annotated[
        str | None, Form(description="roads only: driving (default) or walking")
    ] = None,
    dry_run: Annotated[bool, Query(description="check and count, write nothing")] = False,
) -> Response:
    """Check the file, then store it in one transaction; 422 lists every problem."""
    name = Path(file.filename or "").name
    if not name or "." not in name:
        raise InvalidInput("the uploaded file needs a name with its extension (.geojson, .gpkg, …)")
    data = await file.read()

    def work() -> dict[str, object]:
        with tempfile.TemporaryDirectory(prefix="gridmap-import-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            with session.begin():
                result = import_file(
                    session,
                    layer=layer,
                    path=path,
                    crs=crs,
                    file_layer=file_layer,
                    dry_run=dry_run,
                    actor=f"key:{principal.prefix}",
                    jurisdiction=principal.jurisdiction,
                    options={"network": network} if network else None,
                )
        return result.as_dict()

    body = await run_in_threadpool(work)
    return Response(orjson.dumps(body), media_type="application/json")
