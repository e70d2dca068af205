"""Drafts: a village's grids copied into a working set, edited, then published or discarded.

Households in a draft. A building belongs to the grid holding its representative point
(``boundaries.households``), so the households of a draft grid are counted from the buildings
every time the draft is read or validated, and moving a building means moving the boundary
around it (``boundaries.editing.move_buildings``). The stored figure (``households``) is kept
as it came (from the published grid, a PUT, or a merge's sum); a split or a move clears it on
the grids whose shape changed, since it no longer describes them. Publishing writes the
counted figure when the village has buildings, else the stored one.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import to_shape
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from boundaries import editing
from boundaries.codes import significant_prefix
from boundaries.errors import Conflict, InvalidInput, NotFound
from boundaries.households import assign_buildings
from boundaries.topology import polygonal
from gis_api.core.auth import Principal
from gis_api.core.db import ewkb
from gis_api.core.jurisdiction import require_inside
from gis_api.features.planning import store
from gis_api.features.planning.versions import current_version, instant_of
from gis_api.schema.fields import DETAIL, KEY
from gis_api.schema.geojson import feature_collection
from gis_api.schema.layers import GRIDS
from gis_api.schema.models import SRID, Draft, DraftGrid

EDITABLE = GRIDS.names((KEY, DETAIL))
"""What a draft grid holds besides its key and shape."""
DEFAULT_KIND = {"社区": "街巷型", "村": "村组型"}


def actor_of(principal: Principal) -> str:
    """How the audit log and the version list name a caller (``cli`` for the command line)."""
    if principal.key_id == 0 and principal.prefix == "cli":
        return "cli"
    return f"key:{principal.prefix}"


def get_draft(
    session: Session, draft_id: int, principal: Principal, *, write: bool = False
) -> Draft:
    """A draft the caller may see (and, with ``write``, change: planners, open drafts only)."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    principal.check_area(draft.area_code)
    if write:
        principal.require("plan")
        if draft.status != "open":
            raise Conflict(
                f"draft {draft_id} is {draft.status}; only open drafts can be changed",
                details={"status": draft.status, "published_version": draft.published_version},
            )
    return draft


def list_drafts(
    session: Session, principal: Principal, *, area: str | None = None, status: str | None = None
) -> list[Draft]:
    """Drafts within the caller's jurisdiction, newest first."""
    query = select(Draft).order_by(Draft.id.desc())
    if principal.jurisdiction:
        query = query.where(Draft.area_code.startswith(principal.jurisdiction))
    if area:
        prefix = significant_prefix(area) if len(area) == 12 else area
        query = query.where(Draft.area_code.startswith(prefix))
    if status:
        query = query.where(Draft.status == status)
    return list(session.scalars(query.limit(500)))


def _insert(session: Session, draft: Draft, frame: gpd.GeoDataFrame) -> None:
    rows = []
    for n in range(len(frame)):
        key = frame["key"].iloc[n] if "key" in frame.columns else None
        if key is None or key == "":
            key = f"n{draft.next_key}"
            draft.next_key += 1
        values = {f: _plain(frame[f].iloc[n]) if f in frame.columns else None for f in EDITABLE}
        rows.append(
            DraftGrid(draft_id=draft.id, key=str(key), geom=ewkb(frame.geometry.iloc[n]), **values)
        )
    session.add_all(rows)
    session.flush()


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def create_draft(
    session: Session,
    *,
    area_code: str,
    principal: Principal,
    source: str = "published",
    version: int | None = None,
    title: str = "",
    grids: gpd.GeoDataFrame | None = None,
    proposal: dict[str, Any] | None = None,
) -> Draft:
    """A new draft of a village: a copy of its published grids, of a past version, empty, or
    the given grids (a proposal).
    """
    principal.require("plan")
    store.get_village(session, area_code, principal)
    if source not in ("published", "version", "empty", "proposal"):
        raise InvalidInput(
            f"source was {source!r} but is expected to be published, version, empty or proposal"
        )
    frame: gpd.GeoDataFrame | None = None
    if source == "published":
        frame = store.grids_frame(session, village_codes=[area_code])
    elif source == "version":
        if version is None:
            raise InvalidInput("source 'version' needs the version number")
        frame = store.grids_frame(
            session, village_codes=[area_code], at=instant_of(session, area_code, version)
        )
    elif source == "proposal":
        if grids is None:
            raise InvalidInput("source 'proposal' needs the proposed grids")
        frame = grids
    if frame is not None and source in ("published", "version"):
        frame = frame.assign(key=frame["code"])
    draft = Draft(
        area_code=area_code,
        title=title or "",
        source=source,
        base_version=current_version(session, area_code),
        created_by=actor_of(principal),
        proposal=proposal,
        next_key=1,
        revision=1,
    )
    if frame is not None and len(frame):
        require_inside(session, principal, _keys(frame), list(frame.geometry))
    session.add(draft)
    session.flush()
    if frame is not None and len(frame):
        _insert(session, draft, frame)
    return draft


