"""Camera placement: where k new cameras would cover the most uncovered demand.

Demand (only what no counted camera sees yet counts):

- key sites, weighted by kind (``kind_weights``; a polygon site is sampled with up to
  ``site_samples`` lattice points that share its weight, so covering half of it earns half);
- road length: points every ``road_sample_m`` along the roads in the area, each weighing
  ``road_weight_per_m`` × the length it stands for (when roads are loaded);
- incidents of the last ``incident_days`` days, ``incident_weight`` each (when incidents exist).

Candidates: the positions supplied; otherwise road junctions and points every ``spacing_m``
along the roads, or, without roads, points every ``spacing_m`` along the grid boundaries and
on a square lattice of that spacing (generated points inside a footprint are dropped). The new
camera is the same visibility model as the report's (occlusion by footprints): a 360° dome by
default; a directional camera (fov < 360) is tried at ``ceil(360/fov)`` headings evenly spaced
from north at each position, and at most one heading per position may be chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from boundaries import coverage as cov
from boundaries import placement as mclp
from boundaries import viewshed
from boundaries.errors import BadParameter, InvalidInput
from boundaries.projection import from_metric
from gis_api.core.auth import Principal
from gis_api.features.coverage import data
from gis_api.features.coverage.engine import Computation, Options, compute
from gis_api.features.lookup.points import crs_name, many_to_storage

DEFAULT_KIND_WEIGHTS: dict[str, float] = {
    "school": 10, "学校": 10, "hospital": 10, "医院": 10, "station": 8, "车站": 8,
    "market": 6, "市场": 6, "government": 6, "政府": 6, "police": 6, "派出所": 6,
    "square": 5, "广场": 5, "park": 4, "公园": 4,
}  # fmt: skip
OTHER_KIND_WEIGHT = 3.0
MAX_CANDIDATE_POSITIONS = 20_000


class PlacementRequest(BaseModel):
    """A placement question (see the module docstring); positions in ``crs``."""

    area: str = Field(examples=["510116001001"], description="grid or area code")
    k: int = Field(ge=1, le=1000, description="how many new cameras")
    candidates: list[tuple[float, float]] | None = Field(
        None,
        max_length=MAX_CANDIDATE_POSITIONS,
        description="[[lon, lat], …] in `crs`; generated when absent",
    )
    crs: str = Field("wgs84", description="wgs84, cgcs2000, gcj02 or bd09")
    spacing_m: float = Field(50.0, ge=5, le=5000, description="between generated candidates")
    fov: float = Field(360.0, gt=0, le=360, description="of the new cameras; 360 = dome")
    range_m: float = Field(60.0, gt=0, le=1000)
    kind_weights: dict[str, Annotated[float, Field(ge=0, le=1e6)]] = Field(
        default_factory=dict, description="weight of a key site by kind (defaults below)"
    )
    road_weight_per_m: float = Field(0.1, ge=0, le=1e6)
    road_sample_m: float = Field(20.0, ge=1, le=1000)
    incident_weight: float = Field(2.0, ge=0, le=1e6)
    incident_days: int = Field(365, ge=1, le=3660)
    site_samples: int = Field(25, ge=1, le=400)
    include_offline: bool = False
    time_limit_s: float = Field(30.0, ge=0.1, le=600)
    max_candidates: int = Field(5_000, ge=1, le=MAX_CANDIDATE_POSITIONS)
    include_views: bool = Field(False, description="add the chosen views as GeoJSON")


@dataclass
class Demand:
    """Demand points (metres), their weights and sources."""

    xy: NDArray[np.float64]
    weight: NDArray[np.float64]
    source: NDArray[np.str_]
    summary: dict[str, Any]


def place(
    session: Any, *, request: PlacementRequest, principal: Principal
) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """Solve the placement; returns the answer and the chosen cameras' views (EPSG:4490)."""
    crs_name(request.crs)
    comp = compute(
        session,
        area_code=request.area,
        principal=principal,
        options=Options(include_offline=request.include_offline),
    )
    demand = build_demand(session, comp, request)
    positions, source = candidate_positions(session, comp, request)
    headings = mclp.orientations(request.fov)
    n_pos = len(positions)
    xy = np.repeat(positions, len(headings), axis=0)
    heading = np.tile(headings, n_pos)
    group = np.repeat(np.arange(n_pos), len(headings))
    cams = viewshed.cameras(
        xy[:, 0],
        xy[:, 1],
        heading,
        np.full(len(xy), request.fov),
        np.full(len(xy), request.range_m),
        epsg=comp.epsg,
    )
    views = viewshed.visibility_polygons(cams, comp.occluders)
    cover = mclp.coverage_matrix(views, demand.xy)
    greedy = mclp.greedy(cover, demand.weight, request.k, groups=group)
    exact = mclp.exact(
        cover, demand.weight, request.k, groups=group, time_limit=request.time_limit_s, start=greedy
    )
    best = exact if exact.covered_weight >= greedy.covered_weight else greedy
    chosen = best.chosen
    chosen_points = gpd.GeoSeries(shapely.points(xy[chosen]), crs=comp.epsg)
    lonlat = (
        shapely.get_coordinates(from_metric(chosen_points, comp.epsg).array)
        if len(chosen)
        else np.empty((0, 2))
    )
    covered_each = np.asarray(cover[:, chosen].sum(axis=0)).ravel() if len(chosen) else np.empty(0)
    picks = []
    for n, j in enumerate(chosen):
        rows = cover[:, [j]].nonzero()[0]
        picks.append(
            {
                "lon": round(float(lonlat[n, 0]), 7),
                "lat": round(float(lonlat[n, 1]), 7),
                "heading": None if np.isnan(heading[j]) else float(heading[j]),
                "fov": request.fov,
                "range_m": request.range_m,
                "demand_points": int(covered_each[n]),
                "weight_in_view": round(float(demand.weight[rows].sum()), 3),
            }
        )
    total = float(demand.weight.sum())
    answer = {
        "area": comp.area.as_dict(),
        "k": request.k,
        "camera": {
            "fov": request.fov,
            "range_m": request.range_m,
            "orientation_rule": _orientation_rule(request.fov, len(headings)),
        },
        "candidates": {
            "source": source,
            "positions": n_pos,
            "candidates": len(xy),
            "spacing_m": request.spacing_m if source != "supplied" else None,
        },
        "demand": {**demand.summary, "points": len(demand.xy), "total_weight": round(total, 3)},
        "exact": _solution(exact, total),
        "greedy": {
            **_solution(greedy, total),
            "gap_to_exact": round(
                mclp.relative_gap(exact.covered_weight, greedy.covered_weight), 6
            ),
            "gap_to_bound": round(mclp.relative_gap(exact.bound, greedy.covered_weight), 6)
            if exact.bound is not None
            else None,
        },
        "chosen_by": best.method,
        "chosen": picks,
        "stored": False,
    }
    chosen_views = gpd.GeoSeries(views[chosen], crs=comp.epsg)
    frame = gpd.GeoDataFrame(
        {"rank": np.arange(1, len(chosen) + 1)},
        geometry=from_metric(chosen_views, comp.epsg).array if len(chosen) else [],
        crs=4490,
    )
    return answer, frame


