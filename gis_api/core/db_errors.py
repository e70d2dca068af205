"""The one translation of database errors into domain errors, by SQLSTATE.

The API's handlers (``gis_api.core.errors``) and the CLI (``gis_api.core.cli.errors``) both
come here, so a duplicate, a broken rule, a clash with another writer or a database out of
reach reads the same everywhere:

==================================================  ======  ==================================
SQLSTATE                                            status  error
==================================================  ======  ==================================
23505 unique, 23P01 exclusion                       409     ``Conflict``
23000 and P0001 raised by a trigger (immutability)  409     ``Conflict``
23503 foreign key: another row still refers to it   409     ``Conflict``
23503 foreign key: it refers to a missing row       422     ``InvalidInput``
23514 check, 23502 not null, class 22 (bad data)    422     ``InvalidInput``
40P01 deadlock, 40001 serialization, 55P03 lock     409     ``RetryLater`` (Retry-After)
class 08, 53, 57P0x, no SQLSTATE, pool timeout      503     ``ServiceUnavailable`` (Retry-After)
57014 statement timeout                             503     ``ServiceUnavailable`` (Retry-After)
==================================================  ======  ==================================

A message names what the rule means (the constraint, its table and columns), never the row: the
server's DETAIL (``Key (code)=(510116…)``) and the SQL are not passed on, so an answer cannot
show another town's data or the schema's queries. Anything else is not translated (``None``):
it is a bug, answered 500 and logged.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg2
from sqlalchemy import exc as sa_exc

from boundaries import errors as e

RETRY_CLASH_SECONDS = 1
"""Retry-After of a clash with another writer (deadlock, lock, serialization)."""
RETRY_UNAVAILABLE_SECONDS = 5
"""Retry-After when the database is out of reach."""

CONSTRAINT_MEANING: dict[str, str] = {
    "ex_grids_code_period": "two versions of the same grid would be valid at the same time",
}
"""Constraints whose name alone does not say enough; the rest are named as they are."""

TRIGGER_MEANING: dict[str, str] = {
    "gridmap_grids_immutable": (
        "a published grid version is history: it is never changed or deleted in place; "
        "publish a new version instead"
    ),
}
"""Trigger functions that refuse a change, by name, with what they protect."""

_KEY_COLUMNS = re.compile(r"^Key \(([^)]*)\)")
_TRIGGER_FUNCTION = re.compile(r"PL/pgSQL function (\w+)\(")


def translate(exc: BaseException) -> e.GridmapError | None:
    """The domain error a database error means, or ``None`` when it is not one we know."""
    if isinstance(exc, sa_exc.TimeoutError):
        return _unavailable("no database connection was free in time", "pool_timeout")
    if isinstance(exc, sa_exc.DisconnectionError):
        return _unavailable("the connection to the database was lost", "disconnected")
    orig: Any = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if not isinstance(orig, psycopg2.Error):
        return None
    state: str = orig.pgcode or ""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return _unavailable("the connection to the database was lost", state or "disconnected")
    if state in ("23505", "23P01", "23503", "23514", "23502") or state.startswith("22"):
        return _integrity(orig, state)
    if state in ("23000", "P0001"):
        return _refused(orig, state)
    if state in ("40P01", "40001", "55P03"):
        return _clash(state)
    if state == "57014":
        return _unavailable("the database took too long to answer (statement timeout)", state)
    if (
        not state
        and isinstance(orig, psycopg2.OperationalError | psycopg2.InterfaceError)
        or state[:2] in ("08", "53")
        or state.startswith("57P")
    ):
        return _unavailable(
            "the database cannot be reached or is not accepting work", state or "connection"
        )
    return None


def _diag(orig: Any) -> tuple[str | None, str | None, list[str]]:
    """Constraint, table and columns of an integrity error (never the values)."""
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    columns: list[str] = []
    column = getattr(diag, "column_name", None)
    if column:
        columns = [column]
    match = _KEY_COLUMNS.match(getattr(diag, "message_detail", None) or "")
    if match:
        columns = [c.strip() for c in match.group(1).split(",")]
    return constraint, table, columns


def _integrity(orig: Any, state: str) -> e.GridmapError:
    constraint, table, columns = _diag(orig)
    of_table = f" of {table}" if table else ""
    cols = f" ({', '.join(columns)})" if columns else ""
    rule = f" [{constraint}]" if constraint else ""
    details = {"sqlstate": state, "constraint": constraint, "table": table, "columns": columns}
    meaning = CONSTRAINT_MEANING.get(constraint or "")
    if state == "23505":
        message = f"a row{of_table} with the same{cols or ' key'} already exists{rule}"
        return e.Conflict(message, details=details)
    if state == "23P01":
        message = meaning or f"the row overlaps another row{of_table}{cols}"
        return e.Conflict(f"{message}{rule}", details=details)
    if state == "23503":
        primary = getattr(getattr(orig, "diag", None), "message_primary", "") or ""
        if "is still referenced" in primary or "update or delete" in primary:
            message = f"other rows still refer to this row{of_table}{rule}"
            return e.Conflict(message, details=details)
        message = f"a value{of_table}{cols} refers to something that does not exist{rule}"
        return e.InvalidInput(message, details=details)
    if state == "23514":
        message = meaning or f"a value{of_table} breaks the rule {constraint or 'of a check'}"
        return e.InvalidInput(f"{message}{rule if meaning else ''}", details=details)
    if state == "23502":
        return e.InvalidInput(f"a required value{of_table}{cols} is missing", details=details)
    return e.InvalidInput(f"a value{of_table} is not valid for its column", details=details)


def _refused(orig: Any, state: str) -> e.GridmapError:
    """A change a trigger refused (``RAISE EXCEPTION``): named by the trigger's function."""
    diag = getattr(orig, "diag", None)
    match = _TRIGGER_FUNCTION.search(getattr(diag, "context", None) or "")
    function = match.group(1) if match else None
    meaning = TRIGGER_MEANING.get(function or "")
    if meaning is None:
        meaning = "the database refused the change: it breaks a rule of the stored data"
    details = {"sqlstate": state, "rule": function}
    return e.Conflict(meaning, details=details)


def _clash(state: str) -> e.GridmapError:
    what = {
        "40P01": "two requests waited on each other (a deadlock)",
        "40001": "another request changed the same data at the same time",
        "55P03": "another request holds a lock on the same data",
    }[state]
    return e.RetryLater(
        f"{what}; nothing was written: send the request again in {RETRY_CLASH_SECONDS} s",
        details={"sqlstate": state, "retry_after": RETRY_CLASH_SECONDS},
        retry_after=RETRY_CLASH_SECONDS,
    )


def _unavailable(what: str, reason: str) -> e.GridmapError:
    return e.ServiceUnavailable(
        f"the database is unavailable: {what}; retry in {RETRY_UNAVAILABLE_SECONDS} s",
        details={"reason": reason, "retry_after": RETRY_UNAVAILABLE_SECONDS},
        retry_after=RETRY_UNAVAILABLE_SECONDS,
    )
