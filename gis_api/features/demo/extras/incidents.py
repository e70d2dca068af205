"""Demo incidents: a few hundred over the last 60 days, in every state of the loop.

Places follow the households (most incidents come from dense communities) with a few clusters
around markets, stations and schools, so the heat map and the hot spots have something to
find. Each incident gets the steps its age allows, with realistic delays, so some are open,
some closed, some late; every step is written to the event log like the API would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis_api.core.settings import Settings
from gis_api.features.demo.people import mobile_number, person_name
from gis_api.features.incidents.workflow import initial_level
from gis_api.schema.models import Incident, IncidentEvent

REF_PREFIX = "DEMO-"
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "矛盾纠纷": (
        "邻里因噪音扰民发生争执",
        "业主与物业因物业费收缴产生矛盾",
        "土地承包边界纠纷",
        "家庭赡养纠纷，老人请求调解",
        "工程款拖欠引发劳资纠纷",
        "宅基地界址争议",
        "停车位占用引发口角",
    ),
    "安全隐患": (
        "楼道堆放杂物堵塞消防通道",
        "电动车在楼道内充电",
        "老旧房屋墙体开裂",
        "燃气管道老化存在漏气隐患",
        "沿街店招松动有坠落风险",
        "河堤护栏损坏",
    ),
    "治安": (
        "夜间有人聚集滋事",
        "小区内电动车被盗",
        "可疑人员多次出没",
        "商户反映遭遇电信诈骗",
        "醉酒人员在街头闹事",
    ),
    "环境": (
        "垃圾堆积未及时清运",
        "餐馆油烟扰民",
        "河道漂浮垃圾",
        "田间焚烧秸秆",
        "工地扬尘严重",
        "污水井外溢",
    ),
    "服务诉求": (
        "路灯损坏夜间无照明",
        "居民咨询医保参保办理",
        "独居老人需要上门帮扶",
        "道路坑洼需要修补",
        "小区停水未提前通知",
        "申请临时救助",
    ),
    "其他": ("流浪犬出没存在伤人隐患", "井盖缺失", "违规设置广告牌", "公交站牌损坏"),
}
CATEGORY_WEIGHTS = {
    "矛盾纠纷": 0.26,
    "安全隐患": 0.18,
    "治安": 0.12,
    "环境": 0.16,
    "服务诉求": 0.22,
    "其他": 0.06,
}
SOURCE_WEIGHTS = {
    "grid_worker": 0.45,
    "public": 0.2,
    "hotline": 0.2,
    "video": 0.1,
    "superior": 0.05,
}
UNITS = {
    "矛盾纠纷": ("{town}综治中心", "{town}司法所", "{town}人民调解委员会"),
    "安全隐患": ("{town}应急管理办", "区消防救援大队", "区住建局"),
    "治安": ("{town}派出所", "区公安分局巡特警大队"),
    "环境": ("{town}综合行政执法队", "区生态环境局", "区城管局环卫所"),
    "服务诉求": ("{town}便民服务中心", "区民政局", "区交通运输局", "供水公司"),
    "其他": ("{town}综合行政执法队", "{town}便民服务中心"),
}
# Median hours of each step after the one before (log-normal), by severity.
STEP_HOURS = {
    "general": {"open": 2.0, "dispatch": 4.0, "handle": 30.0, "feedback": 10.0, "close": 8.0},
    "major": {"open": 0.5, "dispatch": 1.0, "handle": 12.0, "feedback": 6.0, "close": 4.0},
    "urgent": {"open": 0.2, "dispatch": 0.3, "handle": 3.0, "feedback": 3.0, "close": 2.0},
}
STEPS = (
    ("open", "opened", "opened_at"),
    ("dispatch", "dispatched", "dispatched_at"),
    ("handle", "handled", "handled_at"),
    ("feedback", "feedback", "feedback_at"),
    ("close", "closed", "closed_at"),
)
LEVELS = ("grid", "village", "town", "county")


@dataclass
class Plan:
    """How many incidents, over how many days, ending when."""

    count: int = 400
    days: float = 60.0
    seed: int = 6
    now: datetime | None = None


def _weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _points(
    rng: np.random.Generator, grids: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, n: int
) -> np.ndarray:
    """Points: a quarter in clusters around up to four sites, the rest in grids by households."""
    out: list[tuple[float, float]] = []
    hubs = (
        sites[sites["kind"].isin(["market", "station", "school", "hospital"])]
        if len(sites)
        else sites
    )
    if len(hubs) == 0:
        hubs = sites
    n_cluster = n // 4 if len(hubs) else 0
    if n_cluster:
        picks = hubs.sample(n=min(4, len(hubs)), random_state=int(rng.integers(1 << 31)))
        centres = shapely.get_coordinates(picks.geometry.representative_point())
        for i in range(n_cluster):
            cx, cy = centres[i % len(centres)]
            # ~150 m spread (1e-5 degree ≈ 1.1 m)
            out.append((cx + rng.normal(0, 0.0015), cy + rng.normal(0, 0.0013)))
    weights = grids["households"].to_numpy(dtype=float) + 20.0
    chosen = rng.choice(len(grids), size=n - n_cluster, p=weights / weights.sum())
    geoms = np.asarray(grids.geometry.array, dtype=object)
    for g in chosen:
        geom = geoms[g]
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(200):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if geom.contains(shapely.Point(x, y)):
                break
        else:
            x, y = shapely.get_coordinates(geom.representative_point())[0]
        out.append((float(x), float(y)))
    return np.array(out)


def synthesize_incidents(
    *,
    grids: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    key_sites: gpd.GeoDataFrame,
    plan: Plan,
    settings: Settings,
) -> list[dict[str, Any]]:
    """Incidents with their steps, as dicts of Incident columns plus ``events`` (dicts)."""
    if grids.empty:
        raise ValueError("`grids` is empty: demo incidents are placed in grids")
    rng = np.random.default_rng(plan.seed)
    now = plan.now or datetime.now(UTC)
    points = _points(rng, grids, key_sites, plan.count)
    tree = shapely.STRtree(np.asarray(grids.geometry.array, dtype=object))
    parent = dict(zip(areas["code"], areas["parent_code"], strict=True))
    names = dict(zip(areas["code"], areas["name"], strict=True))
    grid_codes = grids["code"].to_numpy()
    hits = tree.query(shapely.points(points), predicate="intersects")
    grid_of = dict(zip(hits[0].tolist(), hits[1].tolist(), strict=False))
    out = []
    for i, (x, y) in enumerate(points):
        g = grid_of.get(i)
        if g is None:  # a cluster point that fell outside every grid: not ours
            continue
        category = _weighted(rng, CATEGORY_WEIGHTS)
        severity = str(rng.choice(["general", "major", "urgent"], p=[0.86, 0.11, 0.03]))
        source = _weighted(rng, SOURCE_WEIGHTS)
        grid_code = str(grid_codes[g])
        village = grid_code[:12]
        town = parent.get(village)
        county = parent.get(town) if town else None
        reported = now - timedelta(days=plan.days * float(rng.random()) ** 1.4)
        table = settings.incident_deadline_hours
        hours = float(table.get(category, table["*"])[severity])
        level = initial_level(severity)
        row: dict[str, Any] = {
            "category": category,
            "severity": severity,
            "description": str(rng.choice(DESCRIPTIONS[category])),
            "source": source,
            "external_ref": f"{REF_PREFIX}{plan.seed}-{i:05d}",
            "reporter_name": person_name(rng) if source != "video" else None,
            "reporter_phone": mobile_number(rng) if source in ("public", "hotline") else None,
            "x": float(x),
            "y": float(y),
            "grid_code": grid_code,
            "village_code": village,
            "town_code": town,
            "county_code": county,
            "area_code": village,
            "reported_at": reported,
            "due_at": reported + timedelta(hours=hours),
        }
        events = [_event("report", None, "reported", None, level, reported, source=source)]
        status, at = "reported", reported
        if severity == "general" and rng.random() < 0.12:
            at += timedelta(hours=float(rng.lognormal(np.log(3), 0.6)))
            if at < now:
                up = LEVELS[int(rng.integers(1, 3))]
                events.append(
                    _event("escalate", status, status, level, up, at, note="超出网格处置能力")
                )
                level = up
        if rng.random() < 0.04:  # not a case: rejected when it would have been opened
            at += timedelta(hours=float(rng.lognormal(np.log(2), 0.5)))
            if at < now:
                events.append(_event("reject", status, "closed", level, level, at, note="重复上报"))
                status = "closed"
                row.update(closed_at=at, resolution="重复上报")
        town_name = names.get(town or "", "")
        hard = rng.random() < 0.1  # a hard case: handling takes many times longer
        steps = list(STEPS) if status != "closed" else []
        while steps:
            action, target, column = steps.pop(0)
            median = STEP_HOURS[severity][action] * (8.0 if hard and action == "handle" else 1.0)
            at += timedelta(hours=float(rng.lognormal(np.log(median), 0.8)))
            if at >= now:
                break
            extra: dict[str, Any] = {}
            if action == "dispatch":
                unit = str(rng.choice(UNITS[category])).format(town=_short(town_name))
                row["assignee"] = unit
                extra["assignee"] = unit
            if action == "feedback":
                first_time = not any(e["action"] == "return" for e in events)
                row["satisfied"] = bool(rng.random() < 0.92) or not first_time
                extra["satisfied"] = row["satisfied"]
            events.append(_event(action, status, target, level, level, at, **extra))
            status = target
            row[column] = at
            if action == "handle":
                row["resolution"] = "已处置完毕"
            if action == "feedback" and not row["satisfied"]:
                at += timedelta(hours=float(rng.lognormal(np.log(4), 0.5)))
                if at >= now:
                    break
                note = "群众不满意，退回重办"
                events.append(_event("return", status, "dispatched", level, level, at, note=note))
                status = "dispatched"
                row.update(handled_at=None, feedback_at=None, satisfied=None)
                steps = list(STEPS[2:])
        row["status"] = status
        row["level"] = level
        row["updated_at"] = events[-1]["at"]
        row["events"] = events
        out.append(row)
    return out


def _short(town: str) -> str:
    return town.removesuffix("街道").removesuffix("镇") or town


def _event(
    action: str,
    before: str | None,
    after: str,
    from_level: str | None,
    to_level: str,
    at: datetime,
    note: str | None = None,
    **details: Any,
) -> dict[str, Any]:
    return {
        "action": action,
        "from_status": before,
        "to_status": after,
        "from_level": from_level,
        "to_level": to_level,
        "actor": "demo",
        "actor_role": "dispatcher" if action not in ("report", "handle") else "service",
        "at": at,
        "note": note,
        "details": details,
    }


def write_incidents(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the synthesized incidents and their events; returns how many."""
    for row in rows:
        events = row.pop("events")
        x, y = row.pop("x"), row.pop("y")
        incident = Incident(geom=from_shape(shapely.Point(x, y), srid=4490), **row)
        session.add(incident)
        session.flush()
        session.add_all(IncidentEvent(incident_id=incident.id, **e) for e in events)
    session.flush()
    return len(rows)


def load(session: Session, county: Any, directory: Path) -> str:
    """Add the demo incidents (once: a second demo load finds them and adds none)."""
    existing = session.scalar(
        select(func.count())
        .select_from(Incident)
        .where(Incident.external_ref.like(REF_PREFIX + "%"))
    )
    if existing:
        return f"{existing} demo incidents already there; none added"
    rows = synthesize_incidents(
        grids=county.grids,
        areas=county.admin_areas,
        key_sites=county.key_sites,
        plan=Plan(now=session.scalar(select(func.now()))),
        settings=Settings(),
    )
    n = write_incidents(session, rows)
    open_ = sum(1 for r in rows if r["status"] != "closed")
    return f"{n} incidents over the last 60 days ({open_} open)"