def draft_frame(session: Session, draft: Draft) -> gpd.GeoDataFrame:
    """The draft's grids (EPSG:4490, geometries as stored, possibly invalid)."""
    rows = session.execute(
        select(
            DraftGrid.key,
            *[getattr(DraftGrid, f) for f in EDITABLE],
            func.ST_AsBinary(DraftGrid.geom).label("wkb"),
        )
        .where(DraftGrid.draft_id == draft.id)
        .order_by(DraftGrid.id)
    ).all()
    # object columns: None stays None (pandas 3 would turn it into NaN in a string column)
    data = {f: pd.Series([getattr(r, f) for r in rows], dtype=object) for f in ("key", *EDITABLE)}
    data["village_code"] = pd.Series([draft.area_code] * len(rows), dtype=object)
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=4490)


def _keys(frame: gpd.GeoDataFrame) -> list[str]:
    if "key" not in frame.columns:
        return [f"feature {n + 1}" for n in range(len(frame))]
    return [
        str(k) if k not in (None, "") else f"feature {n + 1}" for n, k in enumerate(frame["key"])
    ]


def touch(session: Session, draft: Draft, expected_revision: int | None) -> None:
    """Count a write of an open draft, or refuse it (``Conflict``) when someone else wrote
    it meanwhile: every change of a draft (its grids, its base, its status) goes through here
    before it writes anything.

    One compare-and-set ``UPDATE … SET revision = revision + 1 WHERE revision = :expected AND
    status = 'open'``: of two writers that read the same revision, the second waits for the
    first's row lock, then finds the revision moved on and gets the 409, so no edit is lost
    without a word. ``expected_revision`` is the revision the caller's edit was made on; without
    it, the revision this transaction read (its edit was computed from what it read). The row
    stays locked until the transaction ends.
    """
    expected = draft.revision if expected_revision is None else expected_revision
    new = session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.revision == expected, Draft.status == "open")
        .values(revision=Draft.revision + 1, updated_at=func.now())
        .returning(Draft.revision)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new is None:
        now = session.execute(
            select(Draft.revision, Draft.status, Draft.published_version).where(
                Draft.id == draft.id
            )
        ).one()
        if now.status != "open":
            raise Conflict(
                f"draft {draft.id} is {now.status}; only open drafts can be changed",
                details={"status": now.status, "published_version": now.published_version},
            )
        raise Conflict(
            f"draft {draft.id} is at revision {now.revision}, not {expected}: "
            "someone else changed it; reload it and edit again",
            details={"revision": now.revision, "expected_revision": expected},
        )
    set_committed_value(draft, "revision", new)


def discard_draft(session: Session, draft: Draft, expected_revision: int | None) -> None:
    """Mark the draft discarded: kept, but no longer edited or published."""
    touch(session, draft, expected_revision)
    draft.status = "discarded"
    session.flush()


