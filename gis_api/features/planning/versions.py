"""Versions of a village's grids, found in the grids' own history.

A version is an instant at which the set of the village's grids changed: the ``valid_from`` or
``valid_to`` of any of its grid rows. Version 1 is the first import; every publish, restore or
re-import that changes something adds one. Numbering them from the history itself means an
import made outside the planning loop is a version too, and the number a draft started from
can always be compared with the present one. ``area_versions`` adds who published or restored
each version and why, matched by its instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from boundaries.errors import Conflict, NotFound
from gis_api.schema.models import AdminArea, AreaVersion

INSTANTS = text(
    """
    SELECT at FROM (
        SELECT valid_from AS at FROM grids WHERE village_code = :v
        UNION
        SELECT valid_to FROM grids WHERE village_code = :v AND valid_to IS NOT NULL
    ) s ORDER BY at
    """
)
VERSIONS = text(
    """
    WITH t AS (
        SELECT valid_from AS at FROM grids WHERE village_code = :v
        UNION
        SELECT valid_to FROM grids WHERE village_code = :v AND valid_to IS NOT NULL
    )
    SELECT t.at,
           count(g.id) AS grids,
           coalesce(sum(g.households), 0) AS households,
           (SELECT string_agg(DISTINCT n.created_by, ', ') FROM grids n
             WHERE n.village_code = :v AND n.valid_from = t.at) AS created_by
    FROM t LEFT JOIN grids g
      ON g.village_code = :v AND g.valid_from <= t.at AND (g.valid_to IS NULL OR g.valid_to > t.at)
    GROUP BY t.at ORDER BY t.at
    """
)


def instants(session: Session, village_code: str) -> list[datetime]:
    """The instants at which the village's grids changed, oldest first."""
    return [r.at for r in session.execute(INSTANTS, {"v": village_code})]


def current_version(session: Session, village_code: str) -> int:
    """The village's version number now (0 when it never had grids)."""
    return len(instants(session, village_code))


def instant_of(session: Session, village_code: str, version: int) -> datetime:
    """The instant at which ``version`` took effect; ``NotFound`` naming the versions there are."""
    found = instants(session, village_code)
    if not 1 <= version <= len(found):
        there = f"versions 1–{len(found)}" if found else "no versions"
        raise NotFound(f"village {village_code} has no version {version}; it has {there}")
    return found[version - 1]


SET_LOCK_TIMEOUT = text("SELECT set_config('lock_timeout', :value, true)")
LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a lock not granted within ``lock_timeout``."""
LOCK_WAIT_S = 5.0
"""How long an import waits for a village another write holds before it answers 409."""
RETRY_AFTER_S = 5
"""The seconds a caller refused with ``village_busy`` is advised to wait before trying again."""


def lock_village(session: Session, village_code: str) -> None:
    """Hold the village's row until the transaction ends: every write of the village's
    published grids (publish, restore, grid import) queues here.

    ``FOR NO KEY UPDATE``: writers queue, while rows that merely refer to the village (a new
    draft, a grid inserted by the holder) are not held up by it.
    """
    lock_villages(session, [village_code], wait_s=None)


def lock_villages(
    session: Session, village_codes: list[str], *, wait_s: float | None = LOCK_WAIT_S
) -> None:
    """Hold the rows of these villages until the transaction ends, taken in code order (two
    writers of overlapping villages then never wait for each other in a circle).

    With ``wait_s``, a village still held by another write after that long is a ``Conflict``
    (409, ``details.retry_after`` in seconds); the transaction must then be rolled back (to a
    savepoint taken before this call, or whole). Without it, wait as long as it takes.
    """
    codes = sorted(set(village_codes))
    if not codes:
        return
    query = (
        select(AdminArea.code)
        .where(AdminArea.code.in_(codes))
        .order_by(AdminArea.code)
        .with_for_update(key_share=True)
    )
    if wait_s is None:
        session.execute(query)
        return
    before = session.scalar(text("SELECT current_setting('lock_timeout')"))
    session.execute(SET_LOCK_TIMEOUT, {"value": f"{max(1, round(wait_s * 1000))}ms"})
    try:
        session.execute(query)
    except OperationalError as exc:
        if getattr(exc.orig, "pgcode", None) != LOCK_NOT_AVAILABLE:
            raise
        shown = ", ".join(codes[:5]) + (" …" if len(codes) > 5 else "")
        what = "village" if len(codes) == 1 else "villages"
        raise Conflict(
            f"{what} {shown} is being changed by another publish, restore or import; "
            f"nothing was written. Try again in {RETRY_AFTER_S} seconds",
            details={"reason": "village_busy", "villages": codes, "retry_after": RETRY_AFTER_S},
        ) from None
    session.execute(SET_LOCK_TIMEOUT, {"value": before})


def list_versions(session: Session, village_code: str) -> list[dict[str, Any]]:
    """Every version: number, instant, grids and households then, and who made it, how."""
    rows = session.execute(VERSIONS, {"v": village_code}).all()
    meta = {
        m.at: m
        for m in session.scalars(select(AreaVersion).where(AreaVersion.area_code == village_code))
    }
    out = []
    for n, row in enumerate(rows, start=1):
        m = meta.get(row.at)
        item: dict[str, Any] = {
            "version": n,
            "at": row.at.isoformat(),
            "grids": int(row.grids),
            "households": int(row.households),
            "action": m.action if m else "import",
            "by": m.actor if m else row.created_by,
        }
        if m is not None:
            item["note"] = m.note
            item["draft_id"] = m.draft_id
            item["restored_from"] = m.restored_from
            item["summary"] = m.summary
        out.append(item)
    return out
