"""Street patrols: walk every street of a grid (or the streets in an area's blind spots, or given
road segments) at least once, from a point and back, with the repeated distance reported.

The walk is a rural Chinese-postman route (``gis_api.features.patrol.postman``) on the
walking network, or on the driving network walked both ways when no walking network is
loaded. It is solved on the part of the network around the streets (their extent plus a
margin), and on the whole network if that part does not join them.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries.errors import Conflict, InvalidInput, NotFound
from gis_api.core.auth import Principal
from gis_api.features.lookup.points import crs_name
from gis_api.features.patrol.models import BlindSpotsSpec, StreetPatrolRequest
from gis_api.features.patrol.output import geojson
from gis_api.features.patrol.postman import Walk, postman_walk
from gis_api.features.patrol.stops import blind_spot_places, resolve_place
from gis_api.features.roads.graph import RoutingGraph, load_graph
from gis_api.schema.models import Grid

STREET_HIGHWAYS = frozenset(
    {
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
        "service",
        "road",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    }
)
"""Road classes a street patrol walks by default (not footpaths, steps or tracks)."""
MARGIN_M = 500.0
ON_BOUNDARY_DEG = 2e-5
"""A street whose middle is this close to the area (about 2 m) belongs to it: streets along a
grid's boundary are the grid's streets too."""
WGS84 = "wgs84"


def plan_street_patrol(
    session: Session, request: StreetPatrolRequest, *, principal: Principal
) -> dict[str, Any]:
    """Plan the walk of ``request``; the answer's coordinates are WGS84."""
    crs_name(request.crs)
    graph = _walking_graph(session)
    required, selection, area = _required_edges(session, graph, request, principal=principal)
    start = resolve_place(
        session, request.start, principal=principal, crs=request.crs, label="start"
    )
    if request.start.point is not None and request.start.name is None:
        start.name = "起点"
    snap = graph.snap(np.array([start.geometry], dtype=object), max_distance_m=request.max_snap_m)[
        0
    ]
    if snap.edge < 0:
        raise InvalidInput(
            f"the start is {snap.distance_m:.0f} m from the nearest road of the {graph.network} "
            f"network; the limit is max_snap_m = {request.max_snap_m:g} m"
        )
    vertex = int(graph.source[snap.edge] if snap.fraction <= 0.5 else graph.target[snap.edge])
    clock = time.perf_counter()
    walk, edges = _solve(graph, required, vertex)
    solve_s = time.perf_counter() - clock
    forward, _ = graph.costs(speed_kmh=request.speed_kmh)
    seconds = float(sum(forward[edges[e]] for e, _, _ in walk.steps))
    route, deadhead = _lines(graph, edges, walk)
    names = sorted({str(n) for n in graph.name[required] if n})
    result: dict[str, Any] = {
        "kind": "streets",
        "network": graph.network,
        "mode": "walk",
        "speed_kmh": request.speed_kmh,
        "crs": WGS84,
        "selection": selection,
        "title": _title(request),
        "area": geojson(area, WGS84),
        "start": {
            "name": start.name,
            "location": [round(start.point.x, 7), round(start.point.y, 7)],
            "snapped": [round(float(v), 7) for v in graph.vertex_xy[vertex]],
            "snap_distance_m": round(snap.distance_m, 1),
        },
        "streets": {
            "segments": len(required),
            "names": names,
            "required_m": round(walk.required_m, 1),
            "lines": geojson(shapely.MultiLineString(list(graph.geoms[required])), WGS84),
        },
        "teams": [
            {
                "team": 1,
                "stops": [],
                "route": geojson(route, WGS84),
                "distance_m": round(walk.total_m, 1),
                "travel_s": round(seconds, 1),
                "dwell_s": 0.0,
                "duration_s": round(seconds, 1),
                "legs": [],
            }
        ],
        "deadhead": {
            "distance_m": round(walk.deadhead_m, 1),
            "share": round(walk.deadhead_m / walk.total_m, 4) if walk.total_m else 0.0,
            "lines": geojson(deadhead, WGS84) if deadhead is not None else None,
        },
        "unreachable": [],
        "totals": {
            "stops": 0,
            "distance_m": round(walk.total_m, 1),
            "duration_s": round(seconds, 1),
            "longest_duration_s": round(seconds, 1),
        },
        "method": {
            "odd_junctions": walk.odd_vertices,
            "connecting_paths": walk.connectors,
            "matching": "exact minimum-weight" if walk.exact_matching else "greedy",
        },
        "timing": {"optimise_s": round(solve_s, 4)},
    }
    return result


def _walking_graph(session: Session) -> RoutingGraph:
    try:
        return load_graph(session, "walking")
    except Conflict:
        try:
            return load_graph(session, "driving")
        except Conflict:
            raise Conflict(
                "no road network is loaded; import one with "
                "`gridmap import roads PATH --network walking`"
            ) from None


