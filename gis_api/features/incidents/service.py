"""Reporting incidents and taking them through the loop, with jurisdiction and deadlines.

Handlers call these with a session and keyword arguments; nothing here sees a request.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from pydantic import ConfigDict
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from boundaries.errors import (
    Conflict,
    CoordinatesOutOfRange,
    DuplicateCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from gis_api.core.auth import Principal
from gis_api.core.settings import Settings
from gis_api.features.incidents import workflow as wf
from gis_api.features.lookup.model import ReadModel
from gis_api.features.lookup.points import to_storage
from gis_api.schema.incidents import ReporterInput
from gis_api.schema.models import Incident, IncidentEvent

MAX_DESCRIPTION = 4000
FUTURE_TOLERANCE = timedelta(minutes=5)


class Report(ReporterInput):
    """What a reporter sends: what happened, how bad, from whom, and where (in ``crs``)."""

    model_config = ConfigDict(frozen=True)

    category: str
    severity: str
    description: str
    source: str
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str | None = None
    external_ref: str | None = None
    reported_at: datetime | None = None


def deadline_hours(settings: Settings, *, category: str, severity: str) -> float:
    """Hours from report to closing for this category and severity (``*`` for the rest)."""
    table = settings.incident_deadline_hours
    return float(table.get(category, table["*"])[severity])


def db_now(session: Session) -> datetime:
    """The database's ``now()``: the start of the current transaction, time-zone aware."""
    return _db_time(session, func.now())


def db_clock(session: Session) -> datetime:
    """The database's ``clock_timestamp()``: the wall clock, moving within a transaction."""
    return _db_time(session, func.clock_timestamp())


def _db_time(session: Session, expression: Any) -> datetime:
    moment = session.execute(select(expression)).scalar_one()
    if not isinstance(moment, datetime):
        raise RuntimeError(f"the database returned {moment!r} for {expression}, not a timestamp")
    return moment


def overdue_expression(now: Any = None) -> Any:
    """SQL: closed after its deadline, or still open past it."""
    now = func.now() if now is None else now
    return case(
        (Incident.closed_at.is_(None), now > Incident.due_at),
        else_=Incident.closed_at > Incident.due_at,
    )


def _check_report(report: Report, settings: Settings) -> None:
    if report.category not in settings.incident_categories:
        raise InvalidInput(
            f"category was {report.category!r} but is expected to be one of "
            f"{list(settings.incident_categories)}"
        )
    if report.severity not in wf.SEVERITIES:
        raise InvalidInput(
            f"severity was {report.severity!r} but is expected to be one of {wf.SEVERITIES}"
        )
    if report.source not in wf.SOURCES:
        raise InvalidInput(
            f"source was {report.source!r} but is expected to be one of {wf.SOURCES}"
        )
    if not report.description.strip():
        raise InvalidInput("description is empty: say what happened")
    if len(report.description) > MAX_DESCRIPTION:
        raise InvalidInput(f"description has {len(report.description)} characters; at most 4000")
    if not (math.isfinite(report.lon) and math.isfinite(report.lat)):
        raise CoordinatesOutOfRange("lon and lat must be finite numbers")
    if not (-180 <= report.lon <= 180 and -90 <= report.lat <= 90):
        raise CoordinatesOutOfRange(
            f"[{report.lon}, {report.lat}] is out of range: lon in [-180, 180], lat in [-90, 90]"
        )


def _located_codes(model: ReadModel, x: float, y: float) -> dict[str, str | None]:
    g, v, t, c = model.locate_one(x, y)
    return {
        "grid_code": model.grids[g].code if g >= 0 else None,
        "village_code": model.areas[v].code if v >= 0 else None,
        "town_code": model.areas[t].code if t >= 0 else None,
        "county_code": model.areas[c].code if c >= 0 else None,
    }


