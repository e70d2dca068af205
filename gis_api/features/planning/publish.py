"""Publishing a draft and restoring a past version: one transaction each, one village at a time.

Both take the village's row lock first (``versions.lock_village``; a grid import takes it
too), so two publishes of one village run one after the other; the second then finds a newer
version than its draft was made from and gets a ``Conflict`` naming it. Nothing of the loser
is lost: its draft stays open and can be rebased onto the new version (``rebase``) after a
look at the differences.

Writing a new state of a village (``write_state``) closes every published grid that changes
(``valid_to``) and inserts the next version of it, with one instant for all, so "which grid
was this point in" has exactly one answer at every instant. A grid equal in shape and details
to the published one is not touched. Grids that disappear are closed; their codes are never
given to another grid. The statement triggers on ``grids`` notify every worker at commit, and
each reloads its lookup index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from boundaries.codes import parse_grid_code
from boundaries.errors import Conflict, InvalidInput
from boundaries.topology import polygonal
from boundaries.versions import assign_codes, diff_versions, same_shape
from gis_api.core.audit import record
from gis_api.core.auth import Principal
from gis_api.core.db import ewkb
from gis_api.core.jurisdiction import require_inside
from gis_api.core.settings import Settings
from gis_api.features.planning import store
from gis_api.features.planning.checks import validate_draft
from gis_api.features.planning.drafts import (
    DEFAULT_KIND,
    actor_of,
    counted,
    draft_frame,
    get_draft,
    touch,
)
from gis_api.features.planning.versions import current_version, instant_of, instants, lock_village
from gis_api.schema.fields import DETAIL
from gis_api.schema.layers import GRIDS
from gis_api.schema.models import AreaVersion, Grid

DETAILS = GRIDS.names((DETAIL,))
"""What a planner sets on a grid besides its shape (compared and written when publishing)."""


def _norm(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if np.isnan(value) else value
    return value


def _same(old: Any, new: dict[str, Any]) -> bool:
    details = all(_norm(getattr(old, f)) == _norm(new[f]) for f in DETAILS)
    return details and same_shape(old.geometry, new["geom"])


def write_state(
    session: Session, village_code: str, state: gpd.GeoDataFrame, *, actor: str
) -> tuple[datetime, dict[str, Any]]:
    """Make ``state`` (a ``code`` and details per grid) the village's published grids.

    Returns the instant the new version takes effect and what happened to each code.
    """
    old = store.grids_frame(session, village_codes=[village_code])
    by_code = {str(c): row for c, row in zip(old["code"], old.itertuples(), strict=True)}
    latest = dict(
        session.execute(
            select(Grid.code, func.max(Grid.version))
            .where(Grid.village_code == village_code)
            .group_by(Grid.code)
        ).all()
    )
    moment: datetime = session.execute(select(func.clock_timestamp())).scalar_one()
    close: list[str] = []
    rows: list[dict[str, Any]] = []
    summary: dict[str, list[str]] = {"added": [], "reshaped": [], "changed": [], "retired": []}
    unchanged = 0
    for n in range(len(state)):
        code = str(state["code"].iloc[n])
        values = {f: _value(state, f, n) for f in DETAILS}
        values["geom"] = polygonal(state.geometry.iloc[n])
        current = by_code.pop(code, None)
        if current is not None and _same(current, values):
            unchanged += 1
            continue
        if current is not None:
            close.append(code)
            shape_changed = not same_shape(current.geometry, values["geom"])
            summary["reshaped" if shape_changed else "changed"].append(code)
        else:
            summary["added"].append(code)
        rows.append(
            {
                **values,
                "geom": ewkb(values["geom"]),
                "code": code,
                "village_code": village_code,
                "version": int(latest.get(code, 0)) + 1,
                "valid_from": moment,
                "created_by": actor,
            }
        )
    summary["retired"] = sorted(by_code)
    close += summary["retired"]
    if not rows and not close:
        raise InvalidInput(
            f"nothing to publish: the grids are the same as village {village_code}'s published ones"
        )
    if close:
        session.execute(
            update(Grid)
            .where(Grid.code.in_(close), Grid.valid_to.is_(None))
            .values(valid_to=moment)
        )
    if rows:
        session.execute(insert(Grid).values(rows))
    return moment, {**{k: sorted(v) for k, v in summary.items()}, "unchanged": unchanged}


def _value(frame: gpd.GeoDataFrame, field: str, n: int) -> Any:
    if field not in frame.columns:
        return None
    value = frame[field].iloc[n]
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if np.isnan(value) else int(value)
    return value


def _record_version(
    session: Session,
    *,
    village_code: str,
    moment: datetime,
    action: str,
    actor: str,
    summary: dict[str, Any],
    draft_id: int | None = None,
    restored_from: int | None = None,
    note: str | None = None,
) -> int:
    version = len(instants(session, village_code))
    session.add(
        AreaVersion(
            area_code=village_code,
            version=version,
            at=moment,
            action=action,
            actor=actor,
            draft_id=draft_id,
            restored_from=restored_from,
            note=note,
            summary=summary,
        )
    )
    record(
        session,
        actor=actor,
        action=f"grids.{action}",
        area_code=village_code,
        details={
            "version": version,
            "draft_id": draft_id,
            "restored_from": restored_from,
            "note": note,
            **summary,
        },
    )
    return version


def _check_base(session: Session, village_code: str, expected: int, what: str) -> int:
    current = current_version(session, village_code)
    if current != expected:
        at = instant_of(session, village_code, current).isoformat() if current else None
        by = session.scalar(
            select(AreaVersion.actor).where(
                AreaVersion.area_code == village_code, AreaVersion.version == current
            )
        )
        who = f" by {by}" if by else ""
        raise Conflict(
            f"village {village_code} is at version {current} (published {at}{who}); "
            f"{what} was made from version {expected}. Look at the differences, then rebase "
            "and try again",
            details={"current_version": current, "base_version": expected, "at": at},
        )
    return current


def publish_draft(
    session: Session,
    settings: Settings,
    *,
    draft_id: int,
    principal: Principal,
    accept: list[str] | None = None,
    note: str | None = None,
    expected_revision: int | None = None,
) -> dict[str, Any]:
    """Publish a draft as the village's next version (see the module docstring).

    The draft is claimed first (``touch``: its revision, or ``expected_revision``, must still
    be current), so an edit racing the publish either lands before it or gets a 409.
    """
    draft = get_draft(session, draft_id, principal, write=True)
    touch(session, draft, expected_revision)
    village_code = draft.area_code
    lock_village(session, village_code)
    _check_base(session, village_code, draft.base_version, f"draft {draft.id}")
    frame = draft_frame(session, draft)
    require_inside(session, principal, [str(k) for k in frame["key"]], list(frame.geometry))
    report = validate_draft(session, settings, draft)
    accepted = set(accept or [])
    if report.errors:
        raise InvalidInput(
            f"draft {draft.id} has {len(report.errors)} error(s), which are never accepted: "
            + "; ".join(i.message for i in report.errors[:3]),
            details={"errors": [i.as_dict() for i in report.errors]},
        )
    unaccepted = report.unaccepted(accepted)
    if unaccepted:
        raise InvalidInput(
            f"draft {draft.id} has {len(unaccepted)} warning(s) not accepted: send their ids in "
            "'accept' to publish anyway",
            details={"unaccepted": [i.as_dict() for i in unaccepted]},
        )
    village = store.get_village(session, village_code)
    households, _ = counted(session, draft, frame)
    if any(h is not None for h in households):
        frame = frame.assign(households=pd.Series([h or 0 for h in households], dtype=object))
    old = store.grids_frame(session, village_codes=[village_code])
    codes, kept = assign_codes(
        village_code,
        list(old.geometry),
        [str(c) for c in old["code"]],
        [polygonal(g) for g in frame.geometry],
        highest_sequence=store.highest_sequence(session, village_code),
    )
    frame = frame.assign(code=codes)
    frame["kind"] = [k or DEFAULT_KIND.get(village.kind or "", "村组型") for k in frame["kind"]]
    frame["name"] = [
        n or f"第{parse_grid_code(c).sequence}网格"
        for n, c in zip(frame["name"], codes, strict=True)
    ]
    frame["households"] = [_value(frame, "households", n) or 0 for n in range(len(frame))]
    actor = actor_of(principal)
    moment, summary = write_state(session, village_code, frame, actor=actor)
    summary["accepted"] = sorted(accepted & {i.id for i in report.warnings})
    version = _record_version(
        session,
        village_code=village_code,
        moment=moment,
        action="publish",
        actor=actor,
        summary=summary,
        draft_id=draft.id,
        note=note,
    )
    draft.status = "published"
    draft.published_version = version
    draft.published_at = moment
    session.flush()
    return {"area_code": village_code, "version": version, "at": moment.isoformat(), **summary}


def restore_version(
    session: Session,
    *,
    village_code: str,
    version: int,
    principal: Principal,
    expected_version: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Publish the grids of a past version again, with their codes, as a new version."""
    principal.require("plan")
    store.get_village(session, village_code, principal)
    lock_village(session, village_code)
    current = current_version(session, village_code)
    if expected_version is not None:
        _check_base(session, village_code, expected_version, "this restore")
    at = instant_of(session, village_code, version)
    if version == current:
        raise InvalidInput(f"version {version} is the current version of {village_code}")
    state = store.grids_frame(session, village_codes=[village_code], at=at)
    actor = actor_of(principal)
    moment, summary = write_state(session, village_code, state, actor=actor)
    new_version = _record_version(
        session,
        village_code=village_code,
        moment=moment,
        action="restore",
        actor=actor,
        summary=summary,
        restored_from=version,
        note=note,
    )
    return {
        "area_code": village_code,
        "version": new_version,
        "restored_from": version,
        "at": moment.isoformat(),
        **summary,
    }


def rebase(
    session: Session, *, draft_id: int, principal: Principal, expected_revision: int | None = None
) -> dict[str, Any]:
    """Move an open draft onto the village's current version; returns what the others changed
    since the draft's base (its grids are kept as they are).
    """
    draft = get_draft(session, draft_id, principal, write=True)
    current = current_version(session, draft.area_code)
    if current == draft.base_version:
        return {"base_version": current, "changed": None}
    before = (
        store.grids_frame(
            session,
            village_codes=[draft.area_code],
            at=instant_of(session, draft.area_code, draft.base_version),
        )
        if draft.base_version
        else store.grids_frame(session, village_codes=[]).iloc[:0]
    )
    now = store.grids_frame(session, village_codes=[draft.area_code])
    buildings = store.buildings_frame(session, [draft.area_code])
    changes = diff_versions(before, now, buildings, attributes=DETAILS).as_dict()
    old_base = draft.base_version
    touch(session, draft, expected_revision)
    draft.base_version = current
    session.flush()
    return {"base_version": current, "previous_base_version": old_base, "changed": changes}