def _orientation_rule(fov: float, n: int) -> str:
    if fov >= 360:
        return "dome (360°)"
    return f"{n} headings every {360 / n:g}° from north at each position; at most one per position"


def _solution(sol: mclp.Solution, total: float) -> dict[str, Any]:
    return {
        "status": sol.status,
        "covered_weight": round(sol.covered_weight, 3),
        "covered_share": round(sol.covered_weight / total, 6) if total > 0 else None,
        "bound": round(sol.bound, 3) if sol.bound is not None else None,
        "seconds": round(sol.seconds, 4),
        "chosen": [int(j) for j in sol.chosen],
    }


def _not_in_view(comp: Computation, xy: NDArray[np.float64]) -> NDArray[np.bool_]:
    views = comp.counted_views
    views = views[~shapely.is_empty(views)]
    free = np.ones(len(xy), dtype=bool)
    if len(xy) and len(views):
        hit = shapely.STRtree(views).query(shapely.points(xy), predicate="intersects")[0]
        free[hit] = False
    return free


def build_demand(session: Any, comp: Computation, request: PlacementRequest) -> Demand:
    """Demand points not yet in view, with weights (see the module docstring)."""
    weights = {**DEFAULT_KIND_WEIGHTS, **request.kind_weights}
    parts_xy: list[NDArray[np.float64]] = []
    parts_w: list[NDArray[np.float64]] = []
    parts_src: list[str] = []
    summary: dict[str, Any] = {}

    def add(xy: NDArray[np.float64], w: NDArray[np.float64], source: str) -> None:
        parts_xy.append(xy)
        parts_w.append(w)
        parts_src.extend([source] * len(xy))

    sites = data.key_sites_near(session, comp.area)
    geoms = np.asarray(sites.geometry.array, dtype=object)
    # a boolean array even when there are none: a frame indexed by [] keeps no columns
    inside = shapely.intersects(comp.area.geom, shapely.point_on_surface(geoms))
    sites, geoms = sites[inside], geoms[inside]
    site_xy, site_w = [], []
    for kind, geom in zip(sites["kind"], cov.project_densified(geoms, comp.epsg), strict=True):
        w = float(weights.get(kind, OTHER_KIND_WEIGHT))
        if shapely.get_dimensions(geom) == 0:
            pts = shapely.get_coordinates(geom)
        else:
            step = max(1.0, float(np.sqrt(geom.area / request.site_samples)))
            pts = mclp.lattice(geom, step)
            if len(pts) == 0:
                pts = shapely.get_coordinates(shapely.point_on_surface(geom))
        site_xy.append(pts)
        site_w.append(np.full(len(pts), w / len(pts)))
    sxy = np.concatenate(site_xy) if site_xy else np.empty((0, 2))
    sw = np.concatenate(site_w) if site_w else np.empty(0)
    free = _not_in_view(comp, sxy)
    add(sxy[free], sw[free], "key_site")
    summary["key_sites"] = {
        "sites": len(sites),
        "weight_uncovered": round(float(sw[free].sum()), 3),
        "weight_already_in_view": round(float(sw[~free].sum()), 3),
    }
    network = data.road_network(session)
    if network is None:
        summary["roads"] = {"loaded": False, "note": "no roads loaded"}
    else:
        roads = data.roads_near(session, comp.area.geom.bounds, 0.0, network)
        lines = shapely.intersection(cov.project_densified(roads.geometry, comp.epsg), comp.area_m)
        lines = shapely.get_parts(lines[~shapely.is_empty(lines)])
        lines = lines[shapely.get_dimensions(lines) == 1]
        xy, owner = mclp.points_along(lines, request.road_sample_m)
        step = shapely.length(lines)[owner] / np.bincount(owner, minlength=len(lines))[owner]
        free = _not_in_view(comp, xy)
        w = request.road_weight_per_m * step
        add(xy[free], w[free], "road")
        summary["roads"] = {
            "loaded": True,
            "network": network,
            "uncovered_length_m": round(float(step[free].sum()), 1),
            "covered_length_m": round(float(step[~free].sum()), 1),
        }
    since = datetime.now(UTC) - timedelta(days=request.incident_days)
    state = data.table_state(session, "incidents")
    incidents = data.incidents_in(session, comp.area, since)
    if incidents.empty:
        summary["incidents"] = {"loaded": False, "note": f"no incidents ({state})"}
    else:
        geoms = np.asarray(incidents.geometry.array, dtype=object)
        geoms = geoms[shapely.intersects(comp.area.geom, geoms)]
        xy = shapely.get_coordinates(cov.project_densified(geoms, comp.epsg))
        free = _not_in_view(comp, xy)
        add(xy[free], np.full(int(free.sum()), request.incident_weight), "incident")
        summary["incidents"] = {
            "loaded": True,
            "days": request.incident_days,
            "uncovered": int(free.sum()),
            "already_in_view": int((~free).sum()),
        }
    all_xy = np.concatenate(parts_xy) if parts_xy else np.empty((0, 2))
    all_w = np.concatenate(parts_w) if parts_w else np.empty(0)
    return Demand(all_xy, all_w, np.asarray(parts_src, dtype=str), summary)


