"""Store a prepared layer: one transaction, upsert by code, grids versioned, nothing half-done.

``import_file`` checks the whole file first (``importers.prepare``) and writes only when it
has no problem. All writes happen in the caller's transaction, so a failure anywhere leaves
the store as it was. Re-importing the same file changes nothing: rows equal to what is stored
are counted as unchanged and not touched. A grid that differs is never updated in place: its
current version is closed and the next one written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Table, func, literal_column, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from boundaries.errors import PermissionDenied, ValidationFailed
from boundaries.versions import same_shape
from gis_api.core import jurisdiction as jurisdiction_area
from gis_api.core.audit import record
from gis_api.core.db import ewkb
from gis_api.features.planning.checks import imported_grid_problems
from gis_api.features.planning.versions import lock_villages
from gis_api.features.roads.store import import_roads
from gis_api.schema.fields import DETAIL, PARENT
from gis_api.schema.imports import ImportResult
from gis_api.schema.layers import GRIDS, IMPORT_LAYERS
from gis_api.schema.models import SRID, AdminArea, Building, Camera, Grid, KeySite, RelocationSite
from importers import Context, PreparedLayer, layer_spec, prepare

TABLES: dict[str, Any] = {
    "admin-areas": AdminArea,
    "buildings": Building,
    "cameras": Camera,
    "key-sites": KeySite,
    "relocation-sites": RelocationSite,
}
LEVEL_ORDER = {"county": 0, "town": 1, "village": 2}

SPECIAL_IMPORTERS: dict[str, Callable[..., ImportResult]] = {"roads": import_roads}
"""Layers with an importer of their own, called as ``fn(session, path=…, crs=…, file_layer=…,
dry_run=…, actor=…, jurisdiction=…, options=…)`` in the caller's transaction, with the same
all-or-nothing duty as ``import_file``."""
BATCH = 2_000


def load_context(session: Session) -> Context:
    """The stored areas, as the importers' checks need them."""
    rows = session.execute(
        select(
            AdminArea.code,
            AdminArea.name,
            AdminArea.level,
            AdminArea.kind,
            AdminArea.parent_code,
            func.ST_AsBinary(AdminArea.geom).label("wkb"),
        )
    ).all()
    frame = gpd.GeoDataFrame(
        {
            "code": [r.code for r in rows],
            "name": [r.name for r in rows],
            "level": [r.level for r in rows],
            "kind": [r.kind for r in rows],
            "parent_code": [r.parent_code for r in rows],
        },
        geometry=shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else [],
        crs=SRID,
    )
    return Context(areas=frame)


def import_file(
    session: Session,
    *,
    layer: str,
    path: str | Path,
    crs: str | None = None,
    file_layer: str | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    jurisdiction: str = "",
    options: dict[str, str] | None = None,
) -> ImportResult:
    """Check ``path`` as ``layer`` and store it in the session's transaction.

    ``ValidationFailed`` (nothing written) lists every problem. With ``dry_run`` the writes
    are made in a savepoint and rolled back, so the counts are the real ones. With a
    ``jurisdiction`` (an area-code prefix), every feature must lie inside it, or nothing is
    written (``PermissionDenied``).
    """
    special = SPECIAL_IMPORTERS.get(layer)
    if special is not None:
        return special(
            session,
            path=path,
            crs=crs,
            file_layer=file_layer,
            dry_run=dry_run,
            actor=actor,
            jurisdiction=jurisdiction,
            options=options or {},
        )
    prepared = prepare(
        layer_spec(layer, IMPORT_LAYERS),
        path,
        crs=crs,
        file_layer=file_layer,
        context=load_context(session),
    )
    result = ImportResult(
        layer=prepared.spec.name,
        file=prepared.source.name,
        crs=prepared.crs,
        rows=prepared.rows,
        dry_run=dry_run,
        warnings=[w.as_dict() for w in prepared.warnings],
        ignored_columns=prepared.ignored_columns,
    )
    if jurisdiction:
        refuse_foreign_rows(session, prepared, jurisdiction)
    savepoint = session.begin_nested()
    try:
        inserted, updated = store(session, prepared, actor=actor)
        if jurisdiction:
            _check_jurisdiction(session, prepared, jurisdiction)
        if prepared.spec.name == "grids":
            _check_grids_among_published(session, prepared, jurisdiction)
    except BaseException:
        savepoint.rollback()
        raise
    result.inserted, result.updated = inserted, updated
    result.unchanged = prepared.rows - inserted - updated
    if dry_run:
        savepoint.rollback()
        return result
    savepoint.commit()
    record(
        session,
        actor=actor,
        action=f"import.{prepared.spec.name}",
        area_code=_area_of(prepared),
        details={k: v for k, v in result.as_dict().items() if k != "warnings"},
    )
    return result


