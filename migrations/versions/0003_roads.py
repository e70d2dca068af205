"""Road networks for pgRouting, and saved patrol plans.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SRID = 4490
NETWORKS = "network IN ('driving', 'walking')"


def geom(kind: str) -> Geometry:
    return Geometry(kind, srid=SRID, spatial_index=False)


def upgrade() -> None:
    # scripts/setup.sh installs pgrouting into template1, so a role without superuser rights
    # finds it present; this creates it where the role may.
    op.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")

    op.create_table(
        "road_networks",
        sa.Column("network", sa.Text, primary_key=True),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("jurisdiction", sa.String(12), server_default="", nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("edges", sa.Integer, nullable=False),
        sa.Column("vertices", sa.Integer, nullable=False),
        sa.Column("length_m", sa.Float, nullable=False),
        sa.Column("components", postgresql.JSONB, server_default="[]", nullable=False),
        sa.Column("details", postgresql.JSONB, server_default="{}", nullable=False),
        sa.CheckConstraint(NETWORKS, name="network"),
    )

    op.create_table(
        "road_vertices",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("network", sa.Text, nullable=False),
        sa.Column("component", sa.Integer, nullable=False),
        sa.Column("geom", geom("POINT"), nullable=False),
        sa.CheckConstraint(NETWORKS, name="network"),
    )
    op.create_index("ix_road_vertices_geom", "road_vertices", ["geom"], postgresql_using="gist")
    op.create_index("ix_road_vertices_network", "road_vertices", ["network"])

    op.create_table(
        "road_edges",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("network", sa.Text, nullable=False),
        sa.Column("source", sa.BigInteger, sa.ForeignKey("road_vertices.id"), nullable=False),
        sa.Column("target", sa.BigInteger, sa.ForeignKey("road_vertices.id"), nullable=False),
        sa.Column("length_m", sa.Float, nullable=False),
        sa.Column("cost_s", sa.Float, nullable=False),
        sa.Column("reverse_cost_s", sa.Float, nullable=False),
        sa.Column("oneway", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("highway", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("osm_id", sa.BigInteger),
        sa.Column("area_code", sa.String(12)),
        sa.Column("speed_kmh", sa.Float, nullable=False),
        sa.Column("component", sa.Integer, nullable=False),
        sa.Column("geom", geom("LINESTRING"), nullable=False),
        sa.CheckConstraint(NETWORKS, name="network"),
        sa.CheckConstraint("length_m >= 0", name="length_m"),
        sa.CheckConstraint("cost_s >= 0", name="cost_s"),
        sa.CheckConstraint("speed_kmh > 0", name="speed_kmh"),
    )
    op.create_index("ix_road_edges_geom", "road_edges", ["geom"], postgresql_using="gist")
    op.create_index("ix_road_edges_network", "road_edges", ["network"])
    op.create_index("ix_road_edges_source", "road_edges", ["source"])
    op.create_index("ix_road_edges_target", "road_edges", ["target"])
    op.create_index("ix_road_edges_area_code", "road_edges", ["area_code"])

    op.create_table(
        "patrol_plans",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("network", sa.Text, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("jurisdiction", sa.String(12), server_default="", nullable=False),
        sa.Column("teams", sa.Integer, nullable=False),
        sa.Column("distance_m", sa.Float, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("request", postgresql.JSONB, nullable=False),
        sa.Column("result", postgresql.JSONB, nullable=False),
        sa.Column("geom", geom("MULTILINESTRING")),
        sa.CheckConstraint("kind IN ('routes', 'streets')", name="kind"),
        sa.CheckConstraint(NETWORKS, name="network"),
    )
    op.create_index("ix_patrol_plans_geom", "patrol_plans", ["geom"], postgresql_using="gist")
    op.create_index("ix_patrol_plans_jurisdiction", "patrol_plans", ["jurisdiction"])


def downgrade() -> None:
    op.drop_table("patrol_plans")
    op.drop_table("road_edges")
    op.drop_table("road_vertices")
    op.drop_table("road_networks")
    # the extension stays: other databases' objects may use it, and dropping it needs rights