def candidate_positions(
    session: Any, comp: Computation, request: PlacementRequest
) -> tuple[NDArray[np.float64], str]:
    """Candidate positions in metres, and where they came from."""
    if request.candidates is not None:
        if not request.candidates:
            raise BadParameter("candidates is an empty list; send positions or leave it out")
        xy = np.asarray(request.candidates, dtype=np.float64).reshape(-1, 2)
        lon, lat, _ = many_to_storage(xy[:, 0], xy[:, 1], request.crs)
        pts = cov.project_densified(shapely.points(lon, lat), comp.epsg)
        projected = shapely.get_coordinates(pts)
        # a camera farther than its range from the area sees nothing in it (nor, far enough
        # from the zone's meridian, can its view be drawn: that was a 500)
        far = np.flatnonzero(~(shapely.distance(pts, comp.area_m) <= request.range_m))
        if len(projected) != len(xy) or len(far):
            n = int(far[0]) if len(far) else 0
            raise InvalidInput(
                f"candidates item {n + 1} {list(request.candidates[n])} ({request.crs}) is "
                f"farther than range_m ({request.range_m:g} m) from area {request.area}: "
                "a camera there sees nothing in it; send positions in or near the area",
                details=[{"where": f"body candidates.{n}", "reason": "out of range of the area"}],
            )
        return projected, "supplied"
    network = data.road_network(session)
    if network is not None:
        roads = data.roads_near(session, comp.area.geom.bounds, 0.0, network)
        lines = cov.project_densified(roads.geometry, comp.epsg)
        cut = shapely.intersection(lines, comp.area_m)
        cut = shapely.get_parts(cut[~shapely.is_empty(cut)])
        cut = cut[shapely.get_dimensions(cut) == 1]
        xy = np.concatenate([mclp.junctions(lines), mclp.points_along(cut, request.spacing_m)[0]])
        source = "road_junctions_and_roads"
    else:
        edges = shapely.get_parts(shapely.boundary(comp.grid_m)) if len(comp.grid_m) else []
        along = mclp.points_along(np.asarray(edges, dtype=object), request.spacing_m)[0]
        xy = np.concatenate([along, mclp.lattice(comp.area_m, request.spacing_m)])
        source = "grid_boundaries_and_lattice"
    xy = np.unique(np.round(xy, 1), axis=0)
    shapely.prepare(comp.area_m)
    xy = xy[shapely.intersects_xy(comp.area_m, xy[:, 0], xy[:, 1])]
    if len(comp.occluders):
        inside = comp.occluders.tree.query(shapely.points(xy), predicate="within")[0]
        xy = np.delete(xy, np.unique(inside), axis=0)
    if len(xy) > request.max_candidates:
        xy = xy[np.linspace(0, len(xy) - 1, request.max_candidates).round().astype(int)]
        source += f" (thinned evenly to {request.max_candidates})"
    if len(xy) == 0:
        raise BadParameter(
            "no candidate position could be generated in the area; send candidates explicitly"
        )
    return xy, source
