"""The coverage map page: one computation, drawn by ``map_ui.coverage``.

Drawing is kept within what a browser handles: shapes are simplified for display by a
tolerance that grows with the area (0.2 m for a village, a few metres for a county; no figure
on the page comes from the simplified shapes), and a layer whose vertices exceed
``MAX_DRAWN_VERTICES`` or more features than ``GRIDMAP_INLINE_FEATURE_LIMIT`` is left out, with
a line in the summary saying so (open a town or a village to see it). Footprints are drawn up to
``MAX_FOOTPRINTS_DRAWN``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import HTMLResponse, Response

from boundaries import coverage as cov
from boundaries.projection import from_metric
from gis_api.core.auth import Principal
from gis_api.core.pages import basemap_options, render_page, with_blank_icon
from gis_api.core.settings import Settings
from gis_api.features.coverage import service
from gis_api.features.coverage.engine import Computation, Options, compute, grid_camera_counts
from gis_api.features.coverage.models import AreaParam, OfflineParam
from map_ui.assets import offline_html
from map_ui.coverage import build_coverage_map

MIN_DRAW_TOLERANCE_M = 0.2
MAX_DRAWN_VERTICES = 300_000  # per layer
MAX_FOOTPRINTS_DRAWN = 5_000

router = APIRouter(tags=["maps"])


def draw_tolerance(comp: Computation) -> float:
    """Metres of simplification for drawing: 1/20,000 of the area's diagonal, at least 0.2 m."""
    minx, miny, maxx, maxy = comp.area_m.bounds
    return max(MIN_DRAW_TOLERANCE_M, float(np.hypot(maxx - minx, maxy - miny)) / 20_000)


def _lonlat(geoms: np.ndarray, comp: Computation, limit: int) -> list[Any] | None:
    """Simplified and back in EPSG:4490; None when there are more than ``limit`` of them or
    they have too many vertices to draw.
    """
    if len(geoms) == 0:
        return []
    if len(geoms) > limit:
        return None
    simple = shapely.simplify(geoms, draw_tolerance(comp))
    if int(shapely.get_num_coordinates(simple).sum()) > MAX_DRAWN_VERTICES:
        return None
    series = gpd.GeoSeries(simple, crs=comp.epsg)
    return list(np.asarray(from_metric(series, comp.epsg).array, dtype=object))


def sector_frame(comp: Computation, principal: Principal, limit: int) -> gpd.GeoDataFrame | None:
    """Views of the cameras the caller may see (its jurisdiction), counted ones and offline;
    None when there are too many to draw.
    """
    cams = comp.cameras
    usable = cams["usable"].to_numpy(dtype=bool)
    seen = np.array([principal.sees(c) for c in cams["area_code"]], dtype=bool)
    keep = usable & seen & ~shapely.is_empty(comp.views_m)
    geoms = _lonlat(comp.views_m[keep], comp, limit)
    if geoms is None:
        return None
    frame = cams.loc[keep, ["id", "name", "category", "status"]].reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=4490)


def blind_frame(comp: Computation, limit: int) -> gpd.GeoDataFrame | None:
    """The blind spots for drawing (None when too many vertices)."""
    if len(comp.grid_m) > limit:
        return None
    blind = cov.blind_parts(comp.grid_m, comp.covered_m)
    area = shapely.area(blind)
    keep = area > 1e-6
    geoms = _lonlat(blind[keep], comp, limit)
    if geoms is None:
        return None
    return gpd.GeoDataFrame(
        {"grid_code": comp.grids["code"].to_numpy()[keep].tolist(), "area_m2": area[keep]},
        geometry=geoms,
        crs=4490,
    )


def footprint_frame(comp: Computation) -> gpd.GeoDataFrame | None:
    """The (merged) footprints that meet the area, if there are not too many to draw."""
    polygons = comp.occluders.polygons
    if len(polygons) == 0:
        return None
    near = polygons[shapely.intersects(polygons, comp.area_m)]
    if len(near) == 0:
        return None
    geoms = _lonlat(near, comp, MAX_FOOTPRINTS_DRAWN)
    return None if geoms is None else gpd.GeoDataFrame(geometry=geoms, crs=4490)