def replace_grids(
    session: Session,
    draft: Draft,
    frame: gpd.GeoDataFrame,
    expected_revision: int | None,
    *,
    principal: Principal,
) -> None:
    """Replace all of the draft's grids."""
    require_inside(session, principal, _keys(frame), list(frame.geometry))
    touch(session, draft, expected_revision)
    session.execute(delete(DraftGrid).where(DraftGrid.draft_id == draft.id))
    _insert(session, draft, frame)


def _row(session: Session, draft: Draft, key: str) -> DraftGrid:
    row = session.scalar(
        select(DraftGrid).where(DraftGrid.draft_id == draft.id, DraftGrid.key == key)
    )
    if row is None:
        raise NotFound(f"draft {draft.id} has no grid {key!r}")
    return row


def put_grid(
    session: Session,
    draft: Draft,
    key: str,
    frame: gpd.GeoDataFrame,
    expected_revision: int | None,
    *,
    principal: Principal,
) -> None:
    """Create or replace one grid (geometry and properties) of the draft."""
    if len(frame) != 1:
        raise InvalidInput("send exactly one Feature for one grid")
    given = frame["key"].iloc[0]
    if given not in (None, "", key):
        raise InvalidInput(f"the feature's key {given!r} differs from the URL's {key!r}")
    require_inside(session, principal, [key], list(frame.geometry))
    touch(session, draft, expected_revision)
    session.execute(delete(DraftGrid).where(DraftGrid.draft_id == draft.id, DraftGrid.key == key))
    _insert(session, draft, frame.assign(key=[key]))


def patch_grid(
    session: Session,
    draft: Draft,
    key: str,
    geometry: Any | None,
    values: dict[str, Any],
    expected_revision: int | None,
    *,
    principal: Principal,
) -> None:
    """Change one grid's geometry and/or the named properties, keeping the rest."""
    row = _row(session, draft, key)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"unknown properties {unknown}; editable are {list(EDITABLE)}")
    if geometry is not None:
        require_inside(session, principal, [key], [geometry])
    touch(session, draft, expected_revision)
    if geometry is not None:
        row.geom = stored(geometry)
        if "households" not in values:
            row.households = None  # the stored figure no longer describes the new shape
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()


def delete_grid(session: Session, draft: Draft, key: str, expected_revision: int | None) -> None:
    """Remove one grid from the draft."""
    row = _row(session, draft, key)
    touch(session, draft, expected_revision)
    session.delete(row)
    session.flush()


def stored(geom: Any) -> WKBElement:
    """A shapely geometry as the value of a draft grid's ``geom`` (SRID 4490)."""
    return WKBElement(shapely.to_wkb(geom), srid=SRID)


def _shape(row: DraftGrid) -> Any:
    """The geometry of a draft grid row, as loaded or as just assigned."""
    return to_shape(row.geom)


def split_grid(
    session: Session, draft: Draft, key: str, line: Any, expected_revision: int | None
) -> list[str]:
    """Cut one grid along a line; the largest piece keeps the key and the grid's details."""
    row = _row(session, draft, key)
    pieces = editing.split_grid(_shape(row), line)
    touch(session, draft, expected_revision)
    row.geom = stored(pieces[0])
    row.households = None
    row.population = None
    keys = [key]
    for piece in pieces[1:]:
        new_key = f"n{draft.next_key}"
        draft.next_key += 1
        session.add(DraftGrid(draft_id=draft.id, key=new_key, kind=row.kind, geom=ewkb(piece)))
        keys.append(new_key)
    session.flush()
    return keys


