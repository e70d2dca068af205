"""Figures of the command centre: counts by status and category, time to close, overdue share,
per grid, village or town and per day or week (in the configured time zone).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from boundaries.errors import InvalidInput
from gis_api.core.auth import Principal
from gis_api.features.incidents.queries import IncidentFilter, filtered
from gis_api.features.incidents.service import db_now, overdue_expression
from gis_api.schema.models import AdminArea, Grid, Incident

GROUPINGS = {"grid": "grid_code", "village": "village_code", "town": "town_code"}
PERIODS = ("day", "week")


def incident_figures(
    session: Session,
    *,
    principal: Principal,
    by: str,
    period: str,
    flt: IncidentFilter,
    timezone: str,
) -> list[dict[str, Any]]:
    """One row per (area, period) with incidents reported in it.

    Each row: ``code``, ``name``, ``period_start`` (a date: the day, or the Monday of the
    ISO week), ``total``, ``by_status`` and ``by_category`` (counts), ``closed``,
    ``hours_to_close`` (mean and median over the closed ones, from report to closing),
    ``overdue`` (closed late, or open past the deadline now) and ``overdue_share``.
    Incidents outside any grid (or village, town) are counted under the code ``None``.
    """
    if by not in GROUPINGS:
        raise InvalidInput(f"by was {by!r} but is expected to be one of {list(GROUPINGS)}")
    if period not in PERIODS:
        raise InvalidInput(f"period was {period!r} but is expected to be one of {list(PERIODS)}")
    code = getattr(Incident, GROUPINGS[by]).label("code")
    start = func.date_trunc(period, func.timezone(timezone, Incident.reported_at))
    bucket = cast(start, Date).label("period_start")
    hours = func.extract("epoch", Incident.closed_at - Incident.reported_at) / 3600.0
    overdue = overdue_expression()
    totals = session.execute(
        filtered(
            select(
                code,
                bucket,
                func.count().label("total"),
                func.count(Incident.closed_at).label("closed"),
                func.avg(hours).label("mean_hours"),
                func.percentile_cont(0.5).within_group(hours).label("median_hours"),
                func.count().filter(overdue).label("overdue"),
            ).select_from(Incident),
            flt,
            principal,
        ).group_by(code, bucket)
    ).all()
    rows: dict[tuple[str | None, date], dict[str, Any]] = {}
    for r in totals:
        rows[(r.code, r.period_start)] = {
            "code": r.code,
            "period_start": r.period_start.isoformat(),
            "total": r.total,
            "by_status": {},
            "by_category": {},
            "closed": r.closed,
            "hours_to_close": {
                "mean": _round(r.mean_hours),
                "median": _round(r.median_hours),
            },
            "overdue": r.overdue,
            "overdue_share": round(r.overdue / r.total, 4) if r.total else None,
        }
    for column, key in ((Incident.status, "by_status"), (Incident.category, "by_category")):
        counts = session.execute(
            filtered(
                select(code, bucket, column.label("value"), func.count().label("n")).select_from(
                    Incident
                ),
                flt,
                principal,
            ).group_by(code, bucket, column)
        ).all()
        for r in counts:
            rows[(r.code, r.period_start)][key][r.value] = r.n
    names = _names(session, by, {c for c, _ in rows if c is not None})
    ordered = sorted(rows.values(), key=lambda row: (row["period_start"], row["code"] or ""))
    for row in ordered:
        row["name"] = names.get(row["code"]) if row["code"] else None
    return ordered


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _names(session: Session, by: str, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    if by == "grid":
        query = select(Grid.code, Grid.name).where(Grid.code.in_(codes), Grid.valid_to.is_(None))
    else:
        query = select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(codes))
    return {code: name for code, name in session.execute(query).all()}


def grid_counts(session: Session, *, principal: Principal, flt: IncidentFilter) -> dict[str, int]:
    """Incidents per grid code (for the choropleth), within the jurisdiction and filters."""
    rows = session.execute(
        filtered(
            select(Incident.grid_code, func.count()).select_from(Incident),
            flt,
            principal,
        )
        .where(Incident.grid_code.is_not(None))
        .group_by(Incident.grid_code)
    ).all()
    return {code: int(n) for code, n in rows if code is not None}


def summary(session: Session, *, principal: Principal, flt: IncidentFilter) -> dict[str, Any]:
    """Totals for a wall screen: by status, by category, by severity, overdue, open."""
    out: dict[str, Any] = {}
    for name, column in (
        ("by_status", Incident.status),
        ("by_category", Incident.category),
        ("by_severity", Incident.severity),
    ):
        rows = session.execute(
            filtered(select(column, func.count()).select_from(Incident), flt, principal).group_by(
                column
            )
        ).all()
        out[name] = {value: int(n) for value, n in rows}
    counts = session.execute(
        filtered(
            select(
                func.count(),
                func.count().filter(overdue_expression()),
                func.count().filter(Incident.closed_at.is_(None)),
            ).select_from(Incident),
            flt,
            principal,
        )
    ).one()
    out["total"], out["overdue"], out["open"] = int(counts[0]), int(counts[1]), int(counts[2])
    return out


def as_of(session: Session) -> datetime:
    """The database's clock, for stamping figures."""
    return db_now(session)
