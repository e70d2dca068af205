"""What every command of the ``gridmap`` CLI shares: consoles, settings, sessions, errors, progress.

Feature commands live in ``gis_api/features/<name>/cli.py`` and use these; ``gis_api/cli.py``
lists them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from boundaries.errors import GridmapError, ValidationFailed
from gis_api.core.db import make_engine, make_session_factory
from gis_api.core.db_errors import translate
from gis_api.core.settings import Settings

err = Console(stderr=True)
out = Console()

MAX_PROBLEMS_SHOWN = 200


@contextmanager
def errors() -> Iterator[None]:
    """Print a domain error as a clear message (and its problems), exit 1; no traceback.

    A database error is translated first (``gis_api.core.db_errors``); one that means nothing
    known (a bug) is raised with its traceback.
    """
    try:
        try:
            yield
        except (SQLAlchemyError, psycopg2.Error) as exc:
            domain = translate(exc)
            if domain is None:
                raise
            raise domain from exc
    except ValidationFailed as exc:
        err.print(f"[bold red]error:[/] {exc.summary}")
        for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
            err.print(f"  - {problem}", markup=False, highlight=False)
        if len(exc.problems) > MAX_PROBLEMS_SHOWN:
            err.print(f"  … and {len(exc.problems) - MAX_PROBLEMS_SHOWN} more")
        raise typer.Exit(1) from None
    except GridmapError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        raise typer.Exit(1) from None


def load_settings() -> Settings:
    """The settings from the environment; a configuration error exits 2 with the reason."""
    try:
        return Settings()
    except ValueError as exc:
        err.print(f"[bold red]configuration error:[/] {exc}")
        raise typer.Exit(2) from None


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions on the configured database (a small pool: one command, one connection)."""
    return make_session_factory(make_engine(settings or load_settings(), pool_size=2))


def progress() -> Progress:
    """A rich progress bar on stderr."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def print_import_result(result: Any) -> None:
    """The table of one import (rows, inserted, updated, unchanged) and its warnings."""
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
