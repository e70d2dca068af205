"""The coverage computation shared by the report, the blind spots, the map page and placement.

Everything metric happens in one CRS: the Gauss–Krüger zone (UTM outside China) of the area's
centre. Lon/lat inputs are densified (~10 m edges) before they are projected, so a straight
storage edge stays where PostGIS has it and the measured pieces add up; cameras, sectors and
visibility polygons are built in metres.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from boundaries import coverage as cov
from boundaries import viewshed
from boundaries.projection import gk_epsg_for_bounds
from gis_api.core.auth import Principal
from gis_api.features.coverage import data
from gis_api.features.coverage.data import Area

GeomArray = NDArray[np.object_]
REMAINDER_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class Options:
    """How the views are modelled."""

    include_offline: bool = False
    arc_step_deg: float = viewshed.DEFAULT_ARC_STEP_DEG
    mount_tolerance_m: float = viewshed.MOUNT_TOLERANCE_M
    camera_margin_m: float = 0.0  # read cameras at least this far around the area too

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "include_offline": self.include_offline,
            "arc_step_deg": self.arc_step_deg,
            "mount_tolerance_m": self.mount_tolerance_m,
        }


@dataclass
class Computation:
    """The area, its grids and the cameras around it, with their views, in metres."""

    area: Area
    epsg: int
    options: Options
    grids: gpd.GeoDataFrame  # current grids of the area (EPSG:4490)
    grid_m: GeomArray
    area_m: shapely.Geometry
    remainder_m: shapely.Geometry  # the part of the area in no grid (empty if none)
    cameras: gpd.GeoDataFrame  # cameras near the area, with counted/usable/inside columns
    cam_xy: NDArray[np.float64]
    views_m: GeomArray  # one per camera (empty where not usable)
    occluders: viewshed.Occluders
    covered_m: GeomArray  # per grid
    remainder_covered_m: shapely.Geometry
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def counted_views(self) -> GeomArray:
        """Views of the cameras that count (online, or all with ``include_offline``)."""
        return self.views_m[self.cameras["counted"].to_numpy(dtype=bool)]


def compute(
    session: Session, *, area_code: str, principal: Principal, options: Options | None = None
) -> Computation:
    """Load the area and what surrounds it, and compute every camera's view and each grid's
    covered part.
    """
    options = options or Options()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    area = data.resolve_area(session, area_code, principal)
    epsg = gk_epsg_for_bounds(*area.geom.bounds)
    grids = data.current_grids(session, area)
    reach = data.max_camera_range(session)
    cameras = data.cameras_near(session, area, max(reach, options.camera_margin_m) + 10.0)
    footprints = data.footprints_near(session, area, 2 * reach + 10.0)
    timings["load"] = time.perf_counter() - started

    mark = time.perf_counter()
    grid_m = cov.project_densified(grids.geometry, epsg)
    area_m = cov.project_densified(np.array([area.geom], dtype=object), epsg)[0]
    shapely.prepare(area_m)
    remainder_m = _remainder(area_m, grid_m)
    cameras, cam_xy = _prepare_cameras(cameras, area, epsg, options)
    occluders = viewshed.Occluders.from_footprints(
        cov.project_densified(footprints, epsg) if len(footprints) else []
    )
    timings["project"] = time.perf_counter() - mark

    mark = time.perf_counter()
    views = np.full(len(cameras), shapely.Polygon(), dtype=object)
    usable = cameras["usable"].to_numpy(dtype=bool)
    if usable.any():
        c = cameras[usable]
        cams = viewshed.cameras(
            cam_xy[usable, 0],
            cam_xy[usable, 1],
            c["heading"].to_numpy(dtype=np.float64, na_value=np.nan),
            c["fov"].to_numpy(dtype=np.float64),
            c["range_m"].to_numpy(dtype=np.float64),
            epsg=epsg,
        )
        views[usable] = viewshed.visibility_polygons(
            cams,
            occluders,
            arc_step_deg=options.arc_step_deg,
            mount_tolerance_m=options.mount_tolerance_m,
        )
    timings["views"] = time.perf_counter() - mark

    mark = time.perf_counter()
    counted = views[cameras["counted"].to_numpy(dtype=bool)]
    covered = cov.covered_parts(grid_m, counted)
    remainder_covered = (
        cov.covered_parts(np.array([remainder_m], dtype=object), counted)[0]
        if not remainder_m.is_empty
        else shapely.Polygon()
    )
    timings["overlay"] = time.perf_counter() - mark
    return Computation(
        area,
        epsg,
        options,
        grids,
        grid_m,
        area_m,
        remainder_m,
        cameras,
        cam_xy,
        views,
        occluders,
        covered,
        remainder_covered,
        timings,
    )


def _remainder(area_m: shapely.Geometry, grid_m: GeomArray) -> shapely.Geometry:
    """The part of the area covered by no grid (empty when the grids tile it)."""
    if len(grid_m) == 0:
        return area_m
    gap = area_m.area - float(shapely.area(grid_m).sum())
    if abs(gap) <= REMAINDER_TOLERANCE_M2:
        return shapely.Polygon()
    rest = shapely.difference(area_m, shapely.union_all(grid_m))
    parts = shapely.get_parts(rest)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-3)]
    return shapely.multipolygons(parts) if len(parts) else shapely.Polygon()


def _prepare_cameras(
    cameras: gpd.GeoDataFrame, area: Area, epsg: int, options: Options
) -> tuple[gpd.GeoDataFrame, NDArray[np.float64]]:
    """Project the cameras and mark which are usable, counted, and located in the area."""
    cameras = cameras.copy()
    heading = cameras["heading"].to_numpy(dtype=np.float64, na_value=np.nan)
    fov = cameras["fov"].to_numpy(dtype=np.float64)
    cameras["usable"] = ~(np.isnan(heading) & (fov < 360))
    online = cameras["status"].to_numpy() == "online"
    cameras["counted"] = cameras["usable"].to_numpy() & (online | options.include_offline)
    geoms = np.asarray(cameras.geometry.array, dtype=object)
    shapely.prepare(area.geom)
    cameras["inside"] = shapely.intersects(area.geom, geoms) if len(geoms) else []
    xy = (
        shapely.get_coordinates(cov.project_densified(geoms, epsg))
        if len(geoms)
        else np.empty((0, 2))
    )
    return cameras, xy


def grid_camera_counts(comp: Computation) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per grid: cameras located in it, and of those the online ones."""
    n = len(comp.grids)
    total = np.zeros(n, dtype=np.int64)
    online = np.zeros(n, dtype=np.int64)
    if n == 0 or comp.cameras.empty:
        return total, online
    points = np.asarray(comp.cameras.geometry.array, dtype=object)
    grids = np.asarray(comp.grids.geometry.array, dtype=object)
    pi, gi = shapely.STRtree(grids).query(points, predicate="intersects")
    first = np.unique(pi, return_index=True)[1]
    pi, gi = pi[first], gi[first]
    np.add.at(total, gi, 1)
    is_online = comp.cameras["status"].to_numpy()[pi] == "online"
    np.add.at(online, gi[is_online], 1)
    return total, online
