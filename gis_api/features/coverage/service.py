"""The coverage report and the blind spots of an area (a grid, village, town or county).

Which cameras count: those online (all, with ``include_offline``, to show planned coverage)
whose view reaches the area, wherever they stand; figures about cameras (counts, 联通率) are
about the cameras located in the area. A camera with a field of view under 360° and no
heading cannot be drawn and is reported, not guessed.
"""

from __future__ import annotations

import time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy.orm import Session

from boundaries import coverage as cov
from boundaries import overlay
from boundaries.errors import BadParameter
from boundaries.projection import from_metric
from gis_api.core.auth import Principal
from gis_api.features.coverage import data
from gis_api.features.coverage.engine import Computation, Options, compute, grid_camera_counts
from gis_api.features.coverage.relocation import relocation_checks

DEFAULT_SITE_SHARE = 0.5
DEFAULT_NEAR_M = 100.0
LIST_LIMIT = 100
CATEGORY_NAMES = {1: "一类", 2: "二类", 3: "三类"}


def check_parameters(*, site_share: float, near_m: float) -> None:
    """``BadParameter`` for a share outside (0, 1] or a negative distance."""
    if not 0 < site_share <= 1:
        raise BadParameter(f"site_share was {site_share} but is expected to be in (0, 1]")
    if not 0 <= near_m <= 10_000:
        raise BadParameter(f"near_m was {near_m} but is expected to be in [0, 10000] metres")


def report(
    session: Session,
    *,
    area_code: str,
    principal: Principal,
    include_offline: bool = False,
    site_share: float = DEFAULT_SITE_SHARE,
    near_m: float = DEFAULT_NEAR_M,
    limit: int = LIST_LIMIT,
) -> dict[str, Any]:
    """The coverage report of an area (see docs/coverage.md for every field)."""
    check_parameters(site_share=site_share, near_m=near_m)
    comp = compute(
        session,
        area_code=area_code,
        principal=principal,
        # cameras up to near_m around the area answer "is there a camera near this site"
        options=Options(include_offline=include_offline, camera_margin_m=near_m),
    )
    mark = time.perf_counter()
    grid_rows, totals = _grid_rows(session, comp)
    sites = key_site_status(session, comp, site_share=site_share, near_m=near_m)
    near = data.grids_near(session, comp.area.geom.bounds)
    relocation = relocation_checks(session, area=comp.area, epsg=comp.epsg, grids=near)
    gaps = _gaps(session, comp, near, grid_rows, sites, relocation, near_m=near_m, limit=limit)
    comp.timings["report"] = time.perf_counter() - mark
    area_m2 = float(comp.area_m.area)
    return {
        "area": {**comp.area.as_dict(), "area_m2": round(area_m2, 2)},
        "parameters": {
            **comp.options.as_dict(),
            "site_share": site_share,
            "near_m": near_m,
            "metric_crs": f"EPSG:{comp.epsg}",
        },
        "view": {
            "area_m2": round(area_m2, 2),
            "covered_m2": round(totals["covered_m2"], 2),
            "share": _share(totals["covered_m2"], area_m2),
            "gridded_m2": round(float(shapely.area(comp.grid_m).sum()), 2),
            "cameras_counted": int(comp.cameras["counted"].sum()),
            "cameras_seeing_area": int(shapely.intersects(comp.area_m, comp.counted_views).sum()),
            "occluding_footprints": len(comp.occluders),
        },
        "roads": totals["roads"],
        "cameras": camera_summary(comp),
        "key_sites": {
            "total": len(sites),
            "covered": int(sum(s["covered"] for s in sites)),
            "uncovered": int(sum(not s["covered"] for s in sites)),
            "items": sites,
        },
        "relocation_sites": relocation,
        "grids": grid_rows,
        "gaps": gaps,
    }


def _share(part: float, whole: float) -> float | None:
    return round(min(1.0, part / whole), 6) if whole > 0 else None


