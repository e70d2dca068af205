"""Map page sessions: a random id in an http-only cookie, kept here only as its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from gis_api.schema.tables import Base


class PageSession(Base):
    """One login of the map pages: bound to the key it was opened with, until ``expires_at``.

    Logging out deletes the row; revoking the key deletes its rows (and a revoked key's rows
    are refused anyway). The cookie holds the id; the table holds its keyed hash.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_key_id", "key_id"),
        Index("ix_sessions_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
