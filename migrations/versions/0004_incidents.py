"""Incidents in a closed loop, the event log of every step, and vector tile layer versions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SRID = 4490
STATUSES = "('reported', 'opened', 'dispatched', 'handled', 'feedback', 'closed')"
LEVELS = "('grid', 'village', 'town', 'county')"
# Which table's changes bump which tile layer's version (and so every tile URL and ETag).
TILE_TABLES = {"grids": "grids", "admin_areas": "areas"}


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("status", sa.Text, server_default="reported", nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("external_ref", sa.Text),
        sa.Column("reporter_name", sa.Text),
        sa.Column("reporter_phone", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("geom", Geometry("POINT", srid=SRID, spatial_index=False), nullable=False),
        sa.Column("grid_code", sa.String(15)),
        sa.Column("village_code", sa.String(12)),
        sa.Column("town_code", sa.String(12)),
        sa.Column("county_code", sa.String(12)),
        sa.Column("area_code", sa.String(12)),
        sa.Column(
            "reported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("dispatched_at", sa.DateTime(timezone=True)),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
        sa.Column("feedback_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee", sa.Text),
        sa.Column("resolution", sa.Text),
        sa.Column("satisfied", sa.Boolean),
        sa.Column("reported_by", sa.Text),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint("severity IN ('general', 'major', 'urgent')", name="severity"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.CheckConstraint(f"level IN {LEVELS}", name="level"),
        sa.CheckConstraint(
            "source IN ('grid_worker', 'public', 'video', 'hotline', 'superior')", name="source"
        ),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at"),
        sa.CheckConstraint("due_at > reported_at", name="due_at"),
        sa.CheckConstraint("length(description) > 0", name="description"),
    )
    op.create_index("ix_incidents_geom", "incidents", ["geom"], postgresql_using="gist")
    op.create_index("ix_incidents_reported_at", "incidents", ["reported_at"])
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_index("ix_incidents_grid_code", "incidents", ["grid_code"])
    op.create_index(
        "ix_incidents_area_code",
        "incidents",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "uq_incidents_source_external_ref",
        "incidents",
        ["source", "external_ref"],
        unique=True,
        postgresql_where=sa.text("external_ref IS NOT NULL"),
    )

    op.create_table(
        "incident_events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("from_level", sa.Text),
        sa.Column("to_level", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("note", sa.Text),
        sa.Column(
            "details", postgresql.JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.CheckConstraint(f"to_status IN {STATUSES}", name="to_status"),
        sa.CheckConstraint(f"to_level IN {LEVELS}", name="to_level"),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events", ["incident_id", "at"])
    # The event log is the record of who did what: it is appended to, never rewritten.
    op.execute(
        """
        CREATE FUNCTION gridmap_incident_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'incident events are a record and are never changed or deleted'
                USING ERRCODE = 'integrity_constraint_violation';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER incident_events_append_only BEFORE UPDATE OR DELETE ON incident_events "
        "FOR EACH ROW EXECUTE FUNCTION gridmap_incident_events_append_only()"
    )

    op.create_table(
        "tile_layers",
        sa.Column("layer", sa.Text, primary_key=True),
        sa.Column("version", sa.BigInteger, server_default="1", nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.execute("INSERT INTO tile_layers (layer) VALUES ('grids'), ('areas')")
    op.execute(
        """
        CREATE FUNCTION gridmap_bump_tile_layer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE tile_layers SET version = version + 1, changed_at = clock_timestamp()
            WHERE layer = TG_ARGV[0];
            RETURN NULL;
        END $$
        """
    )
    for table, layer in TILE_TABLES.items():
        op.execute(
            f"CREATE TRIGGER {table}_tile_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_tile_layer('{layer}')"
        )


def downgrade() -> None:
    for table in TILE_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_tile_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS gridmap_bump_tile_layer()")
    op.drop_table("tile_layers")
    op.execute("DROP TRIGGER IF EXISTS incident_events_append_only ON incident_events")
    op.execute("DROP FUNCTION IF EXISTS gridmap_incident_events_append_only()")
    op.drop_table("incident_events")
    op.drop_table("incidents")
