"""Whether an error means the database cannot be reached now (as opposed to a bad request).

The answer to such an error (503 with ``Retry-After``) is the one translation of database errors
in :mod:`gis_api.core.db_errors`; the key cache and the tile service ask this to decide whether
to keep serving what they already know while the database is away.
"""

from __future__ import annotations

from boundaries.errors import ServiceUnavailable
from gis_api.core.db_errors import translate


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached.

    Connection refused or lost, no connection free in the pool, the server shutting down.
    """
    return isinstance(translate(exc), ServiceUnavailable)
