"""Foundation: areas, versioned grids, buildings, cameras, sites, API keys, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SRID = 4490


def geom(kind: str) -> Geometry:
    return Geometry(kind, srid=SRID, spatial_index=False)


def now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    # postgis and btree_gist are created here when the role may; scripts/setup.sh puts them in
    # template1 beforehand so that a role without superuser rights finds them present.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.create_table(
        "admin_areas",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(4)),
        sa.Column("parent_code", sa.String(12), sa.ForeignKey("admin_areas.code")),
        sa.Column("geom", geom("MULTIPOLYGON"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.CheckConstraint("code ~ '^[0-9]{12}$'", name="code_digits"),
        sa.CheckConstraint("level IN ('county', 'town', 'village')", name="level"),
        sa.CheckConstraint(
            "(level = 'village' AND kind IN ('社区', '村')) "
            "OR (level <> 'village' AND kind IS NULL)",
            name="kind",
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
    )
    op.create_index("ix_admin_areas_geom", "admin_areas", ["geom"], postgresql_using="gist")
    op.create_index("ix_admin_areas_parent_code", "admin_areas", ["parent_code"])

    op.create_table(
        "grids",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("code", sa.String(15), nullable=False),
        sa.Column("version", sa.Integer, server_default="1", nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("village_code", sa.String(12), sa.ForeignKey("admin_areas.code"), nullable=False),
        sa.Column("households", sa.Integer, server_default="0", nullable=False),
        sa.Column("population", sa.Integer),
        sa.Column("leader_name", sa.Text),
        sa.Column("leader_phone", sa.Text),
        sa.Column("valid_from", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.Text),
        sa.Column("geom", geom("MULTIPOLYGON"), nullable=False),
        sa.CheckConstraint("code ~ '^[0-9]{15}$'", name="code_digits"),
        sa.CheckConstraint("left(code, 12) = village_code", name="code_in_village"),
        sa.CheckConstraint("kind IN ('街巷型', '楼院型', '单位型', '村组型')", name="kind"),
        sa.CheckConstraint("households >= 0", name="households"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="population"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
    )
    op.create_index("uq_grids_code_version", "grids", ["code", "version"], unique=True)
    op.create_index(
        "uq_grids_current_code",
        "grids",
        ["code"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index("ix_grids_village_code", "grids", ["village_code"])
    op.create_index("ix_grids_geom", "grids", ["geom"], postgresql_using="gist")
    # Two versions of one grid never hold at the same instant.
    op.execute(
        "ALTER TABLE grids ADD CONSTRAINT ex_grids_code_period EXCLUDE USING gist "
        "(code WITH =, tstzrange(valid_from, valid_to) WITH &&)"
    )

    op.create_table(
        "buildings",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("village_code", sa.String(12), sa.ForeignKey("admin_areas.code")),
        sa.Column("households", sa.Integer, server_default="0", nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("geom", geom("GEOMETRY"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.CheckConstraint("households >= 0", name="households"),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="geom_type"
        ),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name="geom_srid"),
    )
    op.create_index("ix_buildings_geom", "buildings", ["geom"], postgresql_using="gist")
    op.create_index("ix_buildings_village_code", "buildings", ["village_code"])

    op.create_table(
        "cameras",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("category", sa.SmallInteger, nullable=False),
        sa.Column("heading", sa.Float),
        sa.Column("fov", sa.Float, nullable=False),
        sa.Column("range_m", sa.Float, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("area_code", sa.String(12)),
        sa.Column("geom", geom("POINT"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.CheckConstraint("id ~ '^[0-9]{20}$'", name="id_digits"),
        sa.CheckConstraint("category IN (1, 2, 3)", name="category"),
        sa.CheckConstraint("heading IS NULL OR (heading >= 0 AND heading < 360)", name="heading"),
        sa.CheckConstraint("fov > 0 AND fov <= 360", name="fov"),
        sa.CheckConstraint("range_m > 0", name="range_m"),
        sa.CheckConstraint("status IN ('online', 'offline')", name="status"),
    )
    op.create_index("ix_cameras_geom", "cameras", ["geom"], postgresql_using="gist")
    op.create_index("ix_cameras_area_code", "cameras", ["area_code"])

    op.create_table(
        "relocation_sites",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("households", sa.Integer),
        sa.Column("population", sa.Integer),
        sa.Column("managing_area_code", sa.String(12), sa.ForeignKey("admin_areas.code")),
        sa.Column("management", sa.String(16), nullable=False),
        sa.Column(
            "origin_village_codes",
            postgresql.ARRAY(sa.String(12)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("area_code", sa.String(12)),
        sa.Column("geom", geom("GEOMETRY"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.CheckConstraint("management IN ('own_committee', 'attached')", name="management"),
        sa.CheckConstraint("households IS NULL OR households >= 0", name="households"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="population"),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="geom_type"
        ),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name="geom_srid"),
    )
    op.create_index(
        "ix_relocation_sites_geom", "relocation_sites", ["geom"], postgresql_using="gist"
    )
    op.create_index("ix_relocation_sites_area_code", "relocation_sites", ["area_code"])

    op.create_table(
        "key_sites",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("area_code", sa.String(12)),
        sa.Column("geom", geom("GEOMETRY"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="geom_type"
        ),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name="geom_srid"),
    )
    op.create_index("ix_key_sites_geom", "key_sites", ["geom"], postgresql_using="gist")
    op.create_index("ix_key_sites_area_code", "key_sites", ["area_code"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(12), server_default="", nullable=False),
        sa.Column("label", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "role IN ('admin', 'planner', 'dispatcher', 'service', 'viewer')", name="role"
        ),
        sa.CheckConstraint("jurisdiction ~ '^[0-9]{0,12}$'", name="jurisdiction"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=now(), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("area_code", sa.String(12)),
        sa.Column("details", postgresql.JSONB, server_default="{}", nullable=False),
    )
    op.create_index("ix_audit_log_area_code", "audit_log", ["area_code"])

    # --- A published grid row is never updated in place ------------------------------------
    op.execute(
        """
        CREATE FUNCTION gridmap_grids_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'grid % version % is history and is never deleted',
                    OLD.code, OLD.version USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF OLD.valid_to IS NOT NULL THEN
                RAISE EXCEPTION 'grid % version % is closed and is never changed',
                    OLD.code, OLD.version USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF (to_jsonb(NEW) - 'valid_to') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to') THEN
                RAISE EXCEPTION 'grid % version % is published: write a new version instead',
                    OLD.code, OLD.version USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER grids_immutable BEFORE UPDATE OR DELETE ON grids "
        "FOR EACH ROW EXECUTE FUNCTION gridmap_grids_immutable()"
    )

    # --- Workers refresh their lookup index and key cache on these notifications -----------
    op.execute(
        """
        CREATE FUNCTION gridmap_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('gridmap_changes', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    for table in ("grids", "admin_areas", "api_keys"):
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change()"
        )

    # --- The deepest administrative area a feature lies in, kept on write ------------------
    op.execute(
        """
        CREATE FUNCTION gridmap_area_at(g geometry) RETURNS varchar LANGUAGE sql STABLE AS $$
            SELECT a.code FROM admin_areas a
            WHERE ST_Intersects(a.geom, ST_PointOnSurface(g))
            ORDER BY CASE a.level WHEN 'village' THEN 3 WHEN 'town' THEN 2 ELSE 1 END DESC,
                     a.code
            LIMIT 1
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION gridmap_set_area_code() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.area_code := gridmap_area_at(NEW.geom);
            RETURN NEW;
        END $$
        """
    )
    for table in ("cameras", "key_sites", "relocation_sites"):
        op.execute(
            f"CREATE TRIGGER {table}_area_code BEFORE INSERT OR UPDATE OF geom ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION gridmap_set_area_code()"
        )
    op.execute(
        """
        CREATE FUNCTION gridmap_refresh_area_codes() RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE
            n integer := 0;
            m integer;
        BEGIN
            UPDATE cameras SET area_code = gridmap_area_at(geom)
                WHERE area_code IS DISTINCT FROM gridmap_area_at(geom);
            GET DIAGNOSTICS m = ROW_COUNT; n := n + m;
            UPDATE key_sites SET area_code = gridmap_area_at(geom)
                WHERE area_code IS DISTINCT FROM gridmap_area_at(geom);
            GET DIAGNOSTICS m = ROW_COUNT; n := n + m;
            UPDATE relocation_sites SET area_code = gridmap_area_at(geom)
                WHERE area_code IS DISTINCT FROM gridmap_area_at(geom);
            GET DIAGNOSTICS m = ROW_COUNT; n := n + m;
            RETURN n;
        END $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gridmap_refresh_area_codes()")
    for table in ("cameras", "key_sites", "relocation_sites"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_area_code ON {table}")
    op.execute("DROP FUNCTION IF EXISTS gridmap_set_area_code()")
    op.execute("DROP FUNCTION IF EXISTS gridmap_area_at(geometry)")
    for table in ("grids", "admin_areas", "api_keys"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute("DROP FUNCTION IF EXISTS gridmap_notify_change()")
    op.execute("DROP TRIGGER IF EXISTS grids_immutable ON grids")
    op.execute("DROP FUNCTION IF EXISTS gridmap_grids_immutable()")
    for table in (
        "audit_log",
        "api_keys",
        "key_sites",
        "relocation_sites",
        "cameras",
        "buildings",
        "grids",
        "admin_areas",
    ):
        op.drop_table(table)
