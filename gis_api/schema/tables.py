"""Database models (SQLAlchemy 2, GeoAlchemy2). Storage SRID 4490 (CGCS2000).

The schema is built by the Alembic migrations in ``migrations/``, never by ``create_all``;
these classes describe it for queries. Each geometry column has a hand-made GiST index
(declared here and in the migration), not GeoAlchemy2's implicit one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4490

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LEVELS = ("county", "town", "village")
VILLAGE_KINDS = ("社区", "村")
GRID_KINDS = ("街巷型", "楼院型", "单位型", "村组型")
ROLES = ("admin", "planner", "dispatcher", "service", "viewer")
CAMERA_STATUSES = ("online", "offline")
MANAGEMENTS = ("own_committee", "attached")


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so constraint names are stable."""

    metadata = MetaData(naming_convention=NAMING)


def _geom(kind: str) -> Any:
    return Geometry(kind, srid=SRID, spatial_index=False)


class AdminArea(Base):
    """County, town (乡镇/街道) or village/community (村/社区), keyed by the 12-digit code."""

    __tablename__ = "admin_areas"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code_digits"),
        CheckConstraint("level IN ('county', 'town', 'village')", name="level"),
        CheckConstraint(
            "(level = 'village' AND kind IN ('社区', '村')) "
            "OR (level <> 'village' AND kind IS NULL)",
            name="kind",
        ),
        Index("ix_admin_areas_geom", "geom", postgresql_using="gist"),
        Index("ix_admin_areas_parent_code", "parent_code"),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(4))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("admin_areas.code"))
    geom: Mapped[WKBElement] = mapped_column(_geom("MULTIPOLYGON"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Grid(Base):
    """One version of a grid. A published row is never updated in place: a change closes it
    (``valid_to``) and writes the next version. A trigger in the database enforces this.
    """

    __tablename__ = "grids"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{15}$'", name="code_digits"),
        CheckConstraint("left(code, 12) = village_code", name="code_in_village"),
        CheckConstraint("kind IN ('街巷型', '楼院型', '单位型', '村组型')", name="kind"),
        CheckConstraint("households >= 0", name="households"),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
        Index("uq_grids_code_version", "code", "version", unique=True),
        Index(
            "uq_grids_current_code", "code", unique=True, postgresql_where=text("valid_to IS NULL")
        ),
        Index("ix_grids_village_code", "village_code"),
        Index("ix_grids_village_code_valid_from", "village_code", "valid_from"),  # 0002
        Index("ix_grids_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(15))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(4))
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_areas.code"))
    households: Mapped[int] = mapped_column(Integer, server_default="0")
    population: Mapped[int | None] = mapped_column(Integer)
    leader_name: Mapped[str | None] = mapped_column(Text)
    leader_phone: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(_geom("MULTIPOLYGON"))


class Building(Base):
    """A building: a point or a footprint, with its households."""

    __tablename__ = "buildings"
    __table_args__ = (
        CheckConstraint("households >= 0", name="households"),
        CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="geom_type"
        ),
        Index("ix_buildings_geom", "geom", postgresql_using="gist"),
        Index("ix_buildings_village_code", "village_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    village_code: Mapped[str | None] = mapped_column(ForeignKey("admin_areas.code"))
    households: Mapped[int] = mapped_column(Integer, server_default="0")
    address: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(_geom("GEOMETRY"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Camera(Base):
    """A camera of the public video network, keyed by its GB/T 28181 id."""

    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint("id ~ '^[0-9]{20}$'", name="id_digits"),
        CheckConstraint("category IN (1, 2, 3)", name="category"),
        CheckConstraint("heading IS NULL OR (heading >= 0 AND heading < 360)", name="heading"),
        CheckConstraint("fov > 0 AND fov <= 360", name="fov"),
        CheckConstraint("range_m > 0", name="range_m"),
        CheckConstraint("status IN ('online', 'offline')", name="status"),
        Index("ix_cameras_geom", "geom", postgresql_using="gist"),
        Index("ix_cameras_area_code", "area_code"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[int] = mapped_column(SmallInteger)
    heading: Mapped[float | None] = mapped_column(Float)
    fov: Mapped[float] = mapped_column(Float)
    range_m: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))
    owner: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(12))
    geom: Mapped[WKBElement] = mapped_column(_geom("POINT"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RelocationSite(Base):
    """A resettlement site (易地搬迁安置点), managed by its own committee or a nearby village."""

    __tablename__ = "relocation_sites"
    __table_args__ = (
        CheckConstraint("management IN ('own_committee', 'attached')", name="management"),
        CheckConstraint("households IS NULL OR households >= 0", name="households"),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
        CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="geom_type"
        ),
        Index("ix_relocation_sites_geom", "geom", postgresql_using="gist"),
        Index("ix_relocation_sites_area_code", "area_code"),
    )

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    households: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)
    managing_area_code: Mapped[str | None] = mapped_column(ForeignKey("admin_areas.code"))
    management: Mapped[str] = mapped_column(String(16))
    origin_village_codes: Mapped[list[str]] = mapped_column(ARRAY(String(12)), server_default="{}")
    area_code: Mapped[str | None] = mapped_column(String(12))
    geom: Mapped[WKBElement] = mapped_column(_geom("GEOMETRY"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class KeySite(Base):
    """A key public place (school, hospital, market, station, government office, …)."""

    __tablename__ = "key_sites"
    __table_args__ = (
        CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="geom_type"
        ),
        Index("ix_key_sites_geom", "geom", postgresql_using="gist"),
        Index("ix_key_sites_area_code", "area_code"),
    )

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(12))
    geom: Mapped[WKBElement] = mapped_column(_geom("GEOMETRY"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiKey(Base):
    """An API key, stored as its SHA-256 hash, with a role and a jurisdiction (area-code prefix)."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'planner', 'dispatcher', 'service', 'viewer')", name="role"
        ),
        CheckConstraint("jurisdiction ~ '^[0-9]{0,12}$'", name="jurisdiction"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    jurisdiction: Mapped[str] = mapped_column(String(12), server_default="")
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what to which area, and when: imports, publishes, restores, key changes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_area_code", "area_code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(12))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class TileLayer(Base):
    """The version of one vector-tile layer, bumped by a statement trigger on the tables the
    layer is drawn from (migration 0004); workers compare it to know their cached tiles are
    stale.
    """

    __tablename__ = "tile_layers"

    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
