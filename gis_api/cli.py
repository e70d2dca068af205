"""The ``gridmap`` command: database, imports, the demo county, keys, the server."""

from __future__ import annotations

from typing import Annotated

import typer

from gis_api.core import migrate
from gis_api.core.cli import err, errors, load_settings
from gis_api.core.logging import logging_config
from gis_api.features.access import cli as access_cli
from gis_api.features.coverage import cli as coverage_cli
from gis_api.features.demo import cli as demo_cli
from gis_api.features.imports import cli as imports_cli
from gis_api.features.incidents import cli as incidents_cli
from gis_api.features.patrol import cli as patrol_cli
from gis_api.features.planning import cli as planning_cli
from gis_api.features.roads import cli as roads_cli

app = typer.Typer(
    help="gridmap: grids, cameras and incidents of grid-based governance (网格化服务管理).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


# --- db ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Run the migrations up to REVISION (default: every head)."""
    settings = load_settings()
    with errors():
        migrate.upgrade(settings.database_url, revision)
    err.print(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Take the schema down to REVISION."""
    migrate.downgrade(load_settings().database_url, revision)
    err.print(f"database at {revision}")


# --- serve ---------------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    log_level: Annotated[
        str | None, typer.Option(help="log level (default: GRIDMAP_LOG_LEVEL, info)")
    ] = None,
) -> None:
    """Run the service (uvicorn). Each worker loads the lookup index and listens for changes.

    Logs are JSON lines on stderr with the request id; the access log is the app's own
    (``GRIDMAP_ACCESS_LOG``, on by default), so uvicorn's, which cannot know the request id,
    stays off.
    """
    import uvicorn

    settings = load_settings()  # fail early on bad configuration
    level = log_level or settings.log_level
    uvicorn.run(
        "gis_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=level,
        log_config=logging_config(level),
        access_log=False,
    )


for feature_cli in (
    access_cli,
    imports_cli,
    demo_cli,
    roads_cli,
    patrol_cli,
    planning_cli,
    coverage_cli,
    incidents_cli,
):
    feature_cli.register(app)


def main() -> None:
    """Entry point of the console script."""
    app()
