"""``gridmap roads …``: the loaded road networks."""

from __future__ import annotations

import sys

import typer

from gis_api.core.cli import err, session_factory
from gis_api.features.roads.status import network_status

roads_app = typer.Typer(help="Road networks for patrol routing.", no_args_is_help=True)


@roads_app.command("info")
def roads_info() -> None:
    """Show the loaded road networks: size, source and disconnected pieces."""
    with session_factory()() as session:
        rows = network_status(session)
    if not rows:
        err.print("no road network is loaded: gridmap import roads PATH --network driving")
        raise typer.Exit(1)
    for row in rows:
        pieces = row["pieces"]
        when = (row["imported_at"] or "")[:16].replace("T", " ")
        sys.stdout.write(
            f"{row['network']}: {row['edges']:,} edges, {row['length_m'] / 1000:,.1f} km, "
            f"{pieces} piece{'s' if pieces != 1 else ''} (the largest holds "
            f"{row['largest_piece_share']:.1%} of the length); from {row['source_file']}, "
            f"imported {when} by {row['imported_by']}\n"
        )


def register(app: typer.Typer) -> None:
    """Add ``roads`` to the ``gridmap`` command."""
    app.add_typer(roads_app, name="roads")
