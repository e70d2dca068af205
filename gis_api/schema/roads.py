"""Road network tables (migration 0004): edges and vertices for pgRouting, one row per network.

Costs are seconds; ``reverse_cost_s`` is negative where an edge cannot be travelled from
``target`` to ``source`` (a one-way street in the driving network), as pgRouting expects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy import func as sa_func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_api.schema.tables import SRID, Base

NETWORKS = ("driving", "walking")


def _geom(kind: str) -> Any:
    return Geometry(kind, srid=SRID, spatial_index=False)


class RoadNetwork(Base):
    """What is loaded for one network kind: source, extent of the import, pieces found."""

    __tablename__ = "road_networks"

    network: Mapped[str] = mapped_column(Text, primary_key=True)
    source_file: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=sa_func.now()
    )
    imported_by: Mapped[str] = mapped_column(Text)
    jurisdiction: Mapped[str] = mapped_column(String(12), server_default="")
    fingerprint: Mapped[str] = mapped_column(Text)
    edges: Mapped[int] = mapped_column(Integer)
    vertices: Mapped[int] = mapped_column(Integer)
    length_m: Mapped[float] = mapped_column(Float)
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class RoadVertex(Base):
    """A node of a network: a junction, a dead end, or where a road leaves the clip area."""

    __tablename__ = "road_vertices"
    __table_args__ = (
        Index("ix_road_vertices_geom", "geom", postgresql_using="gist"),
        Index("ix_road_vertices_network", "network"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(Text)
    component: Mapped[int] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(_geom("POINT"))


class RoadEdge(Base):
    """A road segment between two vertices, with its travel costs in seconds."""

    __tablename__ = "road_edges"
    __table_args__ = (
        Index("ix_road_edges_geom", "geom", postgresql_using="gist"),
        Index("ix_road_edges_network", "network"),
        Index("ix_road_edges_source", "source"),
        Index("ix_road_edges_target", "target"),
        Index("ix_road_edges_area_code", "area_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(Text)
    source: Mapped[int] = mapped_column(ForeignKey("road_vertices.id"))
    target: Mapped[int] = mapped_column(ForeignKey("road_vertices.id"))
    length_m: Mapped[float] = mapped_column(Float)
    cost_s: Mapped[float] = mapped_column(Float)
    reverse_cost_s: Mapped[float] = mapped_column(Float)
    oneway: Mapped[bool] = mapped_column(Boolean, server_default="false")
    highway: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    osm_id: Mapped[int | None] = mapped_column(BigInteger)
    area_code: Mapped[str | None] = mapped_column(String(12))
    speed_kmh: Mapped[float] = mapped_column(Float)
    component: Mapped[int] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(_geom("LINESTRING"))