def refuse_foreign_rows(session: Session, prepared: PreparedLayer, jurisdiction: str) -> None:
    """Before anything is written: every row must be writable by a key of ``jurisdiction``.

    A row is writable when the stored row it would update (same key) lies inside the
    jurisdiction, its codes (area, village, managing area) are inside it, and its geometry lies
    within the jurisdiction's stored boundary. The message is the same for every reason, so it
    does not tell whether another jurisdiction holds an object with that key.
    """
    frame = prepared.frame
    keys = frame[prepared.spec.key].tolist()
    stored = _stored_areas(session, prepared.spec.name, keys)
    area = jurisdiction_area.boundary(session, jurisdiction)
    refused = set(jurisdiction_area.outside(area, list(frame.geometry)))
    for column in CODE_COLUMNS.get(prepared.spec.name, ()):
        for i, code in enumerate(frame[column].tolist()):
            if code is not None and not str(code).startswith(jurisdiction):
                refused.add(i)
    for i, key in enumerate(keys):
        if key in stored and not (stored[key] or "").startswith(jurisdiction):
            refused.add(i)
    if refused:
        raise _refusal(prepared, sorted(refused))


def _refusal(prepared: PreparedLayer, positions: list[int]) -> PermissionDenied:
    """The one answer for rows a key may not write, whatever the reason (see above)."""
    source, key = prepared.source, prepared.spec.key
    keys = prepared.frame[key].tolist()
    lines = [
        f"{source.row_word} {source.row_number(i)}: {key} {keys[i]} cannot be written by this key"
        for i in positions
    ]
    more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
    return PermissionDenied(
        f"{source.name}: " + "; ".join(lines[:5]) + more + "; nothing was written",
        details={"rows": [source.row_number(i) for i in positions]},
    )


CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "admin-areas": ("code",),
    "grids": ("code", "village_code"),
    "buildings": ("village_code",),
    "relocation-sites": ("managing_area_code",),
}
"""Columns of a layer that name an area: each must lie inside the importing key's jurisdiction
(a parent code follows from the code, which the importers check)."""


def _stored_areas(session: Session, layer: str, keys: list[Any]) -> dict[Any, str | None]:
    """The area each already stored row of ``keys`` lies in (rows not stored are absent)."""
    if layer == "admin-areas":
        found = session.scalars(select(AdminArea.code).where(AdminArea.code.in_(keys)))
        return {code: code for code in found}
    if layer == "grids":
        found = session.scalars(select(Grid.code).where(Grid.code.in_(keys)).distinct())
        return {code: code for code in found}
    if layer == "buildings":
        return dict(
            session.execute(
                select(Building.code, Building.village_code).where(Building.code.in_(keys))
            ).all()
        )
    model = TABLES[layer]
    key_col = getattr(model, LAYER_KEYS[layer])
    return dict(session.execute(select(key_col, model.area_code).where(key_col.in_(keys))).all())


LAYER_KEYS = {"cameras": "id", "key-sites": "code", "relocation-sites": "code"}


def _check_jurisdiction(session: Session, prepared: PreparedLayer, jurisdiction: str) -> None:
    """After the write (in the savepoint): the areas the database placed the rows in must be
    inside the jurisdiction too (``refuse_foreign_rows`` has already checked the file).
    """
    name = prepared.spec.name
    keys = prepared.frame[prepared.spec.key].tolist()
    if name in ("admin-areas", "grids"):
        areas = dict(zip(keys, keys, strict=True))
    elif name == "buildings":
        areas = dict(zip(keys, prepared.frame["village_code"].tolist(), strict=True))
    else:
        model = TABLES[name]
        key_col = getattr(model, prepared.spec.key)
        areas = dict(
            session.execute(select(key_col, model.area_code).where(key_col.in_(keys))).all()
        )
    outside = [i for i, k in enumerate(keys) if not (areas.get(k) or "").startswith(jurisdiction)]
    if outside:
        raise _refusal(prepared, outside)


def _area_of(prepared: PreparedLayer) -> str | None:
    column = {"admin-areas": "code", "grids": "village_code", "buildings": "village_code"}.get(
        prepared.spec.name
    )
    if column is None or prepared.frame.empty:
        return None
    values = [c for c in prepared.frame[column] if c]
    if not values:
        return None
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    return prefix.ljust(12, "0") if len(prefix) >= 6 else None


def store(session: Session, prepared: PreparedLayer, *, actor: str) -> tuple[int, int]:
    """Write the layer; returns (inserted, updated)."""
    frame = prepared.frame
    if prepared.spec.name == "grids":
        return _store_grids(session, frame, actor=actor)
    model = TABLES[prepared.spec.name]
    if prepared.spec.name == "admin-areas":
        frame = frame.iloc[np.argsort([LEVEL_ORDER[lv] for lv in frame["level"]], kind="stable")]
    rows = _rows(frame, prepared.spec.field_names)
    counts = _upsert(session, model.__table__, rows, key=prepared.spec.key)
    if prepared.spec.name == "admin-areas":
        session.execute(text("SELECT gridmap_refresh_area_codes()"))
    return counts


