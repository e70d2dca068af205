"""The ``at`` of a lookup: which instant's grids answer.

``at=YYYY-MM-DD`` means the END of that day in China Standard Time (UTC+08:00): the grids
valid at 23:59:59.999999 CST, i.e. the state after everything published that day. So "which
grid was this point in on 2024-03-01" answers with the grid as it stood when the day ended.
A date-time (ISO 8601, ``2024-03-01T09:30`` or with an offset such as ``+08:00`` or ``Z``)
is that instant; one without an offset is read as CST.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from boundaries.errors import InvalidInput

CST = timezone(timedelta(hours=8), "CST")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_at(value: str) -> datetime:
    """The instant ``at`` stands for (timezone-aware), or ``InvalidInput`` saying the forms."""
    text = value.strip()
    try:
        if _DATE.match(text):
            instant = datetime.combine(date.fromisoformat(text), time.max, tzinfo=CST)
        else:
            instant = datetime.fromisoformat(text.replace("z", "Z"))
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=CST)
        # an instant whose UTC falls outside years 1..9999 (9999-12-31T23:00-05:00) is no
        # instant Python or the database can compare: refused here, not a 500 later
        instant.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"at={value!r} is not a date (YYYY-MM-DD, the end of that day in China Standard "
            "Time) or an ISO 8601 date-time (2024-03-01T09:30:00+08:00) of years 1 to 9999"
        ) from None
    return instant