def _required_edges(
    session: Session, graph: RoutingGraph, request: StreetPatrolRequest, *, principal: Principal
) -> tuple[np.ndarray, str, shapely.Geometry | None]:
    """Positions of the edges to walk, a description of the selection, and its area."""
    if request.edge_ids is not None:
        position = {int(e): i for i, e in enumerate(graph.edge_id)}
        unknown = [e for e in request.edge_ids if e not in position]
        if unknown:
            raise InvalidInput(
                f"{len(unknown)} edge id(s) are not in the {graph.network} network: {unknown[:10]}"
            )
        return np.array(sorted({position[e] for e in request.edge_ids})), "edges", None
    classes = frozenset(request.highways) if request.highways else STREET_HIGHWAYS
    midpoints = shapely.line_interpolate_point(graph.geoms, 0.5, normalized=True)
    if request.grid_code is not None:
        code = request.grid_code
        wkb = session.scalar(
            select(func.ST_AsBinary(Grid.geom)).where(Grid.code == code, Grid.valid_to.is_(None))
        )
        if wkb is None or not principal.sees(code):
            raise NotFound(f"no current grid {code!r} in this key's jurisdiction")
        area = shapely.from_wkb(bytes(wkb))
        selection, where = f"grid {code}", f"grid {code}"
    else:
        assert request.area_code is not None
        spots = blind_spot_places(
            session, BlindSpotsSpec(area_code=request.area_code, limit=200), principal=principal
        )
        area = shapely.union_all([p.geometry for p in spots])
        selection = f"uncovered streets of {request.area_code}"
        where = f"the blind spots of {request.area_code}"
    shapely.prepare(area)
    inside = shapely.dwithin(area, midpoints, ON_BOUNDARY_DEG) & np.isin(
        graph.highway, list(classes)
    )
    required = np.flatnonzero(inside)
    if not len(required):
        raise InvalidInput(
            f"no street of the classes {sorted(classes)} in {where} on the {graph.network} network"
        )
    return required, selection, area


def _title(request: StreetPatrolRequest) -> str:
    """A Chinese name for the plan."""
    if request.grid_code is not None:
        return f"网格{request.grid_code}街巷巡逻"
    if request.area_code is not None:
        return f"{request.area_code}监控盲区街巷巡逻"
    return "指定路段巡逻"


def _solve(graph: RoutingGraph, required: np.ndarray, vertex: int) -> tuple[Walk, np.ndarray]:
    """The walk on the network near the streets (whole network as a fallback); returns the
    walk (edge positions local to the part solved) and those positions in ``graph``.
    """
    lines = graph.geoms[required]
    minx, miny, maxx, maxy = shapely.total_bounds(lines)
    x, y = graph.vertex_xy[vertex]
    minx, miny, maxx, maxy = min(minx, x), min(miny, y), max(maxx, x), max(maxy, y)
    metres_per_degree = 111_320.0
    margin_y = MARGIN_M / metres_per_degree
    margin_x = MARGIN_M / (metres_per_degree * max(np.cos(np.radians((miny + maxy) / 2)), 0.1))
    box = shapely.box(minx - margin_x, miny - margin_y, maxx + margin_x, maxy + margin_y)
    near = np.flatnonzero(shapely.intersects(box, graph.geoms))
    for edges in (near, np.arange(len(graph.geoms))):
        vertices, inverse = np.unique(
            np.concatenate([graph.source[edges], graph.target[edges]]), return_inverse=True
        )
        local = {int(e): i for i, e in enumerate(edges)}
        try:
            walk = postman_walk(
                inverse[: len(edges)],
                inverse[len(edges) :],
                graph.length_m[edges],
                n_vertices=len(vertices),
                required=[local[int(e)] for e in required],
                start=int(np.searchsorted(vertices, vertex)),
            )
        except ValueError as exc:
            if len(edges) == len(graph.geoms):
                raise InvalidInput(
                    f"the streets cannot all be walked from the start: {exc}"
                ) from None
            continue
        return walk, edges
    raise AssertionError("unreachable")


def _lines(
    graph: RoutingGraph, edges: np.ndarray, walk: Walk
) -> tuple[shapely.LineString, shapely.MultiLineString | None]:
    coords: list[np.ndarray] = []
    repeated = []
    for local, forward, deadhead in walk.steps:
        xy = shapely.get_coordinates(graph.geoms[edges[local]])
        xy = xy if forward else xy[::-1]
        coords.append(xy if not coords else xy[1:])
        if deadhead:
            repeated.append(shapely.LineString(xy))
    route = shapely.LineString(np.concatenate(coords))
    return route, shapely.MultiLineString(repeated) if repeated else None
