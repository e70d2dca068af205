"""``gridmap validate | propose | export | versions | restore | publish``: the planning loop
from the command line, run as an administrator (actor ``cli`` in the audit log).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gis_api.core.auth import Principal
from gis_api.core.cli import err, errors, load_settings, out, session_factory
from gis_api.core.db import transaction
from gis_api.features.planning.checks import validate_draft, validate_published
from gis_api.features.planning.drafts import get_draft
from gis_api.features.planning.export import area_frame, export_grids
from gis_api.features.planning.history import area_versions
from gis_api.features.planning.proposing import propose as make
from gis_api.features.planning.publish import publish_draft, restore_version


def _principal() -> Any:

    return Principal(key_id=0, prefix="cli", role="admin", jurisdiction="")


def validate(
    area: Annotated[str, typer.Argument(help="a village, town or county code")],
    as_json: Annotated[bool, typer.Option("--json", help="print the whole report as JSON")] = False,
) -> None:
    """Validate the published grids of an area; exits 1 when there are errors."""
    settings = load_settings()
    with errors(), session_factory(settings)() as session:
        report = validate_published(session, settings, area_code=area, principal=_principal())
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
    else:
        table = Table("kind", "severity", "count", title=f"validation of {area}")
        for kind, count in report.counts().items():
            severity = next(i.severity for i in report.issues if i.kind == kind)
            table.add_row(kind, severity, str(count))
        out.print(table)
        for issue in report.errors[:20]:
            err.print(f"[red]error:[/] {issue.message}", highlight=False)
        ok = sum(g.status == "ok" for g in report.grids)
        err.print(f"{len(report.grids)} grids, {ok} within the household standard")
    if report.errors:
        raise typer.Exit(1)


def propose(
    village: Annotated[str, typer.Argument(help="the village or community code")],
    floor: Annotated[int | None, typer.Option(help="fewest households per grid")] = None,
    ceiling: Annotated[int | None, typer.Option(help="most households per grid")] = None,
    target: Annotated[float | None, typer.Option(help="wanted households per grid")] = None,
    roads: Annotated[bool, typer.Option(help="follow the loaded road network")] = True,
    save: Annotated[bool, typer.Option("--save", help="keep the proposal as a draft")] = False,
    output: Annotated[Path | None, typer.Option("--out", help="write the grids as GeoJSON")] = None,
) -> None:
    """Propose grids for a village from its buildings."""
    settings = load_settings()
    with errors(), transaction(session_factory(settings)) as session:
        result = make(
            session,
            settings,
            area_code=village,
            principal=_principal(),
            floor=floor,
            ceiling=ceiling,
            target=target,
            use_roads=roads,
            save=save,
        )
    if output is not None:
        output.write_text(json.dumps(result["grids_geojson"], ensure_ascii=False), "utf-8")
    hh = result["households"]
    err.print(
        f"{result['grids']} grids for {village}: households {hh['min']}–{hh['max']} "
        f"(median {hh['median']:g}), {result['within_share']:.0%} within "
        f"{result['floor']}–{result['ceiling']}, compactness {result['compactness_mean']:.2f}, "
        f"{result['roads_used']} road segments, {result['seconds']:.2f} s"
    )
    for line in result["unmet"]:
        err.print(f"[yellow]not met:[/] {line}", highlight=False)
    if save:
        err.print(f"saved as draft {result['draft']['id']}")


def export(
    area: Annotated[str, typer.Argument(help="a village, town or county code")],
    fmt: Annotated[str, typer.Option("--format", help="geojson, gpkg or shp")] = "geojson",
    version: Annotated[int | None, typer.Option(help="a past version (villages)")] = None,
    chinese: Annotated[bool, typer.Option("--chinese", help="Chinese field names")] = False,
    output: Annotated[Path | None, typer.Option("--out", help="file or directory")] = None,
) -> None:
    """Export an area's published grids (or a past version) with standard codes."""
    with errors(), session_factory()() as session:
        frame = area_frame(session, area, version=version, principal=_principal())
        suffix = f"_v{version}" if version else ""
        content, _, name = export_grids(
            frame, fmt=fmt, name=f"{area}_grids{suffix}", chinese=chinese, personal=True
        )
    target = output or Path(name)
    if target.is_dir():
        target = target / name
    target.write_bytes(content)
    err.print(f"{len(frame)} grids written to {target}")


def versions(village: Annotated[str, typer.Argument(help="the village or community code")]) -> None:
    """List the versions of a village's grids."""
    with errors(), session_factory()() as session:
        found = area_versions(session, village, _principal())["versions"]
    table = Table("version", "at", "action", "by", "grids", "households", "note")
    for v in found:
        table.add_row(
            str(v["version"]),
            v["at"][:19].replace("T", " "),
            v["action"],
            v.get("by") or "",
            str(v["grids"]),
            str(v["households"]),
            v.get("note") or "",
        )
    out.print(table)


def restore(
    village: Annotated[str, typer.Argument(help="the village or community code")],
    version: Annotated[int, typer.Argument(help="the version to publish again")],
    note: Annotated[str | None, typer.Option(help="why (kept in the version list)")] = None,
) -> None:
    """Publish a past version of a village's grids again, as a new version."""
    with errors(), transaction(session_factory()) as session:
        result = restore_version(
            session, village_code=village, version=version, principal=_principal(), note=note
        )
    err.print(f"version {result['version']} of {village} = version {version} again")


def publish(
    draft: Annotated[int, typer.Argument(help="the draft id")],
    accept: Annotated[
        list[str] | None, typer.Option(help="an accepted warning id (repeatable)")
    ] = None,
    accept_all: Annotated[
        bool, typer.Option("--accept-all-warnings", help="accept every warning")
    ] = False,
    note: Annotated[str | None, typer.Option(help="why (kept in the version list)")] = None,
) -> None:
    """Publish a draft (errors are never accepted)."""
    settings = load_settings()
    with errors(), transaction(session_factory(settings)) as session:
        ids = list(accept or [])
        if accept_all:
            report = validate_draft(session, settings, get_draft(session, draft, _principal()))
            ids += [i.id for i in report.warnings]
        result = publish_draft(
            session, settings, draft_id=draft, principal=_principal(), accept=ids, note=note
        )
    err.print(
        f"published version {result['version']} of {result['area_code']}: "
        f"{len(result['added'])} added, {len(result['reshaped'])} reshaped, "
        f"{len(result['retired'])} retired, {result['unchanged']} unchanged"
    )


def register(app: typer.Typer) -> None:
    """Add the planning commands to ``gridmap``."""
    app.command("validate")(validate)
    app.command("propose")(propose)
    app.command("export")(export)
    app.command("versions")(versions)
    app.command("restore")(restore)
    app.command("publish")(publish)
