"""The ``at`` of a lookup: which instant's grids answer.

``at=YYYY-MM-DD`` means the END of that day in China Standard Time (UTC+08:00): the grids
valid at 23:59:59.999999 CST, i.e. the state after everything published that day. So "which
grid was this point in on 2024-03-01" answers with the grid as it stood when the day ended.
A date-time (ISO 8601, ``2024-03-01T09:30`` or with an offset such as ``+08:00`` or ``Z``)
is that instant; one without an offset is read as CST.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from boundaries.errors import InvalidInput

CST = timezone(timedelta(hours=8), "CST")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_at(value: str) -> datetime:
    """The instant ``at`` stands for (timezone-aware), or ``InvalidInput`` saying the forms."""
    text = value.strip()
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=CST)
            return end - timedelta(microseconds=1)
        instant = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            f"at={value!r} is not a date (YYYY-MM-DD, the end of that day in China Standard "
            "Time) or an ISO 8601 date-time (2024-03-01T09:30:00+08:00)"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=CST)
    return instant
