"""Saved patrol plans (migration 0003): the request, the answer and the routes' lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_api.schema.tables import SRID, Base


class PatrolPlan(Base):
    """A computed patrol plan: the request, the answer, and the routes' lines."""

    __tablename__ = "patrol_plans"
    __table_args__ = (
        Index("ix_patrol_plans_geom", "geom", postgresql_using="gist"),
        Index("ix_patrol_plans_jurisdiction", "jurisdiction"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    network: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text)
    jurisdiction: Mapped[str] = mapped_column(String(12), server_default="")
    teams: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float)
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTILINESTRING", srid=SRID, spatial_index=False)
    )
