"""Tables of the planning loop (built by migration 0002, never by ``create_all``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_api.schema.tables import SRID, Base

DRAFT_STATUSES = ("open", "published", "discarded")
DRAFT_SOURCES = ("published", "version", "proposal", "empty")


class Draft(Base):
    """A planner's working copy of one village's (or community's) grids."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_area_code", "area_code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("admin_areas.code"))
    title: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[str] = mapped_column(String(12), server_default="open")
    source: Mapped[str] = mapped_column(String(12))
    base_version: Mapped[int] = mapped_column(Integer)
    """The version of the area's grids this draft starts from (0: none published yet)."""
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    next_key: Mapped[int] = mapped_column(Integer, server_default="1")
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_version: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DraftGrid(Base):
    """One grid of a draft; its geometry may be invalid while it is being drawn."""

    __tablename__ = "draft_grids"
    __table_args__ = (
        Index("uq_draft_grids_draft_id_key", "draft_id", "key", unique=True),
        Index("ix_draft_grids_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    code: Mapped[str | None] = mapped_column(String(15))
    """The published code this grid was copied from (informational: publishing decides codes)."""
    name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(4))
    households: Mapped[int | None] = mapped_column(Integer)
    """The stored figure; the counted one comes from the buildings at every read."""
    population: Mapped[int | None] = mapped_column(Integer)
    leader_name: Mapped[str | None] = mapped_column(Text)
    leader_phone: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False))


class AreaVersion(Base):
    """Who published or restored a version of a village's grids, when, and why."""

    __tablename__ = "area_versions"
    __table_args__ = (
        Index("uq_area_versions_area_code_version", "area_code", "version", unique=True),
        Index("uq_area_versions_area_code_at", "area_code", "at", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("admin_areas.code"))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(Text)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    restored_from: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class PlanningRules(Base):
    """Validation thresholds and household standards of one county (overriding the settings)."""

    __tablename__ = "planning_rules"

    county_code: Mapped[str] = mapped_column(ForeignKey("admin_areas.code"), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    updated_by: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
