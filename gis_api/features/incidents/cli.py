"""``gridmap incidents …``: list, show and count incidents from the command line (as admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from gis_api.core.auth import Principal
from gis_api.core.cli import err, errors, load_settings, out, session_factory
from gis_api.features.incidents import queries
from gis_api.features.incidents.figures import incident_figures
from gis_api.features.incidents.queries import IncidentFilter
from gis_api.features.incidents.service import get_incident
from gis_api.features.incidents.workflow import STATUS_NAMES


def _principal():  # type: ignore[no-untyped-def]

    return Principal(key_id=0, prefix="cli", role="admin", jurisdiction="")


def _factory():  # type: ignore[no-untyped-def]
    settings = load_settings()
    return session_factory(settings), settings


def register(app: typer.Typer) -> None:
    """Add the ``incidents`` group to the ``gridmap`` command."""
    group = typer.Typer(help="Incidents of the command centre.", no_args_is_help=True)
    app.add_typer(group, name="incidents")

    @group.command("list")
    def list_(
        status: Annotated[list[str] | None, typer.Option(help="reported, opened, …")] = None,
        category: Annotated[list[str] | None, typer.Option()] = None,
        area: Annotated[str | None, typer.Option(help="area or grid code, or prefix")] = None,
        overdue: Annotated[bool | None, typer.Option("--overdue/--on-time")] = None,
        since: Annotated[datetime | None, typer.Option(help="reported at or after")] = None,
        limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    ) -> None:
        """Incidents, newest first, with their status and deadline."""
        factory, _ = _factory()
        with errors(), factory() as session:
            flt = queries.IncidentFilter(
                status=tuple(status or ()),
                category=tuple(category or ()),
                area=area,
                overdue=overdue,
                start=since.astimezone() if since else None,
            )
            rows, matched = queries.list_incidents(
                session, principal=_principal(), flt=flt, limit=limit
            )
        table = Table("id", "reported", "category", "severity", "status", "level", "grid", "due")
        for r in rows:
            i = r.Incident
            due = f"{i.due_at:%m-%d %H:%M}" + (" [red]overdue[/]" if r.overdue else "")
            table.add_row(
                str(i.id),
                f"{i.reported_at.astimezone():%Y-%m-%d %H:%M}",
                i.category,
                i.severity,
                STATUS_NAMES[i.status],
                i.level,
                i.grid_code or "",
                due,
            )
        out.print(table)
        err.print(f"{len(rows)} of {matched} matching")

    @group.command("show")
    def show(incident_id: Annotated[int, typer.Argument()]) -> None:
        """One incident and every step (who and when)."""
        factory, _ = _factory()
        with errors(), factory() as session:
            incident = get_incident(session, incident_id=incident_id, principal=_principal())
            out.print(
                f"[bold]#{incident.id}[/] {incident.category} {incident.severity} "
                f"{incident.status} (level {incident.level}) grid {incident.grid_code}"
            )
            out.print(incident.description, highlight=False)
            table = Table("at", "action", "from", "to", "level", "by", "note")
            for e in queries.events_of(session, incident_id=incident_id):
                table.add_row(
                    f"{e.at.astimezone():%Y-%m-%d %H:%M:%S}",
                    e.action,
                    e.from_status or "",
                    e.to_status,
                    e.to_level,
                    f"{e.actor} ({e.actor_role})",
                    e.note or "",
                )
            out.print(table)

    @group.command("figures")
    def figures(
        by: Annotated[str, typer.Option(help="grid, village or town")] = "town",
        period: Annotated[str, typer.Option(help="day or week")] = "week",
        area: Annotated[str | None, typer.Option()] = None,
    ) -> None:
        """Counts, time to close and overdue share by area and period."""
        factory, settings = _factory()
        with errors(), factory() as session:
            rows = incident_figures(
                session,
                principal=_principal(),
                by=by,
                period=period,
                flt=IncidentFilter(area=area),
                timezone=settings.timezone,
            )
        table = Table("period", "code", "name", "total", "closed", "median h", "overdue %")
        for r in rows:
            median = r["hours_to_close"]["median"]
            table.add_row(
                r["period_start"],
                r["code"] or "-",
                r["name"] or "",
                str(r["total"]),
                str(r["closed"]),
                "" if median is None else f"{median:.1f}",
                f"{100 * r['overdue_share']:.0f}",
            )
        out.print(table)
