"""``gridmap import``: a layer file into the database, all-or-nothing, like the HTTP import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gis_api.core.cli import errors, load_settings, print_import_result, progress, session_factory
from gis_api.core.db import transaction
from gis_api.features.imports.service import import_file


def register(app: typer.Typer) -> None:
    """Add ``import`` to the CLI."""

    @app.command("import")
    def import_(
        layer: Annotated[
            str,
            typer.Argument(
                help="admin-areas, grids, buildings, cameras, key-sites, relocation-sites"
            ),
        ],
        path: Annotated[
            Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile (.shp/.zip), KML, CSV, XLSX")
        ],
        crs: Annotated[
            str | None,
            typer.Option(help="wgs84, cgcs2000, gcj02, bd09 or EPSG:n (overrides the file)"),
        ] = None,
        file_layer: Annotated[
            str | None, typer.Option("--layer", help="GeoPackage layer or sheet")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="check and count; write nothing")
        ] = False,
        network: Annotated[str | None, typer.Option(help="roads only: driving or walking")] = None,
    ) -> None:
        """Import a layer file: all-or-nothing, upsert by code, grids versioned."""
        settings = load_settings()
        with errors(), progress() as bar:
            task = bar.add_task(f"importing {path.name}", total=None)
            with transaction(session_factory(settings)) as session:
                result = import_file(
                    session,
                    layer=layer,
                    path=path,
                    crs=crs,
                    file_layer=file_layer,
                    dry_run=dry_run,
                    options={"network": network} if network else None,
                )
            bar.update(task, total=1, completed=1)
        print_import_result(result)