def _grid_rows(session: Session, comp: Computation) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-grid figures, and the area totals (view and roads)."""
    areas = shapely.area(comp.grid_m)
    covered = shapely.area(comp.covered_m)
    cams, online = grid_camera_counts(comp)
    network = data.road_network(session)
    road_len = np.zeros(len(comp.grids))
    road_seen = np.zeros(len(comp.grids))
    rest_len = rest_seen = 0.0
    if network is not None:
        roads = data.roads_near(session, comp.area.geom.bounds, 0.0, network)
        lines = cov.project_densified(roads.geometry, comp.epsg)
        road_len, road_seen = cov.line_coverage(lines, comp.grid_m, comp.covered_m)
        if not comp.remainder_m.is_empty:
            rl, rs = cov.line_coverage(
                lines,
                np.array([comp.remainder_m], dtype=object),
                np.array([comp.remainder_covered_m], dtype=object),
            )
            rest_len, rest_seen = float(rl[0]), float(rs[0])
    rows = []
    for i, g in enumerate(comp.grids.itertuples(index=False)):
        row: dict[str, Any] = {
            "code": g.code,
            "name": g.name,
            "area_m2": round(float(areas[i]), 2),
            "covered_m2": round(float(covered[i]), 2),
            "share": _share(float(covered[i]), float(areas[i])),
            "cameras": int(cams[i]),
            "online_cameras": int(online[i]),
            "has_leader": bool(g.leader_name and str(g.leader_name).strip()),
        }
        if network is not None:
            row["road_length_m"] = round(float(road_len[i]), 2)
            row["road_covered_m"] = round(float(road_seen[i]), 2)
        rows.append(row)
    covered_m2 = float(covered.sum()) + float(comp.remainder_covered_m.area)
    if network is None:
        state = data.table_state(session, "road_edges")
        roads_out: dict[str, Any] = {
            "loaded": False,
            "note": "no roads loaded"
            + (" (the road_edges table does not exist yet)" if state == "absent" else ""),
        }
    else:
        length = float(road_len.sum()) + rest_len
        seen = float(road_seen.sum()) + rest_seen
        roads_out = {
            "loaded": True,
            "network": network,
            "length_m": round(length, 2),
            "covered_m": round(seen, 2),
            "share": _share(seen, length),
        }
    return rows, {"covered_m2": covered_m2, "roads": roads_out}


def camera_summary(comp: Computation) -> dict[str, Any]:
    """Cameras located in the area: by category, online share (联通率), unusable ones."""
    inside = comp.cameras[comp.cameras["inside"].to_numpy(dtype=bool)]
    online = inside["status"].to_numpy() == "online"
    by_category = {}
    for category, name in CATEGORY_NAMES.items():
        mask = inside["category"].to_numpy() == category
        total = int(mask.sum())
        up = int((mask & online).sum())
        by_category[str(category)] = {
            "name": name,
            "total": total,
            "online": up,
            "online_share": _share(up, total),
        }
    return {
        "total": len(inside),
        "online": int(online.sum()),
        "offline": int((~online).sum()),
        "online_share": _share(int(online.sum()), len(inside)),
        "by_category": by_category,
        "without_heading": sorted(inside.loc[~inside["usable"], "id"].tolist()),
    }


def key_site_status(
    session: Session, comp: Computation, *, site_share: float, near_m: float
) -> list[dict[str, Any]]:
    """Key sites of the area: share in view, covered or not, nearest counting camera."""
    sites = key_sites_in_area(session, comp)
    if sites.empty:
        return []
    geoms = np.asarray(sites.geometry.array, dtype=object)
    sites_m = cov.project_densified(geoms, comp.epsg)
    share = cov.share_in_view(sites_m, comp.counted_views)
    dims = shapely.get_dimensions(geoms)
    covered = np.where(dims == 0, share >= 1.0, share >= site_share - 1e-12)
    status = comp.cameras["status"].to_numpy()
    near_mask = (status == "online") | comp.options.include_offline
    nearest = np.full(len(sites), np.inf)
    if near_mask.any():
        tree = shapely.STRtree(shapely.points(comp.cam_xy[near_mask]))
        idx, dist = tree.query_nearest(sites_m, return_distance=True, all_matches=False)
        nearest[idx[0]] = dist
    out = []
    for i, s in enumerate(sites.itertuples(index=False)):
        out.append(
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "geometry_type": "point" if dims[i] == 0 else "polygon",
                "share_in_view": round(float(share[i]), 6),
                "covered": bool(covered[i]),
                "nearest_camera_m": round(float(nearest[i]), 2)
                if np.isfinite(nearest[i])
                else None,
                "camera_within_near_m": bool(nearest[i] <= near_m),
            }
        )
    return out


def key_sites_in_area(session: Session, comp: Computation) -> gpd.GeoDataFrame:
    """The key sites whose representative point lies in the area (EPSG:4490)."""
    sites = data.key_sites_near(session, comp.area)
    if sites.empty:
        return sites
    geoms = np.asarray(sites.geometry.array, dtype=object)
    shapely.prepare(comp.area.geom)
    inside = shapely.intersects(comp.area.geom, shapely.point_on_surface(geoms))
    return sites[inside].reset_index(drop=True)


def key_site_frame(
    session: Session, comp: Computation, status: list[dict[str, Any]]
) -> gpd.GeoDataFrame:
    """The area's key sites with their status (from :func:`key_site_status`) as columns."""
    sites = key_sites_in_area(session, comp)
    by_code = {s["code"]: s for s in status}
    for column in ("covered", "share_in_view", "nearest_camera_m"):
        sites[column] = pd.Series(
            [by_code[c][column] if c in by_code else None for c in sites["code"]], dtype=object
        )
    sites["covered"] = sites["covered"].astype(bool)
    sites["share_in_view"] = sites["share_in_view"].astype(float)
    sites["nearest_camera_m"] = pd.to_numeric(sites["nearest_camera_m"])
    return sites


