"""Planning: drafts of a village's grids, version metadata, per-county validation rules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRID_KINDS = "('街巷型', '楼院型', '单位型', '村组型')"


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("area_code", sa.String(12), sa.ForeignKey("admin_areas.code"), nullable=False),
        sa.Column("title", sa.Text, server_default="", nullable=False),
        sa.Column("status", sa.String(12), server_default="open", nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, server_default="1", nullable=False),
        sa.Column("next_key", sa.Integer, server_default="1", nullable=False),
        sa.Column("proposal", postgresql.JSONB),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_version", sa.Integer),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('open', 'published', 'discarded')", name="status"),
        sa.CheckConstraint(
            "source IN ('published', 'version', 'proposal', 'empty')", name="source"
        ),
        sa.CheckConstraint("base_version >= 0", name="base_version"),
        sa.CheckConstraint(
            "area_code ~ '^[0-9]{9}[0-9]{3}$' AND right(area_code, 3) <> '000'", name="village_area"
        ),
    )
    op.create_index("ix_drafts_area_code", "drafts", ["area_code"])

    op.create_table(
        "draft_grids",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "draft_id",
            sa.BigInteger,
            sa.ForeignKey("drafts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("code", sa.String(15)),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.String(4)),
        sa.Column("households", sa.Integer),
        sa.Column("population", sa.Integer),
        sa.Column("leader_name", sa.Text),
        sa.Column("leader_phone", sa.Text),
        # Any geometry, valid or not: a draft may be broken while it is drawn; validation says
        # where, and publishing refuses it.
        sa.Column("geom", Geometry("GEOMETRY", srid=4490, spatial_index=False), nullable=False),
        sa.CheckConstraint(f"kind IS NULL OR kind IN {GRID_KINDS}", name="kind"),
        sa.CheckConstraint("households IS NULL OR households >= 0", name="households"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="population"),
        sa.CheckConstraint("key ~ '^[A-Za-z0-9_.-]{1,32}$'", name="key_chars"),
    )
    op.create_index("uq_draft_grids_draft_id_key", "draft_grids", ["draft_id", "key"], unique=True)
    op.create_index("ix_draft_grids_geom", "draft_grids", ["geom"], postgresql_using="gist")

    op.create_table(
        "area_versions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("area_code", sa.String(12), sa.ForeignKey("admin_areas.code"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("draft_id", sa.BigInteger, sa.ForeignKey("drafts.id")),
        sa.Column("restored_from", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("summary", postgresql.JSONB, server_default="{}", nullable=False),
        sa.CheckConstraint("action IN ('publish', 'restore')", name="action"),
        sa.CheckConstraint("version >= 1", name="version"),
    )
    op.create_index(
        "uq_area_versions_area_code_version", "area_versions", ["area_code", "version"], unique=True
    )
    op.create_index(
        "uq_area_versions_area_code_at", "area_versions", ["area_code", "at"], unique=True
    )

    op.create_table(
        "planning_rules",
        sa.Column(
            "county_code", sa.String(12), sa.ForeignKey("admin_areas.code"), primary_key=True
        ),
        sa.Column("rules", postgresql.JSONB, server_default="{}", nullable=False),
        sa.Column("updated_by", sa.Text),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("county_code ~ '^[0-9]{6}000000$'", name="county"),
    )
    # Versions are found by the instants at which a village's grids changed.
    op.create_index("ix_grids_village_code_valid_from", "grids", ["village_code", "valid_from"])


def downgrade() -> None:
    op.drop_index("ix_grids_village_code_valid_from", table_name="grids")
    op.drop_table("planning_rules")
    op.drop_table("area_versions")
    op.drop_table("draft_grids")
    op.drop_table("drafts")
