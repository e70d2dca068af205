"""Saved patrol plans (``patrol_plans``): computed routes kept for the map page and for viewers.

A plan is visible to a caller whose jurisdiction contains the jurisdiction of the key that
made it (a county key sees its towns' plans; a town key does not see the county's).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
import shapely.geometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries.errors import NotFound
from gis_api.core.audit import record
from gis_api.core.auth import Principal
from gis_api.core.db import ewkb
from gis_api.schema.models import SRID, PatrolPlan


def save_plan(
    session: Session,
    *,
    kind: str,
    name: str | None,
    request: dict[str, Any],
    result: dict[str, Any],
    lines: list[shapely.LineString],
    principal: Principal,
) -> PatrolPlan:
    """Store a plan in the caller's transaction and return it (with its id)."""
    totals = result["totals"]
    plan = PatrolPlan(
        kind=kind,
        name=name or _default_name(kind, result),
        network=result["network"],
        created_by=f"key:{principal.prefix}",
        jurisdiction=principal.jurisdiction,
        teams=len(result.get("teams", [])) or 1,
        distance_m=float(totals["distance_m"]),
        duration_s=float(totals["duration_s"]),
        request=request,
        result=result,
        geom=ewkb(shapely.MultiLineString(lines)) if lines else None,
    )
    session.add(plan)
    session.flush()
    return plan


def keep_plan(
    session: Session,
    kind: str,
    name: str | None,
    request: dict[str, Any],
    result: dict[str, Any],
    principal: Principal,
) -> PatrolPlan:
    """Save a computed answer (WGS84) with an audit entry; adds ``result["plan"]``."""
    lines = [shapely.geometry.shape(team["route"]) for team in result["teams"] if team.get("route")]
    plan = save_plan(
        session,
        kind=kind,
        name=name,
        request=request,
        result=result,
        lines=lines,
        principal=principal,
    )
    jurisdiction = principal.jurisdiction
    record(
        session,
        actor=f"key:{principal.prefix}",
        action=f"patrol.{kind}",
        area_code=jurisdiction.ljust(12, "0") if len(jurisdiction) >= 6 else None,
        details={"plan": plan.id, "teams": plan.teams, "distance_m": plan.distance_m},
    )
    result["plan"] = summary(plan)
    return plan


def get_plan(session: Session, plan_id: int, *, principal: Principal) -> PatrolPlan:
    """A plan the caller may see; ``NotFound`` otherwise (its existence is not revealed)."""
    plan = session.get(PatrolPlan, plan_id)
    if plan is None or not plan.jurisdiction.startswith(principal.jurisdiction):
        raise NotFound(f"no patrol plan {plan_id} in this key's jurisdiction")
    return plan


def list_plans(session: Session, *, principal: Principal, limit: int = 100) -> list[dict[str, Any]]:
    """The newest plans the caller may see (summaries)."""
    rows = session.scalars(
        select(PatrolPlan)
        .where(PatrolPlan.jurisdiction.startswith(principal.jurisdiction))
        .order_by(PatrolPlan.id.desc())
        .limit(limit)
    ).all()
    return [summary(plan) for plan in rows]


def recent_routes(session: Session, *, principal: Principal, limit: int = 5) -> gpd.GeoDataFrame:
    """The routes of the newest saved plans the caller may see, one row per plan (EPSG:4490):
    plan_id, name, kind, teams, distance_km, created_at, map_url and the routes' lines.
    """
    rows = session.execute(
        select(PatrolPlan, func.ST_AsBinary(PatrolPlan.geom).label("wkb"))
        .where(
            PatrolPlan.jurisdiction.startswith(principal.jurisdiction),
            PatrolPlan.geom.is_not(None),
        )
        .order_by(PatrolPlan.id.desc())
        .limit(limit)
    ).all()
    plans = [r[0] for r in rows]
    return gpd.GeoDataFrame(
        {
            "plan_id": [p.id for p in plans],
            "name": [p.name for p in plans],
            "kind": [p.kind for p in plans],
            "teams": [p.teams for p in plans],
            "distance_km": [round(p.distance_m / 1000, 2) for p in plans],
            "created_at": [p.created_at.isoformat() if p.created_at else None for p in plans],
            "map_url": [f"/map/patrol/{p.id}" for p in plans],
        },
        geometry=list(shapely.from_wkb([bytes(r.wkb) for r in rows])) if rows else [],
        crs=SRID,
    )


def summary(plan: PatrolPlan) -> dict[str, Any]:
    """The plan without its request and answer."""
    return {
        "id": plan.id,
        "kind": plan.kind,
        "name": plan.name,
        "network": plan.network,
        "teams": plan.teams,
        "distance_m": plan.distance_m,
        "duration_s": plan.duration_s,
        "created_at": plan.created_at.isoformat() if plan.created_at else None,
        "created_by": plan.created_by,
        "map_url": f"/map/patrol/{plan.id}",
    }


def _default_name(kind: str, result: dict[str, Any]) -> str:
    if kind == "streets":
        return str(result.get("title") or "街巷巡逻")
    return f"巡逻路线（{len(result.get('teams', []))}组，{result['totals']['stops']}个点）"
