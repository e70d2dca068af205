"""Patrol routes: snap the stops to the roads, build the cost matrix, order, trace the roads.

``plan_routes(session, request, principal=…)`` answers ``POST /v1/patrol/routes``: per team
the stops in visiting order, the route as a LineString that follows the roads, its distance
and duration and the figures of every leg; and the stops that cannot be reached, with why.
The matrix comes from the in-memory graph of the stored network (see ``gis_api.features.roads``);
``docs/bench/patrol.md`` compares it with pgRouting's ``pgr_withPointsCostMatrix``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from boundaries.errors import Conflict, InvalidInput
from gis_api.core.auth import Principal
from gis_api.features.lookup.points import crs_name
from gis_api.features.patrol.models import RouteRequest
from gis_api.features.patrol.output import geojson, join_lines, lonlat
from gis_api.features.patrol.stops import Place, Underlay, resolve_place, resolve_stops
from gis_api.features.patrol.tour import solve_tours
from gis_api.features.roads.graph import RoutingGraph, Snap, load_graph
from gis_api.features.roads.paths import PointGraph
from gis_api.schema.geojson import feature, feature_collection

MODES = {"walk": "walking", "drive": "driving"}
WGS84 = "wgs84"


def plan_routes(session: Session, request: RouteRequest, *, principal: Principal) -> dict[str, Any]:
    """Plan the patrol routes of ``request`` (see the module docstring for the answer).

    The answer's coordinates are WGS84 (= CGCS2000); ``output.in_crs`` converts them to the
    request's crs for the client.
    """
    crs = crs_name(request.crs)
    network = MODES[request.mode]
    graph = load_graph(session, network)
    start = resolve_place(session, request.start, principal=principal, crs=crs, label="start")
    if request.start.point is not None and request.start.name is None:
        start.name = "起点"
    end = None
    if request.end is not None:
        end = resolve_place(session, request.end, principal=principal, crs=crs, label="end")
        if request.end.point is not None and request.end.name is None:
            end.name = "终点"
    places, underlay = resolve_stops(session, request.stops, principal=principal, crs=crs)
    if request.teams > len(places):
        raise InvalidInput(
            f"teams was {request.teams} but the request has only {len(places)} stop(s); "
            "every team needs at least one"
        )
    ends = [start] if end is None else [start, end]
    snaps = graph.snap(
        np.array([p.geometry for p in [*ends, *places]], dtype=object),
        max_distance_m=request.max_snap_m,
    )
    for place, snap, label in zip(ends, snaps, ("start", "end"), strict=False):
        if snap.edge < 0:
            raise InvalidInput(
                f"the {label} ({place.name}) is {snap.distance_m:.0f} m from the nearest road of "
                f"the {network} network; the limit is max_snap_m = {request.max_snap_m:g} m"
            )
    forward, backward = graph.costs(speed_kmh=request.speed_kmh)
    clock = time.perf_counter()
    points = PointGraph(graph, snaps, forward=forward, backward=backward)
    start_node = points.node_of[0]
    end_node = points.node_of[1] if end is not None else start_node
    stop_snaps = snaps[len(ends) :]
    stop_nodes = points.node_of[len(ends) :]
    snapped = [i for i, node in enumerate(stop_nodes) if node >= 0]
    nodes = [start_node, end_node, *(stop_nodes[i] for i in snapped)]
    matrix = points.costs(nodes)
    matrix_s = time.perf_counter() - clock
    if end_node != start_node and not np.isfinite(matrix[0, 1]):
        raise InvalidInput(f"the end cannot be reached from the start over the {network} network")
    unreachable = [
        _unreachable(
            places[i],
            f"{s.distance_m:.0f} m from the nearest road of the {network} network "
            f"(max_snap_m = {request.max_snap_m:g} m)",
        )
        for i, s in enumerate(stop_snaps)
        if s.edge < 0
    ]
    reachable: list[int] = []  # positions in ``snapped``
    for k, i in enumerate(snapped):
        why = _why_unreachable(graph, snaps[0], stop_snaps[i], matrix[0, 2 + k], matrix[2 + k, 1])
        if why is None:
            reachable.append(k)
        else:
            unreachable.append(_unreachable(places[i], why))
    if not reachable:
        raise InvalidInput(
            f"none of the {len(places)} stop(s) can be reached over the {network} network",
            details={"unreachable": unreachable},
        )
    if request.teams > len(reachable):
        raise InvalidInput(
            f"teams was {request.teams} but only {len(reachable)} stop(s) can be reached",
            details={"unreachable": unreachable},
        )
    # the problem for the optimiser: 0 = start, 1 = end (when it differs), then the stops
    same_end = end_node == start_node
    rows = [0] if same_end else [0, 1]
    rows += [2 + k for k in reachable]
    sub = matrix[np.ix_(rows, rows)].copy()
    finite = sub[np.isfinite(sub)]
    sub[~np.isfinite(sub)] = (finite.max() + 1.0) * len(sub) * 10.0
    dwell = request.dwell_minutes * 60.0
    first_stop = len(rows) - len(reachable)
    sub[:, first_stop:] += dwell
    clock = time.perf_counter()
    try:
        tours = solve_tours(
            sub,
            start=0,
            end=0 if same_end else 1,
            teams=request.teams,
            time_limit_s=request.time_limit_s,
            max_route_cost=None if request.max_minutes is None else request.max_minutes * 60.0,
        )
    except TimeoutError:
        # the request's own time limit, not a fault of ours: say which setting helps
        raise Conflict(
            f"the optimiser found no route for {len(reachable)} stops within "
            f"time_limit_s={request.time_limit_s:g}; send a larger time_limit_s, fewer stops "
            "or more teams",
            details=[{"where": "body time_limit_s", "reason": "too short to find a route"}],
        ) from None
    optimise_s = time.perf_counter() - clock
    place_of = {first_stop + j: snapped[k] for j, k in enumerate(reachable)}
    node_of = {0: start_node, 1: end_node}
    node_of.update({first_stop + j: stop_nodes[snapped[k]] for j, k in enumerate(reachable)})
    for index in tours.dropped:
        limit = request.max_minutes
        unreachable.append(
            _unreachable(
                places[place_of[index]],
                f"does not fit in any team's time limit of {limit:g} min",
            )
        )
    teams = [
        _team(t, route, points, node_of, place_of, places, stop_snaps, dwell, end is None)
        for t, route in enumerate(tours.routes, start=1)
    ]
    return {
        "network": network,
        "mode": request.mode,
        "speed_kmh": request.speed_kmh,
        "crs": crs,
        "start": _endpoint(start, snaps[0]),
        "end": _endpoint(end, snaps[1]) if end is not None else None,
        "teams": teams,
        "unreachable": unreachable,
        "totals": {
            "stops": sum(len(t["stops"]) for t in teams),
            "distance_m": sum(t["distance_m"] for t in teams),
            "duration_s": sum(t["duration_s"] for t in teams),
            "longest_duration_s": max(t["duration_s"] for t in teams),
        },
        "timing": {"matrix_s": round(matrix_s, 4), "optimise_s": round(optimise_s, 4)},
        "underlay": _underlay(underlay),
    }


def _why_unreachable(
    graph: RoutingGraph, start: Snap, stop: Snap, there: float, back: float
) -> str | None:
    if np.isfinite(there) and np.isfinite(back):
        return None
    piece, home = int(graph.component[stop.edge]), int(graph.component[start.edge])
    if piece != home:
        inside = graph.component == piece
        return (
            f"on a piece of the road network not connected to the start ({int(inside.sum())} "
            f"road segment(s), {graph.length_m[inside].sum():.0f} m in all)"
        )
    if not np.isfinite(there) and not np.isfinite(back):
        return "one-way streets allow neither reaching it from the start nor returning"
    if not np.isfinite(there):
        return "cannot be reached from the start (one-way streets)"
    return "there is no way from it to the end (one-way streets)"


def _team(
    number: int,
    route: list[int],
    points: PointGraph,
    node_of: dict[int, int],
    place_of: dict[int, int],
    places: list[Place],
    snaps: list[Snap],
    dwell: float,
    round_trip: bool,
) -> dict[str, Any]:
    """One team's answer: stops in order with arrival times, the route, the legs."""
    legs = [points.leg(node_of[a], node_of[b]) for a, b in zip(route[:-1], route[1:], strict=True)]
    if any(not np.isfinite(leg.cost_s) for leg in legs):
        raise Conflict(
            f"one-way streets allow no single route for team {number} through its stops; "
            "try a round trip (no end) or more teams"
        )
    stops: list[dict[str, Any]] = []
    leg_rows: list[dict[str, Any]] = []
    clock = 0.0
    previous = "起点"
    for order, (index, leg) in enumerate(zip(route[1:], legs, strict=True), start=1):
        clock += leg.cost_s
        if index in place_of:
            place = places[place_of[index]]
            snap = snaps[place_of[index]]
            stops.append(
                {
                    "order": order,
                    **_endpoint(place, snap),
                    "arrival_s": round(clock, 1),
                    "details": place.details,
                }
            )
            clock += dwell
            to = place.name
        else:
            to = "起点" if round_trip else "终点"
        leg_rows.append(
            {
                "from": previous,
                "to": to,
                "distance_m": round(leg.length_m, 1),
                "duration_s": round(leg.cost_s, 1),
            }
        )
        previous = to
    travel = sum(leg.cost_s for leg in legs)
    return {
        "team": number,
        "stops": stops,
        "route": geojson(join_lines([leg.line for leg in legs]), WGS84) if stops else None,
        "distance_m": round(sum(leg.length_m for leg in legs), 1),
        "travel_s": round(travel, 1),
        "dwell_s": round(dwell * len(stops), 1),
        "duration_s": round(travel + dwell * len(stops), 1),
        "legs": leg_rows,
    }


def _endpoint(place: Place, snap: Snap) -> dict[str, Any]:
    return {
        "name": place.name,
        "kind": place.kind,
        "ref": place.ref,
        "location": lonlat(place.point, WGS84),
        "snapped": lonlat(snap.point, WGS84) if snap.point is not None else None,
        "snap_distance_m": round(snap.distance_m, 1),
    }


def _unreachable(place: Place, reason: str) -> dict[str, Any]:
    return {
        "name": place.name,
        "kind": place.kind,
        "ref": place.ref,
        "location": lonlat(place.point, WGS84),
        "reason": reason,
    }


def _underlay(underlay: Underlay) -> dict[str, Any]:
    def collection(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return feature_collection(
            feature(
                geojson(row["geometry"], WGS84),
                {k: v for k, v in row.items() if k != "geometry"},
            )
            for row in rows
        )

    return {
        "blind_spots": collection(underlay.blind_spots),
        "incidents": collection(underlay.incidents),
    }
