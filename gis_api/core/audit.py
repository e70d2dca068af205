"""The audit log: who did what to which area, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gis_api.schema.models import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    area_code: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction (it lands only if the work does)."""
    entry = AuditEntry(actor=actor, action=action, area_code=area_code, details=details or {})
    session.add(entry)
    session.flush()
    return entry
