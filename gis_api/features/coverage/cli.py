"""``gridmap coverage …``: the coverage report, blind spots and relocation-site attachment."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from gis_api.core.auth import Principal
from gis_api.core.cli import err, errors, session_factory
from gis_api.core.db import transaction
from gis_api.features.coverage import service
from gis_api.features.coverage.relocation import attach_to_nearest

coverage_app = typer.Typer(help="Camera coverage and blind spots.", no_args_is_help=True)

AreaArg = Annotated[str, typer.Argument(help="a 12-digit area code or a 15-digit grid code")]


def _principal():  # type: ignore[no-untyped-def]

    return Principal(key_id=0, prefix="cli", role="admin", jurisdiction="")


@coverage_app.command("report")
def report(
    area: AreaArg,
    include_offline: Annotated[bool, typer.Option(help="count offline cameras too")] = False,
    site_share: Annotated[float, typer.Option(help="share of a polygon key site in view")] = 0.5,
    near_m: Annotated[float, typer.Option(help="key sites with no camera this close")] = 100.0,
) -> None:
    """Print the coverage report of AREA as JSON; a one-line summary goes to stderr."""
    with errors(), session_factory()() as session:
        body = service.report(
            session,
            area_code=area,
            principal=_principal(),
            include_offline=include_offline,
            site_share=site_share,
            near_m=near_m,
        )
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=1) + "\n")
    view, cams, sites = body["view"], body["cameras"], body["key_sites"]
    share = "—" if view["share"] is None else f"{view['share']:.2%}"
    online = "—" if cams["online_share"] is None else f"{cams['online_share']:.1%}"
    err.print(
        f"{body['area']['name']}: {share} of the area in view; {cams['total']} cameras, "
        f"联通率 {online}; key sites uncovered {sites['uncovered']} of {sites['total']}",
        highlight=False,
        soft_wrap=True,
    )


@coverage_app.command("blind-spots")
def blind_spots(
    area: AreaArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="GeoJSON file to write")],
    include_offline: Annotated[bool, typer.Option(help="count offline cameras too")] = False,
) -> None:
    """Write the blind parts of each grid of AREA to a GeoJSON file (EPSG:4490 = WGS84)."""
    with errors(), session_factory()() as session:
        frame = service.blind_spots(
            session, area_code=area, principal=_principal(), include_offline=include_offline
        )
    output.unlink(missing_ok=True)
    frame.to_file(output, driver="GeoJSON")
    err.print(
        f"{len(frame)} grids with blind spots, {frame['area_m2'].sum():,.0f} m² → {output}",
        soft_wrap=True,
    )


@coverage_app.command("attach-sites")
def attach_sites(
    area: AreaArg,
    dry_run: Annotated[bool, typer.Option(help="list the changes, write nothing")] = False,
) -> None:
    """Attach each relocation site of AREA without its own committee to its nearest village."""
    with errors(), transaction(session_factory()) as session:
        changes = attach_to_nearest(
            session, area_code=area, principal=_principal(), actor="cli", dry_run=dry_run
        )
    for c in changes:
        where = f"{c['distance_m']:.0f} m, {c['method']}"
        sys.stdout.write(f"{c['code']}: {c['from'] or '—'} → {c['to']} ({where})\n")
    err.print(f"{len(changes)} change(s){' (dry run, nothing written)' if dry_run else ''}")


def register(app: typer.Typer) -> None:
    """Add ``gridmap coverage``."""
    app.add_typer(coverage_app, name="coverage")
