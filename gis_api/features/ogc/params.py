"""Query parameters of OGC API – Features, checked strictly: anything unknown is a 400."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import QueryParams

from boundaries.errors import BadParameter
from gis_api.core.db import MAX_OFFSET
from gis_api.features.ogc.collections import Interval

ITEMS_PARAMS = {"bbox", "limit", "offset", "datetime", "f"}
FORMATS = {"json", "geojson", "application/json", "application/geo+json"}


@dataclass(frozen=True)
class ItemsQuery:
    """The parameters of an items request."""

    bbox: tuple[float, float, float, float] | None
    when: Interval | None
    limit: int
    offset: int


def check_known(params: QueryParams, allowed: set[str]) -> None:
    """400 for any parameter not in ``allowed``, and for an unsupported ``f``."""
    unknown = sorted(set(params.keys()) - allowed)
    if unknown:
        raise BadParameter(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"this endpoint takes {', '.join(sorted(allowed))}"
        )
    for key in params.keys():
        if len(params.getlist(key)) > 1:
            raise BadParameter(f"parameter {key} is given more than once")
    f = params.get("f")
    if f is not None and f.lower() not in FORMATS:
        raise BadParameter(f"f={f} is not offered; the only format is json (GeoJSON)")


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``minx,miny,maxx,maxy`` (or 6 numbers with heights, which are ignored), in CRS84."""
    if raw is None:
        return None
    parts = raw.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise BadParameter(f"bbox={raw}: expected 4 comma-separated numbers") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise BadParameter(f"bbox={raw}: expected 4 (or 6) numbers, got {len(parts)}")
    minx, miny, maxx, maxy = numbers
    for x in (minx, maxx):
        if not -180 <= x <= 180:
            raise BadParameter(f"bbox={raw}: longitude {x} is outside [-180, 180]")
    for y in (miny, maxy):
        if not -90 <= y <= 90:
            raise BadParameter(f"bbox={raw}: latitude {y} is outside [-90, 90]")
    if miny > maxy:
        raise BadParameter(f"bbox={raw}: the southern edge {miny} is north of the northern {maxy}")
    return minx, miny, maxx, maxy


def _instant(text: str, raw: str) -> datetime:
    value = text.strip()
    if len(value) == 10:  # a date: its start, in UTC
        value += "T00:00:00Z"
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(
            f"datetime={raw}: {text!r} is not an RFC 3339 date-time (e.g. 2024-03-01T00:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_datetime(raw: str | None) -> Interval | None:
    """An instant, or an interval ``start/end`` with ``..`` (or empty) for an open end."""
    if raw is None:
        return None
    if "/" not in raw:
        moment = _instant(raw, raw)
        return Interval(start=moment, end=moment, instant=True)
    left, _, right = raw.partition("/")
    start = None if left in ("", "..") else _instant(left, raw)
    end = None if right in ("", "..") else _instant(right, raw)
    if start is None and end is None:
        raise BadParameter(f"datetime={raw}: an interval needs at least one end")
    if start and end and start > end:
        raise BadParameter(f"datetime={raw}: the interval ends before it starts")
    return Interval(start=start, end=end)


def parse_int(
    raw: str | None, name: str, *, default: int, minimum: int, maximum: int | None = None
) -> int:
    """A whole number parameter."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name}={raw}: expected a whole number") from None
    if value < minimum:
        raise BadParameter(f"{name}={raw}: must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise BadParameter(f"{name}={raw}: must be at most {maximum}")
    return value


def items_query(params: QueryParams, *, default_limit: int, max_limit: int) -> ItemsQuery:
    """Check and parse an items request (a limit above the maximum is lowered, per the spec)."""
    check_known(params, ITEMS_PARAMS)
    limit = parse_int(params.get("limit"), "limit", default=default_limit, minimum=1)
    return ItemsQuery(
        bbox=parse_bbox(params.get("bbox")),
        when=parse_datetime(params.get("datetime")),
        limit=min(limit, max_limit),
        offset=parse_int(params.get("offset"), "offset", default=0, minimum=0, maximum=MAX_OFFSET),
    )
