"""Batch lookups: parse JSON or CSV bodies, answer in order, shape JSON or CSV out."""

from __future__ import annotations

import io

import numpy as np
import orjson
import pandas as pd

from boundaries.errors import InvalidInput, TooLarge
from gis_api.core.auth import Principal
from gis_api.features.lookup.model import ReadModel
from gis_api.features.lookup.points import CRS_CHOICES, many_to_storage
from gis_api.features.lookup.service import FIELDS, answer_many
from importers.readers import check_csv_width, describe_columns

__all__ = ["CRS_CHOICES", "answer_batch", "parse_json_points", "parse_csv_points"]

LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
CSV_OUT = (
    "grid_code",
    "grid_name",
    "village_code",
    "village_name",
    "town_code",
    "town_name",
    "county_code",
    "county_name",
)


def _too_many(n: int, limit: int) -> TooLarge:
    return TooLarge(
        f"a batch takes at most {limit:,} points; this one has {n:,}: split it",
        details={"limit": limit, "count": n},
    )


_NUMBER_CHARS = b"0123456789.-+eE,[]"


def _fast_points(body: bytes, *, limit: int) -> tuple[np.ndarray, np.ndarray, str | None] | None:
    """The common case, compact ``"points":[[lon,lat],[lon,lat],…]``, parsed without making a
    Python object per number (pandas' C parser reads the pairs as CSV lines). Returns None when
    the body is not in that exact form; the general path then parses it and names any error.
    """
    key = body.find(b'"points"')
    if key < 0 or body.find(b'"points"', key + 1) >= 0:
        return None
    start = body.find(b"[[", key)
    if start < 0 or body[key + 8 : start].strip(b" \t\r\n") != b":":
        return None
    end = body.find(b"]]", start)
    if end < 0:
        return None
    inner = body[start + 2 : end]
    if not inner or inner.translate(None, _NUMBER_CHARS):
        return None
    lines = inner.replace(b"],[", b"\n")
    if b"[" in lines or b"]" in lines:
        return None
    count = lines.count(b"\n") + 1
    if count > limit:
        raise _too_many(count, limit)
    try:
        rest = orjson.loads(body[:start] + b"[]" + body[end + 2 :])
        frame = pd.read_csv(io.BytesIO(lines), header=None, dtype=np.float64, engine="c")
    except (orjson.JSONDecodeError, ValueError, pd.errors.ParserError):
        return None
    if not isinstance(rest, dict) or rest.get("points") != [] or frame.shape != (count, 2):
        return None
    values = frame.to_numpy()
    if np.isnan(values).any():
        return None
    crs = rest.get("crs")
    if crs is not None and not isinstance(crs, str):
        raise InvalidInput("'crs' must be a string")
    return values[:, 0].copy(), values[:, 1].copy(), crs


def parse_json_points(body: bytes, *, limit: int) -> tuple[np.ndarray, np.ndarray, str | None]:
    """``{"crs": .., "points": [[lon, lat], ...]}`` to arrays; errors name the bad point."""
    fast = _fast_points(body, limit=limit)
    if fast is not None:
        return fast
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or "points" not in data:
        raise InvalidInput('the body must be an object {"crs": "...", "points": [[lon, lat], ...]}')
    points = data["points"]
    if not isinstance(points, list):
        raise InvalidInput("'points' must be a list of [lon, lat] pairs")
    if len(points) > limit:
        raise _too_many(len(points), limit)
    crs = data.get("crs")
    if crs is not None and not isinstance(crs, str):
        raise InvalidInput("'crs' must be a string")
    if not points:
        return np.empty(0), np.empty(0), crs
    try:
        arr = np.array(points, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError
    except (ValueError, TypeError):
        for i, p in enumerate(points):
            if (
                not isinstance(p, list)
                or len(p) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
            ):
                raise InvalidInput(
                    f"points[{i}] is {str(p)[:60]!r}; each point must be [lon, lat] (two numbers)",
                    details={"index": i},
                ) from None
        raise InvalidInput("'points' must be a list of [lon, lat] pairs") from None
    return arr[:, 0].copy(), arr[:, 1].copy(), crs


def _pick(columns: list[str], names: tuple[str, ...], what: str) -> str:
    lowered = {c.strip().lower().lstrip("\ufeff"): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    raise InvalidInput(
        f"the CSV has no {what} column: expected one of {list(names)}, "
        f"found {describe_columns(columns)}"
    )


def parse_csv_points(body: bytes, *, limit: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A CSV with lon/lat columns (and any others, kept as text to echo back)."""
    check_csv_width(body, "the CSV")
    try:
        frame = pd.read_csv(
            io.BytesIO(body), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(f"the body is not a readable UTF-8 CSV: {exc}") from None
    if len(frame) > limit:
        raise _too_many(len(frame), limit)
    cols = [str(c) for c in frame.columns]
    lon_col = _pick(cols, LON_NAMES, "longitude")
    lat_col = _pick(cols, LAT_NAMES, "latitude")
    lon = pd.to_numeric(frame[lon_col], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(frame[lat_col], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(lon) | np.isnan(lat)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInput(
            f"CSV line {i + 2}: {lon_col}={frame[lon_col].iat[i][:60]!r}, "
            f"{lat_col}={frame[lat_col].iat[i][:60]!r} is not a pair of numbers "
            f"({int(bad.sum())} such rows)",
            details={"line": i + 2, "count": int(bad.sum())},
        )
    return frame, lon, lat


def answer_batch(
    model: ReadModel,
    *,
    body: bytes,
    content_type: str,
    crs: str | None,
    principal: Principal,
    limit: int,
    threads: int,
    at: str | None = None,
) -> tuple[bytes, str]:
    """The whole batch: parse, convert, locate, shape. Returns the body and its media type.

    ``at`` (the instant the model is of, when not now) is echoed in a JSON answer.
    """
    if content_type in ("text/csv", "application/csv"):
        frame, lon, lat = parse_csv_points(body, limit=limit)
        x, y, _ = many_to_storage(lon, lat, crs)
        answer = answer_many(model, x=x, y=y, principal=principal, threads=threads)
        names = _names(model)
        loc = answer.located
        out = frame.copy()
        out["grid_code"] = answer.grid
        out["grid_name"] = names["grid"][loc.grid]
        for level in ("village", "town", "county"):
            idx = getattr(loc, level)
            out[f"{level}_code"] = getattr(answer, level)
            out[f"{level}_name"] = names["area"][idx]
        buffer = io.StringIO()
        out.to_csv(buffer, index=False)
        return buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    if content_type not in ("application/json", ""):
        raise InvalidInput(
            f"Content-Type {content_type!r} is not accepted: send application/json or text/csv"
        )
    lon, lat, body_crs = parse_json_points(body, limit=limit)
    x, y, name = many_to_storage(lon, lat, crs or body_crs)
    answer = answer_many(model, x=x, y=y, principal=principal, threads=threads)
    payload = {
        "count": len(x),
        "crs": name,
        "fields": list(FIELDS),
        "results": answer.rows(),
        "grids": answer.grids,
        "areas": answer.areas,
    }
    if at is not None:
        payload["at"] = at
    return orjson.dumps(payload), "application/json"


def _names(model: ReadModel) -> dict[str, np.ndarray]:
    return {
        "grid": np.array([g.name for g in model.grids] + [None], dtype=object),
        "area": np.array([a.name for a in model.areas] + [None], dtype=object),
    }