def _listing(codes: list[str], limit: int) -> dict[str, Any]:
    return {"count": len(codes), "codes": codes[:limit]}


def _gaps(
    session: Session,
    comp: Computation,
    near: gpd.GeoDataFrame,
    grid_rows: list[dict[str, Any]],
    sites: list[dict[str, Any]],
    relocation: list[dict[str, Any]],
    *,
    near_m: float,
    limit: int,
) -> dict[str, Any]:
    count, codes = data.buildings_without_grid(session, comp.area, near, limit=limit)
    return {
        "area_without_grid_m2": round(float(comp.remainder_m.area), 2),
        "buildings_without_grid": {"count": count, "codes": codes},
        "relocation_sites_without_grid": _listing(
            [r["code"] for r in relocation if not r["grids"]], limit
        ),
        "relocation_sites_in_several_grids": _listing(
            [r["code"] for r in relocation if len(r["grids"]) > 1], limit
        ),
        "grids_without_leader": _listing(
            [g["code"] for g in grid_rows if not g["has_leader"]], limit
        ),
        "grids_without_camera": _listing(
            [g["code"] for g in grid_rows if g["cameras"] == 0], limit
        ),
        "grids_without_online_camera": _listing(
            [g["code"] for g in grid_rows if g["online_cameras"] == 0], limit
        ),
        "key_sites_uncovered": _listing([s["code"] for s in sites if not s["covered"]], limit),
        "key_sites_without_camera_nearby": {
            **_listing([s["code"] for s in sites if not s["camera_within_near_m"]], limit),
            "within_m": near_m,
        },
    }


def blind_spots(
    session: Session, *, area_code: str, principal: Principal, include_offline: bool = False
) -> gpd.GeoDataFrame:
    """The parts of each grid of the area in no counted camera's view.

    Returns:
        A GeoDataFrame (EPSG:4490) with columns grid_code, area_m2 and geometry, one row per
        grid with a blind part (grids fully in view are left out), in grid-code order.

    """
    comp = compute(
        session,
        area_code=area_code,
        principal=principal,
        options=Options(include_offline=include_offline),
    )
    return blind_frame(comp)


def blind_frame(comp: Computation) -> gpd.GeoDataFrame:
    """The blind parts of a computation's grids, in EPSG:4490."""
    blind = cov.blind_parts(comp.grid_m, comp.covered_m)
    area = shapely.area(blind)
    keep = area > 1e-6
    metric = gpd.GeoSeries(blind[keep], crs=comp.epsg)
    geoms = from_metric(metric, comp.epsg) if keep.any() else gpd.GeoSeries([], crs=4490)
    return gpd.GeoDataFrame(
        {
            "grid_code": comp.grids["code"].to_numpy()[keep].tolist(),
            "area_m2": np.round(area[keep], 2).tolist(),
        },
        # valid in metres; back in degrees, slivers that nearly touch may cross
        geometry=list(overlay.valid_polygons(np.asarray(geoms.array, dtype=object))),
        crs=4490,
    )