def merge_grids(
    session: Session, draft: Draft, keys: list[str], expected_revision: int | None
) -> str:
    """Merge grids into the first one named; stored figures are summed when all are known."""
    if len(set(keys)) != len(keys):
        raise InvalidInput("a grid is named twice in the merge")
    rows = [_row(session, draft, k) for k in keys]
    merged = editing.merge_grids([_shape(r) for r in rows], keys)
    touch(session, draft, expected_revision)
    first = rows[0]
    first.geom = stored(merged)
    for field in ("households", "population"):
        values = [getattr(r, field) for r in rows]
        setattr(first, field, None if any(v is None for v in values) else sum(values))
    for row in rows[1:]:
        session.delete(row)
    session.flush()
    return keys[0]


def move_buildings(
    session: Session,
    draft: Draft,
    building_codes: list[str],
    to_key: str,
    expected_revision: int | None,
) -> list[str]:
    """Move buildings into grid ``to_key`` by moving boundaries; returns the grids changed."""
    if not building_codes:
        raise InvalidInput("name at least one building to move")
    village = store.villages_frame(session, draft.area_code)
    buildings = store.buildings_frame(session, [draft.area_code])
    position = {str(c): i for i, c in enumerate(buildings["code"])}
    unknown = [c for c in building_codes if c not in position]
    if unknown:
        raise NotFound(f"no building(s) {unknown[:5]} in village {draft.area_code}")
    frame = draft_frame(session, draft)
    keys = [str(k) for k in frame["key"]]
    if to_key not in keys:
        raise NotFound(f"draft {draft.id} has no grid {to_key!r}")
    before = [polygonal(g) for g in frame.geometry]
    after = editing.move_buildings(
        before,
        keys.index(to_key),
        [position[c] for c in building_codes],
        np.asarray(buildings.geometry.array, dtype=object),
        area=village.geometry.iloc[0],
    )
    touch(session, draft, expected_revision)
    changed = []
    for key, old, new in zip(keys, before, after, strict=True):
        if shapely.equals(old, new):
            continue
        row = _row(session, draft, key)
        row.geom = stored(new)
        row.households = None
        row.population = None
        changed.append(key)
    session.flush()
    return changed


def counted(
    session: Session, draft: Draft, frame: gpd.GeoDataFrame
) -> tuple[list[int | None], list[int]]:
    """Households and buildings per draft grid, counted from the village's buildings."""
    buildings = store.buildings_frame(session, [draft.area_code])
    if buildings.empty:
        return [None] * len(frame), [0] * len(frame)
    geoms = [polygonal(shapely.make_valid(g)) for g in frame.geometry]
    assignment = assign_buildings(geoms, np.asarray(buildings.geometry.array, dtype=object))
    hh = assignment.households(np.asarray(buildings["households"], dtype=float), len(geoms))
    return [int(round(h)) for h in hh], [int(b) for b in assignment.buildings(len(geoms))]


def draft_payload(session: Session, draft: Draft, principal: Principal) -> dict[str, Any]:
    """The draft's details and its grids as a FeatureCollection with counted households."""
    frame = draft_frame(session, draft)
    households, buildings = counted(session, draft, frame)
    frame = frame.assign(
        households_stored=frame["households"],
        households=pd.Series(households, dtype=object),
        buildings=pd.Series(buildings, dtype=object),
    )
    props = ["key", *GRIDS.names((KEY, DETAIL), caller=principal)]
    props += ["households_stored", "buildings"]
    return {
        **draft_meta(draft),
        "current_version": current_version(session, draft.area_code),
        "grids": feature_collection(frame, properties=props, id_column="key", layer=GRIDS),
    }


def draft_meta(draft: Draft) -> dict[str, Any]:
    """The draft's details without its grids."""
    return {
        "id": draft.id,
        "area_code": draft.area_code,
        "title": draft.title,
        "status": draft.status,
        "source": draft.source,
        "base_version": draft.base_version,
        "revision": draft.revision,
        "created_by": draft.created_by,
        "created_at": draft.created_at.isoformat() if draft.created_at else None,
        "published_version": draft.published_version,
        "proposal": draft.proposal,
    }
