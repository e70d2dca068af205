"""The lookup answered by a PostGIS query per request.

Not the production path: the in-memory read model is. This variant exists so the benchmark can
compare the two on the same server and data (``GRIDMAP_LOOKUP_BACKEND=postgis``), and it is
tested to give the same answers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_api.core.auth import Principal
from gis_api.schema.layers import GRIDS

ANSWERED = GRIDS.answered
LOOKUP_SQL = text(
    f"""
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:x, :y), 4490) AS g),
    gr AS (
        SELECT {", ".join(f"g.{name}" for name in ANSWERED)}
        FROM grids g, p
        WHERE g.valid_to IS NULL AND ST_Intersects(g.geom, p.g)
        ORDER BY g.code LIMIT 1
    ),
    ar AS (
        SELECT DISTINCT ON (a.level) a.code, a.name, a.level, a.kind, a.parent_code
        FROM admin_areas a, p
        WHERE ST_Intersects(a.geom, p.g)
        ORDER BY a.level, a.code
    )
    SELECT (SELECT row_to_json(gr) FROM gr) AS grid,
           (SELECT coalesce(json_agg(ar), '[]') FROM ar) AS areas
    """
)


def lookup_postgis(
    session: Session, *, x: float, y: float, principal: Principal
) -> dict[str, object]:
    """Same answer as ``service.answer_one``, straight from PostGIS."""
    row = session.execute(LOOKUP_SQL, {"x": x, "y": y}).one()
    grid: dict[str, Any] | None = row.grid
    by_level = {a["level"]: a for a in row.areas}
    if grid is not None and not principal.sees(grid["code"]):
        grid = None
    answer: dict[str, object] = {"grid": None}
    if grid is not None:
        answer["grid"] = GRIDS.answer(grid, personal=principal.personal)
    for level in ("village", "town", "county"):
        area = by_level.get(level)
        if area is None or not principal.sees_context(area["code"]):
            answer[level] = None
        elif level == "village":
            answer[level] = {"code": area["code"], "name": area["name"], "kind": area["kind"]}
        else:
            answer[level] = {"code": area["code"], "name": area["name"]}
    return answer