def _rows(frame: gpd.GeoDataFrame, columns: list[str]) -> list[dict[str, Any]]:
    data = {c: frame[c].tolist() for c in columns}
    geoms = [ewkb(g) for g in frame.geometry]
    out = []
    for i, g in enumerate(geoms):
        row = {c: _plain(data[c][i]) for c in columns}
        row["geom"] = g
        out.append(row)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


def _upsert(
    session: Session, table: Table, rows: list[dict[str, Any]], *, key: str
) -> tuple[int, int]:
    """INSERT … ON CONFLICT DO UPDATE only where something differs; counts by ``xmax = 0``."""
    if not rows:
        return 0, 0
    columns = [c for c in rows[0] if c != key]
    inserted = updated = 0
    for start in range(0, len(rows), BATCH):
        stmt = insert(table).values(rows[start : start + BATCH])
        excluded = stmt.excluded
        changed = or_(
            tuple_(*[table.c[c] for c in columns if c != "geom"]).is_distinct_from(
                tuple_(*[excluded[c] for c in columns if c != "geom"])
            ),
            ~func.ST_OrderingEquals(table.c.geom, excluded.geom),
        )
        values: dict[str, Any] = {c: excluded[c] for c in columns}
        if "updated_at" in table.c:
            values["updated_at"] = func.now()
        upsert: Any = stmt.on_conflict_do_update(
            index_elements=[table.c[key]], set_=values, where=changed
        ).returning(literal_column("(xmax = 0)").label("inserted"))
        flags = session.execute(upsert).scalars().all()
        new = sum(1 for f in flags if f)
        inserted += new
        updated += len(flags) - new
    return inserted, updated


GRID_FIELDS = GRIDS.names((PARENT, DETAIL), stored=True)
"""What a new grid version compares and writes besides code, version and geometry."""


def _check_grids_among_published(
    session: Session, prepared: PreparedLayer, jurisdiction: str
) -> None:
    """The villages' grids as the import leaves them (the published grids the file does not
    replace, and the file's) must pass publishing's shape rules, or nothing is written.
    """
    problems = imported_grid_problems(
        session,
        codes=[str(c) for c in prepared.frame["code"]],
        rows=[prepared.source.row_number(i) for i in range(prepared.rows)],
        file=prepared.source.name,
        row_word=prepared.source.row_word,
        jurisdiction=jurisdiction,
    )
    if problems:
        raise ValidationFailed(
            problems,
            summary=f"{prepared.source.name}: {len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''} with the published grids it leaves in place; "
            "nothing was written",
        )


def _store_grids(session: Session, frame: gpd.GeoDataFrame, *, actor: str) -> tuple[int, int]:
    """Insert new grids; for changed ones close the current version and write the next.

    The villages are locked first, as publishing locks them (a 409 when another write holds
    one too long), so the current versions read here are still current when closed.
    """
    lock_villages(session, [str(v) for v in frame["village_code"]])
    codes = frame["code"].tolist()
    current = {
        r.code: r
        for r in session.execute(
            select(
                Grid.id,
                Grid.code,
                Grid.version,
                *[getattr(Grid, f) for f in GRID_FIELDS],
                func.ST_AsBinary(Grid.geom).label("wkb"),
            ).where(Grid.code.in_(codes), Grid.valid_to.is_(None))
        )
    }
    latest = dict(
        session.execute(
            select(Grid.code, func.max(Grid.version))
            .where(Grid.code.in_(codes))
            .group_by(Grid.code)
        ).all()
    )
    to_close: list[int] = []
    to_insert: list[dict[str, Any]] = []
    updated = 0
    for i, code in enumerate(codes):
        geom = frame.geometry.iat[i]
        values = {f: _plain(frame[f].iat[i]) for f in GRID_FIELDS}
        old = current.get(code)
        if old is not None:
            same = all(getattr(old, f) == values[f] for f in GRID_FIELDS) and same_shape(
                shapely.from_wkb(bytes(old.wkb)), geom
            )
            if same:
                continue
            to_close.append(old.id)
            updated += 1
        version = latest.get(code, 0) + 1
        to_insert.append(
            {"code": code, "version": version, "created_by": actor, "geom": ewkb(geom), **values}
        )
    # One instant for the whole import: closed versions end where the new ones begin.
    moment = session.scalar(select(func.clock_timestamp()))
    for row in to_insert:
        row["valid_from"] = moment
    if to_close:
        session.execute(update(Grid).where(Grid.id.in_(to_close)).values(valid_to=moment))
    for start in range(0, len(to_insert), BATCH):
        session.execute(insert(Grid).values(to_insert[start : start + BATCH]))
    return len(to_insert) - updated, updated
