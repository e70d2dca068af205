"""The ``gridmap`` command: database, imports, the demo county, keys, the server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from boundaries.errors import GridmapError, ValidationFailed
from gis_api.settings import Settings

app = typer.Typer(
    help="gridmap: grids, cameras and incidents of grid-based governance (网格化服务管理).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo county (双流区, 510116).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(demo_app, name="demo")

err = Console(stderr=True)
out = Console()


@contextmanager
def _errors() -> Iterator[None]:
    """Print a domain error as a clear message (and its problems), exit 1; no traceback."""
    try:
        yield
    except ValidationFailed as exc:
        err.print(f"[bold red]error:[/] {exc.summary}")
        for problem in exc.problems[:200]:
            err.print(f"  - {problem}", markup=False, highlight=False)
        if len(exc.problems) > 200:
            err.print(f"  … and {len(exc.problems) - 200} more")
        raise typer.Exit(1) from None
    except GridmapError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        raise typer.Exit(1) from None


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        err.print(f"[bold red]configuration error:[/] {exc}")
        raise typer.Exit(2) from None


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from gis_api.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings, pool_size=2))


# --- db ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Run the migrations up to REVISION (default: every head)."""
    from gis_api import migrate

    settings = _settings()
    with _errors():
        migrate.upgrade(settings.database_url, revision)
    err.print(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Take the schema down to REVISION."""
    from gis_api import migrate

    migrate.downgrade(_settings().database_url, revision)
    err.print(f"database at {revision}")


# --- keys ----------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="admin, planner, dispatcher, service or viewer")],
    area: Annotated[
        str | None, typer.Option(help="jurisdiction: an area code or code prefix; none = all")
    ] = None,
    label: Annotated[str | None, typer.Option(help="a note saying whose key this is")] = None,
) -> None:
    """Make a key; prints only the key on stdout (it is shown once, never stored)."""
    from gis_api.auth import create_key
    from gis_api.db import transaction

    settings = _settings()
    with _errors(), transaction(_factory(settings)) as session:
        row, key = create_key(session, role=role, area=area, label=label)
        from gis_api.audit import record

        record(
            session,
            actor="cli",
            action="key.create",
            area_code=None,
            details={"prefix": row.prefix, "role": role, "jurisdiction": row.jurisdiction},
        )
    sys.stdout.write(key + "\n")
    err.print(f"created {row.role} key {row.prefix}… jurisdiction {row.jurisdiction or '(all)'}")


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="the key, or its prefix")]) -> None:
    """Revoke a key. Every worker forgets it at once (NOTIFY)."""
    from gis_api.audit import record
    from gis_api.auth import revoke_key
    from gis_api.db import transaction

    with _errors(), transaction(_factory(_settings())) as session:
        revoke_key(session, key=key)
        record(session, actor="cli", action="key.revoke", details={"prefix": key[:11]})
    err.print("revoked")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (prefix, role, jurisdiction, dates), never the keys."""
    from gis_api.auth import list_keys

    with _factory(_settings())() as session:
        table = Table("prefix", "role", "jurisdiction", "label", "created", "revoked")
        for k in list_keys(session):
            table.add_row(
                k.prefix,
                k.role,
                k.jurisdiction or "(all)",
                k.label or "",
                f"{k.created_at:%Y-%m-%d %H:%M}",
                f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
            )
    out.print(table)


# --- import ----------------------------------------------------------------------------------


def _print_result(result) -> None:  # type: ignore[no-untyped-def]
    table = Table(
        title=f"{result.layer} from {result.file}" + (" (dry run)" if result.dry_run else "")
    )
    for column in ("rows", "inserted", "updated", "unchanged", "crs"):
        table.add_column(column, justify="right")
    table.add_row(
        str(result.rows),
        str(result.inserted),
        str(result.updated),
        str(result.unchanged),
        result.crs,
    )
    err.print(table)
    for warning in result.warnings[:50]:
        parts = [
            str(warning.get(k)) for k in ("file", "row", "field") if warning.get(k) is not None
        ]
        err.print(f"[yellow]warning:[/] {', '.join(parts)}: {warning['reason']}", highlight=False)
    if result.ignored_columns:
        err.print(f"[dim]ignored columns: {', '.join(result.ignored_columns)}[/]")


@app.command("import")
def import_(
    layer: Annotated[
        str,
        typer.Argument(help="admin-areas, grids, buildings, cameras, key-sites, relocation-sites"),
    ],
    path: Annotated[
        Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile (.shp/.zip), KML, CSV, XLSX")
    ],
    crs: Annotated[
        str | None, typer.Option(help="wgs84, cgcs2000, gcj02, bd09 or EPSG:n (overrides the file)")
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
    from gis_api.db import transaction
    from gis_api.importing import import_file

    settings = _settings()
    with _errors(), _progress() as progress:
        task = progress.add_task(f"importing {path.name}", total=None)
        with transaction(_factory(settings)) as session:
            result = import_file(
                session,
                layer=layer,
                path=path,
                crs=crs,
                file_layer=file_layer,
                dry_run=dry_run,
                options={"network": network} if network else None,
            )
        progress.update(task, total=1, completed=1)
    _print_result(result)


def _progress():  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


# --- demo ----------------------------------------------------------------------------------


@demo_app.command("load")
def demo_load(
    seed: Annotated[
        int, typer.Option(help="random seed: the same seed gives the same county")
    ] = 510116,
    scale: Annotated[float, typer.Option(help="households multiplier (1 = realistic)")] = 1.0,
    directory: Annotated[
        Path, typer.Option("--dir", help="where the layer files are written")
    ] = Path("demo-data"),
) -> None:
    """Generate 双流区 (real boundary, towns and villages) and import it like a user would."""
    from gis_api.db import transaction
    from gis_api.demo.load import LAYER_ORDER, demo_extras, demo_files, import_demo

    settings = _settings()
    with _errors(), _progress() as progress:
        extras = demo_extras()
        task = progress.add_task("synthesizing 双流区", total=len(LAYER_ORDER) + len(extras) + 1)
        county, files = demo_files(directory, seed=seed, scale=scale)
        progress.update(task, advance=1, description="importing")

        def advance(layer: str, result) -> None:  # type: ignore[no-untyped-def]
            progress.update(task, advance=1, description=f"imported {layer} ({result.rows:,})")

        summaries = []
        with transaction(_factory(settings)) as session:
            results = import_demo(session, files, on_layer=advance)
            for name, load in extras:
                progress.update(task, description=f"demo {name}")
                summaries.append(f"{name}: {load(session, county, directory)}")
                progress.update(task, advance=1)
    for result in results:
        _print_result(result)
    for line in summaries:
        err.print(line)
    summary = county.summary()
    err.print(
        "demo county loaded: "
        + ", ".join(f"{k} {v:,}" for k, v in summary.items())
        + f"; files in {directory}/"
    )


# --- serve ---------------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Run the service (uvicorn). Each worker loads the lookup index and listens for changes."""
    import uvicorn

    _settings()  # fail early on bad configuration
    uvicorn.run(
        "gis_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


def _register_commands() -> None:
    """Each module of ``gis_api.commands`` adds its commands with ``register(app)``."""
    import importlib
    import pkgutil

    import gis_api.commands as package

    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"gis_api.commands.{module.name}").register(app)


_register_commands()


def main() -> None:
    """Entry point of the console script."""
    app()
