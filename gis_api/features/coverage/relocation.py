"""Relocation sites (易地搬迁安置点): who manages each, and whether the map agrees.

A site with its own committee (``own_committee``) is a community: the 社区 containing it should
manage it. A smaller site (``attached``) is attached to the nearest administrative village (村):
by road when a road network is loaded (shortest path over ``road_edges``, taken as undirected:
the question is how far the village is, not how to drive there), otherwise in a straight line.
For each site the check says which area it expects, how far, by which method, whether the
stored ``managing_area_code`` agrees, which grids the site lies in (a site in none, or in
several, is a gap to fix), and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra
from sqlalchemy import update
from sqlalchemy.orm import Session

from boundaries import coverage as cov
from boundaries.projection import gk_epsg_for_bounds
from gis_api.core.audit import record
from gis_api.core.auth import Principal
from gis_api.features.coverage import data
from gis_api.features.coverage.data import Area
from gis_api.schema.models import RelocationSite

SEARCH_M = 20_000.0  # villages farther than this are not considered
GRID_OVERLAP_M2 = 1.0  # a polygon site "lies in" a grid when they share more than this


@dataclass(frozen=True)
class _Roads:
    """A road graph for distances: node coordinates (metres) and shortest paths from a node."""

    xy: NDArray[np.float64]
    graph: Any
    tree: shapely.STRtree


def relocation_report(
    session: Session, *, area_code: str, principal: Principal
) -> list[dict[str, Any]]:
    """The check of every relocation site in the area (see the module docstring)."""
    area = data.resolve_area(session, area_code, principal)
    return relocation_checks(session, area=area, epsg=gk_epsg_for_bounds(*area.geom.bounds))


def relocation_checks(
    session: Session, *, area: Area, epsg: int, grids: gpd.GeoDataFrame | None = None
) -> list[dict[str, Any]]:
    """Check the relocation sites whose representative point lies in ``area``.

    ``grids``: current grids around the area, if the caller has them already (else read).
    """
    sites = data.relocation_sites_near(session, area)
    if sites.empty:
        return []
    geoms = np.asarray(sites.geometry.array, dtype=object)
    shapely.prepare(area.geom)
    inside = shapely.intersects(area.geom, shapely.point_on_surface(geoms))
    sites, geoms = sites[inside], geoms[inside]
    if sites.empty:
        return []
    sites_m = cov.project_densified(geoms, epsg)
    bounds = tuple(shapely.total_bounds(geoms))
    if grids is None:
        grids = data.grids_near(session, bounds)  # type: ignore[arg-type]
    touching = shapely.STRtree(np.asarray(grids.geometry.array, dtype=object)).query(
        geoms, predicate="intersects"
    )[1]
    grids = grids.iloc[np.unique(touching)]
    grid_m = cov.project_densified(grids.geometry, epsg)
    villages = data.villages_near(session, bounds, SEARCH_M)  # type: ignore[arg-type]
    village_m = cov.project_densified(villages.geometry, epsg)
    network = data.road_network(session)
    roads = _road_graph(session, bounds, epsg, network) if network else None
    stored = data.areas_by_code(session, sorted({c for c in sites["managing_area_code"] if c}))
    out = []
    for i, site in enumerate(sites.itertuples(index=False)):
        entry = {
            "code": site.code,
            "name": site.name,
            "households": site.households,
            "management": site.management,
            "managing_area_code": site.managing_area_code,
            "managing_area": stored.get(site.managing_area_code or ""),
            "origin_village_codes": list(site.origin_village_codes or []),
            "grids": _grids_of(sites_m[i], grid_m, grids["code"].to_numpy()),
        }
        entry.update(_expected(site.management, sites_m[i], villages, village_m, roads, network))
        entry["agrees"] = (
            entry["expected_area_code"] is not None
            and entry["expected_area_code"] == site.managing_area_code
        )
        entry["explanation"] = _explain(entry)
        out.append(entry)
    return out


def _grids_of(
    site: shapely.Geometry, grid_m: NDArray[np.object_], codes: NDArray
) -> list[dict[str, Any]]:
    """The grids a site lies in, with the share of the site in each (by area for polygons)."""
    if len(grid_m) == 0:
        return []
    hits = shapely.STRtree(grid_m).query(site, predicate="intersects")
    if shapely.get_dimensions(site) == 0:
        return [{"code": str(codes[j]), "share": 1.0} for j in sorted(hits)[:1]]
    total = site.area
    found = []
    for j in sorted(hits):
        overlap = shapely.intersection(site, grid_m[j]).area
        if overlap > GRID_OVERLAP_M2:
            found.append({"code": str(codes[j]), "share": round(overlap / total, 6)})
    return found


def _expected(
    management: str,
    site: shapely.Geometry,
    villages: Any,
    village_m: NDArray[np.object_],
    roads: _Roads | None,
    network: str | None,
) -> dict[str, Any]:
    """The area that should manage the site, how far it is, and by which method."""
    point = shapely.point_on_surface(site)
    kinds = villages["kind"].to_numpy()
    codes = villages["code"].to_numpy()
    names = villages["name"].to_numpy()
    containing = [j for j in range(len(village_m)) if village_m[j].intersects(point)]
    within = {"containing_area_code": str(codes[containing[0]]) if containing else None}
    if management == "own_committee":
        she = [j for j in containing if kinds[j] == "社区"]
        best = she[0] if she else None
        return {
            **within,
            "expected_area_code": str(codes[best]) if best is not None else None,
            "expected_area_name": str(names[best]) if best is not None else None,
            "method": "containing_community",
            "distance_m": 0.0 if best is not None else None,
        }
    cun = np.flatnonzero(kinds == "村")
    if cun.size == 0:
        return {
            **within,
            "expected_area_code": None,
            "expected_area_name": None,
            "method": "straight_line",
            "distance_m": None,
        }
    straight = shapely.distance(site, village_m[cun])
    result = {
        **within,
        "straight_line_area_code": str(codes[cun[np.argmin(straight)]]),
        "straight_line_m": round(float(straight.min()), 2),
    }
    if roads is not None:
        by_road = _road_distances(roads, site, village_m[cun])
        if np.isfinite(by_road).any():
            j = cun[int(np.argmin(by_road))]
            return {
                **result,
                "expected_area_code": str(codes[j]),
                "expected_area_name": str(names[j]),
                "method": f"road ({network})",
                "distance_m": round(float(by_road.min()), 2),
            }
        result["road_note"] = "no village is reachable on the road network; straight line used"
    j = cun[int(np.argmin(straight))]
    return {
        **result,
        "expected_area_code": str(codes[j]),
        "expected_area_name": str(names[j]),
        "method": "straight_line",
        "distance_m": round(float(straight.min()), 2),
    }


def _road_graph(
    session: Session, bounds: tuple[float, float, float, float], epsg: int, network: str
) -> _Roads | None:
    """An undirected graph of the road edges near the sites, weighted by length."""
    roads = data.roads_near(session, bounds, SEARCH_M, network)
    if roads.empty:
        return None
    ids = np.concatenate([roads["source"].to_numpy(), roads["target"].to_numpy()])
    nodes, index = np.unique(ids, return_inverse=True)
    n, m = len(nodes), len(roads)
    lines = cov.project_densified(roads.geometry, epsg)
    ends = np.concatenate(
        [
            shapely.get_coordinates(shapely.get_point(lines, 0)),
            shapely.get_coordinates(shapely.get_point(lines, -1)),
        ]
    )
    xy = np.zeros((n, 2))
    xy[index] = ends
    weight = np.maximum(roads["length_m"].to_numpy(dtype=np.float64), 1e-6)
    graph = coo_array((weight, (index[:m], index[m:])), shape=(n, n)).tocsr()
    return _Roads(xy, graph, shapely.STRtree(shapely.points(xy)))


def _road_distances(
    roads: _Roads, site: shapely.Geometry, targets: NDArray[np.object_]
) -> NDArray[np.float64]:
    """Access leg to the nearest road node, then the shortest path to any node in a target."""
    start = int(roads.tree.query_nearest(shapely.point_on_surface(site))[0])
    access = float(shapely.distance(shapely.points(roads.xy[start]), site))
    dist = dijkstra(roads.graph, directed=False, indices=start)
    out = np.full(len(targets), np.inf)
    for k, polygon in enumerate(targets):
        inside = shapely.contains_xy(polygon, roads.xy[:, 0], roads.xy[:, 1])
        if inside.any():
            out[k] = access + float(dist[inside].min())
    return out


def _explain(entry: dict[str, Any]) -> str:
    """One sentence for the person reading the report."""
    parts = []
    expected, stored = entry["expected_area_code"], entry["managing_area_code"]
    if entry["management"] == "own_committee":
        if expected is None:
            parts.append(
                "the site has its own committee but no community (社区) contains it; "
                "draw or import the community's boundary"
            )
        elif expected == stored:
            parts.append(f"managed by the community {expected} that contains it")
        else:
            parts.append(
                f"has its own committee; the community containing it is {expected}, "
                f"but the stored manager is {stored or 'missing'}"
            )
    elif expected is None:
        parts.append("attached, but no administrative village (村) is near enough to attach it to")
    elif expected == stored:
        parts.append(
            f"attached to the nearest village {expected}, {entry['distance_m']:.0f} m "
            f"by {entry['method']}"
        )
    else:
        parts.append(
            f"attached to {stored or 'nothing'}, but the nearest village is {expected} "
            f"({entry['distance_m']:.0f} m by {entry['method']})"
        )
    if not entry["grids"]:
        parts.append("it lies in no grid")
    elif len(entry["grids"]) > 1:
        parts.append(f"it spans {len(entry['grids'])} grids")
    return "; ".join(parts)


def attach_to_nearest(
    session: Session, *, area_code: str, principal: Principal, actor: str, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Set the manager of each ``attached`` site in the area to its nearest village, where the
    stored one differs; returns the changes (nothing is written with ``dry_run``).
    """
    principal.require("plan")
    checks = relocation_report(session, area_code=area_code, principal=principal)
    changes = [
        {
            "code": c["code"],
            "from": c["managing_area_code"],
            "to": c["expected_area_code"],
            "method": c["method"],
            "distance_m": c["distance_m"],
        }
        for c in checks
        if c["management"] == "attached" and c["expected_area_code"] and not c["agrees"]
    ]
    if dry_run or not changes:
        return changes
    for change in changes:
        session.execute(
            update(RelocationSite)
            .where(RelocationSite.code == change["code"])
            .values(managing_area_code=change["to"])
        )
    record(
        session,
        actor=actor,
        action="relocation.attach",
        area_code=area_code if len(area_code) == 12 else area_code[:12],
        details={"changes": changes},
    )
    return changes
