"""Reading incidents: filters, pages, the live feed, and their JSON forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from boundaries.errors import InvalidInput, NotFound
from gis_api.core.auth import Principal
from gis_api.features.incidents import workflow as wf
from gis_api.features.incidents.service import overdue_expression, visible
from gis_api.schema.layers import INCIDENTS
from gis_api.schema.models import Incident, IncidentEvent

_Ts = TypeVarTuple("_Ts")


def incident_row(session: Session, *, incident_id: int, principal: Principal) -> Any:
    """An incident with its coordinates and overdue flag (``NotFound`` outside jurisdiction)."""
    row = session.execute(
        select(
            Incident,
            func.ST_X(Incident.geom).label("x"),
            func.ST_Y(Incident.geom).label("y"),
            overdue_expression().label("overdue"),
        ).where(Incident.id == incident_id, visible(principal))
    ).first()
    if row is None:
        raise NotFound(f"no incident {incident_id} in this key's jurisdiction")
    return row


def events_of(session: Session, *, incident_id: int) -> list[IncidentEvent]:
    """The steps of an incident, oldest first."""
    return list(
        session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
    )


@dataclass(frozen=True)
class IncidentFilter:
    """Filters of the incident list; every field is optional."""

    status: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    area: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    overdue: bool | None = None
    bbox: tuple[float, float, float, float] | None = None

    def check(self) -> None:
        """``InvalidInput`` naming the first value that is not allowed."""
        for name, allowed in (("status", wf.STATUSES), ("severity", wf.SEVERITIES)):
            bad = [v for v in getattr(self, name) if v not in allowed]
            if bad:
                raise InvalidInput(f"{name} {bad} is not one of {list(allowed)}")
        if self.area is not None and not (self.area.isdigit() and len(self.area) <= 15):
            raise InvalidInput(f"area {self.area!r} must be an area or grid code (or prefix)")
        if self.start and self.end and self.start > self.end:
            raise InvalidInput("start is after end")


def filtered(query: Select[*_Ts], flt: IncidentFilter, principal: Principal) -> Select[*_Ts]:
    """Apply the jurisdiction and the filters to a query over ``incidents``.

    The query's column types are kept, so rows unpack as typed as they went in.
    """
    flt.check()
    conditions = [visible(principal)]
    if flt.status:
        conditions.append(Incident.status.in_(flt.status))
    if flt.category:
        conditions.append(Incident.category.in_(flt.category))
    if flt.severity:
        conditions.append(Incident.severity.in_(flt.severity))
    if flt.area:
        column = Incident.grid_code if len(flt.area) > 12 else Incident.area_code
        conditions.append(column.startswith(flt.area, autoescape=True))
    if flt.start is not None:
        conditions.append(Incident.reported_at >= flt.start)
    if flt.end is not None:
        conditions.append(Incident.reported_at < flt.end)
    if flt.overdue is not None:
        overdue = overdue_expression()
        conditions.append(overdue if flt.overdue else ~overdue)
    if flt.bbox is not None:
        conditions.append(Incident.geom.intersects(func.ST_MakeEnvelope(*flt.bbox, 4490)))
    return query.where(and_(*conditions))


def list_incidents(
    session: Session,
    *,
    principal: Principal,
    flt: IncidentFilter,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """A page of incidents (newest first) with their coordinates, and how many match."""
    matched = session.scalar(filtered(select(func.count()).select_from(Incident), flt, principal))
    rows = session.execute(
        filtered(
            select(
                Incident,
                func.ST_X(Incident.geom).label("x"),
                func.ST_Y(Incident.geom).label("y"),
                overdue_expression().label("overdue"),
            ),
            flt,
            principal,
        )
        .order_by(Incident.reported_at.desc(), Incident.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(matched or 0)


def live_incidents(
    session: Session, *, principal: Principal, hours: float, limit: int
) -> list[Any]:
    """Open incidents and those closed in the last ``hours``, newest first, at most ``limit``."""
    since = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, hours * 3600.0)
    return list(
        session.execute(
            select(
                Incident,
                func.ST_X(Incident.geom).label("x"),
                func.ST_Y(Incident.geom).label("y"),
                overdue_expression().label("overdue"),
            )
            .where(
                visible(principal),
                or_(Incident.closed_at.is_(None), Incident.closed_at >= since),
            )
            .order_by(Incident.reported_at.desc(), Incident.id.desc())
            .limit(limit)
        ).all()
    )


def as_utc(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC (None stays None)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


TIMES = (
    "reported_at",
    "opened_at",
    "dispatched_at",
    "handled_at",
    "feedback_at",
    "closed_at",
    "due_at",
)


def incident_json(
    incident: Incident, *, x: float, y: float, overdue: bool, personal: bool
) -> dict[str, Any]:
    """The JSON form of an incident; the reporter only when ``personal``."""
    body: dict[str, Any] = {
        "id": incident.id,
        "category": incident.category,
        "severity": incident.severity,
        "status": incident.status,
        "status_name": wf.STATUS_NAMES[incident.status],
        "level": incident.level,
        "description": incident.description,
        "source": incident.source,
        "external_ref": incident.external_ref,
        "address": incident.address,
        "location": {"lon": round(x, 8), "lat": round(y, 8)},
        "grid_code": incident.grid_code,
        "village_code": incident.village_code,
        "town_code": incident.town_code,
        "county_code": incident.county_code,
        "assignee": incident.assignee,
        "resolution": incident.resolution,
        "satisfied": incident.satisfied,
        "overdue": bool(overdue),
        "reported_by": incident.reported_by,
        "times": {name: as_utc(getattr(incident, name)) for name in TIMES},
    }
    values = {name: getattr(incident, name) for name in INCIDENTS.answered}
    body.update(INCIDENTS.answer(values, personal=personal))
    return body


def event_json(event: IncidentEvent) -> dict[str, Any]:
    """The JSON form of one step."""
    return {
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "from_level": event.from_level,
        "to_level": event.to_level,
        "by": event.actor,
        "role": event.actor_role,
        "at": as_utc(event.at),
        "note": event.note,
        "details": event.details,
    }