def report_incident(
    session: Session,
    *,
    report: Report,
    model: ReadModel,
    principal: Principal,
    settings: Settings,
) -> Incident:
    """Record a new incident where the lookup places it; returns the stored row.

    The grid, village, town and county are fixed now, from the in-memory lookup: a grid
    redrawn later does not move old incidents. Major and urgent incidents start at the county.
    """
    if principal.role not in wf.REPORTERS:
        raise PermissionDenied(
            f"a key with role '{principal.role}' may not report incidents; roles that may: "
            f"{', '.join(sorted(wf.REPORTERS))}"
        )
    _check_report(report, settings)
    x, y, _ = to_storage(report.lon, report.lat, report.crs)
    codes = _located_codes(model, x, y)
    area = codes["village_code"] or codes["town_code"] or codes["county_code"]
    if area is None:
        raise InvalidInput(
            f"[{report.lon}, {report.lat}] ({report.crs}) is outside every county on record; "
            "an incident must fall in an area the command centre manages"
        )
    if not principal.sees(area):
        raise PermissionDenied(
            f"the point lies outside this key's jurisdiction ({principal.jurisdiction})"
        )
    now = db_clock(session)
    reported_at = report.reported_at or now
    if reported_at.tzinfo is None:
        raise InvalidInput("reported_at needs a time zone, e.g. 2026-03-01T08:30:00+08:00")
    if reported_at > now + FUTURE_TOLERANCE:
        raise InvalidInput(f"reported_at {reported_at.isoformat()} is in the future")
    if report.external_ref:
        taken = session.scalar(
            select(Incident.id).where(
                Incident.source == report.source, Incident.external_ref == report.external_ref
            )
        )
        if taken is not None:
            # the same answer wherever the incident lies; its id only to a key that may read it
            mine = session.scalar(
                select(Incident.id).where(Incident.id == taken, visible(principal))
            )
            raise DuplicateCode(
                f"the {report.source} reference {report.external_ref!r} is already recorded",
                details={"id": taken} if mine is not None else None,
            )
    hours = deadline_hours(settings, category=report.category, severity=report.severity)
    level = wf.initial_level(report.severity)
    incident = Incident(
        category=report.category,
        severity=report.severity,
        status="reported",
        level=level,
        description=report.description.strip(),
        source=report.source,
        external_ref=report.external_ref,
        **report.reporter(),
        address=report.address,
        geom=from_shape(shapely.Point(x, y), srid=4490),
        area_code=area,
        reported_at=reported_at,
        due_at=reported_at + timedelta(hours=hours),
        reported_by=principal.prefix,
        updated_at=now,
        **codes,
    )
    session.add(incident)
    session.flush()
    session.add(
        IncidentEvent(
            incident_id=incident.id,
            action="report",
            from_status=None,
            to_status="reported",
            from_level=None,
            to_level=level,
            actor=principal.prefix,
            actor_role=principal.role,
            at=reported_at,
            details={"source": report.source, "deadline_hours": hours},
        )
    )
    session.flush()
    return incident


def visible(principal: Principal) -> Any:
    """SQL: the incident lies in the caller's jurisdiction."""
    if not principal.jurisdiction:
        return true()
    return Incident.area_code.startswith(principal.jurisdiction, autoescape=True)


def check_reader(principal: Principal) -> None:
    """``PermissionDenied`` for roles that may not read incidents."""
    if principal.role not in wf.READERS:
        raise PermissionDenied(
            f"a key with role '{principal.role}' may not read incidents; roles that may: "
            f"{', '.join(sorted(wf.READERS))}"
        )


def get_incident(
    session: Session, *, incident_id: int, principal: Principal, for_update: bool = False
) -> Incident:
    """One incident inside the caller's jurisdiction (``NotFound`` otherwise: no hint it exists)."""
    query = select(Incident).where(Incident.id == incident_id, visible(principal))
    if for_update:
        query = query.with_for_update()
    incident = session.scalar(query)
    if incident is None:
        raise NotFound(f"no incident {incident_id} in this key's jurisdiction")
    return incident


def transition(
    session: Session,
    *,
    incident_id: int,
    action: str,
    principal: Principal,
    note: str | None = None,
    assignee: str | None = None,
    to_level: str | None = None,
    satisfied: bool | None = None,
) -> tuple[Incident, IncidentEvent]:
    """Take one step of the loop, recorded with who and when; returns the row and the event.

    ``dispatch`` needs an ``assignee`` (the unit sent to handle it); ``reject`` and ``return``
    need a ``note`` saying why; ``feedback`` may say whether the reporter was ``satisfied``,
    and an incident whose feedback was not satisfactory cannot be closed (return it instead).
    """
    incident = get_incident(session, incident_id=incident_id, principal=principal, for_update=True)
    step = wf.plan_step(
        action=action,
        status=incident.status,
        level=incident.level,
        role=principal.role,
        jurisdiction=principal.jurisdiction,
        to_level=to_level,
    )
    note = note.strip() if note and note.strip() else None
    if action == "dispatch" and not (assignee and assignee.strip()):
        raise InvalidInput("dispatch needs `assignee`: the unit or person sent to handle it")
    if action in ("reject", "return") and note is None:
        raise InvalidInput(f"{action} needs a `note` saying why")
    if satisfied is not None and action != "feedback":
        raise InvalidInput("`satisfied` is only used with action 'feedback'")
    if action == "close" and incident.satisfied is False:
        raise Conflict(
            "the reporter was not satisfied with the handling; return it to be handled again",
            details={"status": incident.status, "allowed": ["return"]},
        )
    now = db_clock(session)
    event = IncidentEvent(
        incident_id=incident.id,
        action=action,
        from_status=incident.status,
        to_status=step.status,
        from_level=incident.level,
        to_level=step.level,
        actor=principal.prefix,
        actor_role=principal.role,
        at=now,
        note=note,
        details={
            k: v for k, v in (("assignee", assignee), ("satisfied", satisfied)) if v is not None
        },
    )
    if step.action.timestamp is not None:
        setattr(incident, step.action.timestamp, now)
    if action == "dispatch":
        incident.assignee = assignee.strip() if assignee else None
    elif action == "feedback":
        incident.satisfied = satisfied
    elif action == "return":
        incident.handled_at = incident.feedback_at = incident.satisfied = None
    if action in ("reject", "close"):
        incident.resolution = note or ("不予立案" if action == "reject" else incident.resolution)
    elif action == "handle" and note:
        incident.resolution = note
    incident.status = step.status
    incident.level = step.level
    incident.updated_at = now
    session.add(event)
    session.flush()
    return incident, event