def grid_share_frame(comp: Computation) -> gpd.GeoDataFrame:
    """Grids with their covered share (for the choropleth)."""
    area = shapely.area(comp.grid_m)
    covered = shapely.area(comp.covered_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(area > 0, np.minimum(1.0, covered / area), np.nan)
    cameras, _ = grid_camera_counts(comp)
    return gpd.GeoDataFrame(
        {
            "code": comp.grids["code"].tolist(),
            "name": comp.grids["name"].tolist(),
            "share": share,
            "covered_m2": covered,
            "area_m2": area,
            "cameras": cameras,
        },
        # drawn only: simplified by the drawing tolerance (in degrees)
        geometry=list(
            shapely.simplify(
                np.asarray(comp.grids.geometry.array, dtype=object),
                draw_tolerance(comp) / 111_000,
            )
        ),
        crs=4490,
    )


def coverage_page_html(
    factory: sessionmaker[Session],
    *,
    principal: Principal,
    settings: Settings,
    area_code: str,
    include_offline: bool = False,
) -> str:
    """The coverage page of an area, every asset served by this app."""
    with factory() as session:
        comp = compute(
            session,
            area_code=area_code,
            principal=principal,
            options=Options(
                include_offline=include_offline, camera_margin_m=service.DEFAULT_NEAR_M
            ),
        )
        sites = service.key_site_status(
            session, comp, site_share=service.DEFAULT_SITE_SHARE, near_m=service.DEFAULT_NEAR_M
        )
        site_frame = service.key_site_frame(session, comp, sites)
    cams = service.camera_summary(comp)
    covered = float(shapely.area(comp.covered_m).sum()) + comp.remainder_covered_m.area
    area_m2 = comp.area_m.area
    share = covered / area_m2 if area_m2 > 0 else 0.0
    uncovered_sites = sum(not s["covered"] for s in sites)
    summary = [
        ("视频覆盖率", f"{100 * share:.1f}%"),
        ("覆盖面积", f"{covered / 1e6:.3f} km² / {area_m2 / 1e6:.3f} km²"),
        ("摄像头", f"{cams['total']} 个（在线 {cams['online']}）"),
        (
            "联通率",
            "—" if cams["online_share"] is None else f"{100 * cams['online_share']:.1f}%",
        ),
        ("重点场所", f"{len(sites)} 处，未覆盖 {uncovered_sites} 处"),
        ("计入离线摄像头", "是" if include_offline else "否"),
    ]
    limit = settings.inline_feature_limit
    sectors, blind = sector_frame(comp, principal, limit), blind_frame(comp, limit)
    for name, frame in (("摄像头视域", sectors), ("盲区", blind)):
        if frame is None:
            summary.append((name, "范围过大未绘制，请打开乡镇或村社区页面"))
    area = gpd.GeoDataFrame({"code": [comp.area.code]}, geometry=[comp.area.geom], crs=4490)
    m = build_coverage_map(
        area=area,
        summary=summary,
        title=f"{comp.area.name} 视频覆盖",
        sectors=sectors,
        blind_spots=blind,
        key_sites=site_frame,
        grid_shares=grid_share_frame(comp),
        footprints=footprint_frame(comp),
        basemap=basemap_options(settings),
    )
    return with_blank_icon(offline_html(m))


@router.get("/map/coverage", response_class=HTMLResponse, summary="The coverage map of an area")
async def coverage_page(
    request: Request, area: AreaParam, include_offline: OfflineParam = False
) -> Response:
    """Views by camera category (offline grey), blind spots hatched, uncovered key sites
    marked, grids coloured by the share in view.
    """
    return await render_page(
        request, coverage_page_html, area_code=area, include_offline=include_offline
    )
