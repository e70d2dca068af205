"""Map page sessions: a random id per login, stored hashed, bound to its key, with an expiry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "key_id",
            sa.BigInteger,
            sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sessions_key_id", "sessions", ["key_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    # Workers forget cached sessions when one ends (logout, revocation); a login or a renewal
    # needs no notice, so only deletions notify.
    op.execute(
        "CREATE TRIGGER sessions_notify AFTER DELETE OR TRUNCATE ON sessions "
        "FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS sessions_notify ON sessions")
    op.drop_table("sessions")
