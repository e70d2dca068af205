"""Proposals as the service makes them: a village's buildings and roads from PostGIS, the
county's household standard, ``boundaries.proposals`` to draw the grids, optionally a draft.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from boundaries.errors import InvalidInput
from boundaries.proposals import propose_grids
from gis_api.core.auth import Principal
from gis_api.core.settings import Settings
from gis_api.features.planning import store
from gis_api.features.planning.drafts import DEFAULT_KIND, create_draft, draft_meta
from gis_api.schema.geojson import feature_collection
from gis_api.schema.layers import GRIDS

GRID_PROPERTIES = ["key", "households", "buildings", "area_m2", "compactness", "status"]


def propose(
    session: Session,
    settings: Settings,
    *,
    area_code: str,
    principal: Principal,
    floor: int | None = None,
    ceiling: int | None = None,
    target: float | None = None,
    cut_lines: list[Any] | None = None,
    use_roads: bool = True,
    save: bool = False,
    title: str = "",
) -> dict[str, Any]:
    """Propose grids for a village; with ``save`` keep them as a new draft."""
    principal.require("plan")
    village = store.get_village(session, area_code, principal)
    rules = store.rules_for(session, settings, area_code)
    low, high = rules.households_range(village.kind)
    floor = low if floor is None else floor
    ceiling = high if ceiling is None else ceiling
    if not 0 < floor <= ceiling:
        raise InvalidInput(f"floor {floor} and ceiling {ceiling} need 0 < floor <= ceiling")
    if target is not None and not floor <= target <= ceiling:
        raise InvalidInput(f"target {target} is expected to lie in [{floor}, {ceiling}]")
    villages = store.villages_frame(session, area_code)
    buildings = store.buildings_frame(session, [area_code])
    roads = store.road_lines(session, area_code) if use_roads else []
    lines = roads + list(cut_lines or [])
    started = time.perf_counter()
    proposal = propose_grids(
        villages.geometry.iloc[0],
        buildings,
        floor=int(floor),
        ceiling=int(ceiling),
        target=target,
        cut_lines=lines,
    )
    seconds = time.perf_counter() - started
    summary = proposal.summary()
    answer: dict[str, Any] = {
        "area_code": area_code,
        "kind": village.kind,
        **summary,
        "roads_used": len(roads),
        "cut_lines_given": len(cut_lines or []),
        "seconds": round(seconds, 3),
        "grids_geojson": feature_collection(
            proposal.grids.assign(
                area_m2=np.round(proposal.grids["area_m2"], 1),
                compactness=np.round(proposal.grids["compactness"], 4),
            ),
            properties=GRID_PROPERTIES,
            id_column="key",
            layer=GRIDS,
        ),
    }
    if save:
        frame = proposal.grids.assign(
            kind=DEFAULT_KIND.get(village.kind or "", "村组型"),
            households=proposal.grids["households"].astype(object),
        )[["key", "kind", "households", "geometry"]]
        draft = create_draft(
            session,
            area_code=area_code,
            principal=principal,
            source="proposal",
            title=title or f"proposal for {village.name}",
            grids=frame,
            proposal={k: v for k, v in summary.items()},
        )
        answer["draft"] = draft_meta(draft)
    return answer
