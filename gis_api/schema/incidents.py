"""Incidents and their event log (tables made by migration 0005)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_api.schema.tables import SRID, Base

_NOW = text("clock_timestamp()")


class ReporterInput(BaseModel):
    """Who reported an incident: personal data (``gis_api.schema.layers.INCIDENTS``), taken
    with a report and shown only to callers who may see personal data.
    """

    reporter_name: str | None = None
    reporter_phone: str | None = None

    def reporter(self) -> dict[str, str | None]:
        """The reporter's fields, as the ``Incident`` row takes them."""
        return {name: getattr(self, name) for name in ReporterInput.model_fields}


class Incident(Base):
    """One reported incident, where it fell (fixed at report time) and the time of each step."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("severity IN ('general', 'major', 'urgent')", name="severity"),
        CheckConstraint(
            "status IN ('reported', 'opened', 'dispatched', 'handled', 'feedback', 'closed')",
            name="status",
        ),
        CheckConstraint("level IN ('grid', 'village', 'town', 'county')", name="level"),
        CheckConstraint(
            "source IN ('grid_worker', 'public', 'video', 'hotline', 'superior')", name="source"
        ),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at"),
        CheckConstraint("due_at > reported_at", name="due_at"),
        CheckConstraint("length(description) > 0", name="description"),
        Index("ix_incidents_geom", "geom", postgresql_using="gist"),
        Index("ix_incidents_reported_at", "reported_at"),
        Index("ix_incidents_status", "status"),
        Index("ix_incidents_grid_code", "grid_code"),
        Index(
            "ix_incidents_area_code",
            "area_code",
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        ),
        Index(
            "uq_incidents_source_external_ref",
            "source",
            "external_ref",
            unique=True,
            postgresql_where=text("external_ref IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="reported")
    level: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(Text)
    reporter_phone: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    village_code: Mapped[str | None] = mapped_column(String(12))
    town_code: Mapped[str | None] = mapped_column(String(12))
    county_code: Mapped[str | None] = mapped_column(String(12))
    area_code: Mapped[str | None] = mapped_column(String(12))
    """The deepest area the incident fell in: the jurisdiction filter matches on it."""
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_NOW)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assignee: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    reported_by: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_NOW)


class IncidentEvent(Base):
    """One step of an incident: what was done, by whom (key prefix and role), and when."""

    __tablename__ = "incident_events"
    __table_args__ = (
        CheckConstraint(
            "to_status IN ('reported', 'opened', 'dispatched', 'handled', 'feedback', 'closed')",
            name="to_status",
        ),
        CheckConstraint("to_level IN ('grid', 'village', 'town', 'county')", name="to_level"),
        Index("ix_incident_events_incident_id", "incident_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    action: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    from_level: Mapped[str | None] = mapped_column(Text)
    to_level: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_NOW)
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
