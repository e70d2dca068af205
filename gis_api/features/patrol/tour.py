"""Order stops into tours: OR-Tools routing with guided local search, time-limited.

Pure: a cost matrix in, routes out; no HTTP, no database. One team gets the shortest tour from
``start`` through every stop to ``end``; several teams share the stops so that the longest
route is as short as possible (a global span cost on the cost dimension), each team visiting
at least one stop.

Costs may be integers or floats. OR-Tools works on integers: floats are scaled so the largest
entry becomes 10^7 before rounding (a relative error below 10^-7 per arc), integers are used
as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

FLOAT_SCALE_TO = 10_000_000
SPAN_COEFFICIENT = 100
"""How much more the longest route weighs than the total (teams > 1): balance first."""
MAX_TOTAL = 2**62


@dataclass
class Tours:
    """Routes (node indices from start to end), their costs, and stops left out."""

    routes: list[list[int]]
    costs: list[float]
    dropped: list[int] = field(default_factory=list)
    """Stops no team could take within ``max_route_cost`` (only with that limit)."""


def solve(
    matrix: Sequence[Sequence[float]] | NDArray[np.number],
    *,
    start: int = 0,
    end: int | None = None,
    teams: int = 1,
    time_limit_s: float = 2.0,
) -> list[list[int]]:
    """Order every stop of ``matrix`` into ``teams`` routes from ``start`` to ``end``.

    Args:
        matrix: Square matrix of travel costs, ``matrix[i][j]`` from node i to node j
            (numpy array or nested lists; integers or floats; finite and non-negative; it may
            be asymmetric). Every node other than ``start`` and ``end`` is a stop.
        start: The node every route starts from.
        end: The node every route ends at; ``start`` when None (round trips).
        teams: The number of routes; each visits at least one stop, and the longest route is
            kept as short as possible.
        time_limit_s: Seconds the search may run (guided local search uses all of it).

    Returns:
        ``teams`` lists of node indices, each beginning with ``start`` and ending with ``end``.

    Raises:
        ValueError: A matrix that is not square, not numeric, negative or not finite; ``start``
            or ``end`` out of range; ``teams`` below 1 or above the number of stops; a time
            limit that is not a positive number.
        TimeoutError: No solution was found within the time limit.

    """
    return solve_tours(matrix, start=start, end=end, teams=teams, time_limit_s=time_limit_s).routes


def solve_tours(
    matrix: Sequence[Sequence[float]] | NDArray[np.number],
    *,
    start: int = 0,
    end: int | None = None,
    teams: int = 1,
    time_limit_s: float = 2.0,
    max_route_cost: float | None = None,
) -> Tours:
    """Like :func:`solve`, with the route costs, and an optional limit on each route's cost.

    With ``max_route_cost`` a stop that fits in no route is dropped (listed in ``dropped``)
    rather than making the problem infeasible, and teams may stay empty.
    """
    costs = check_matrix(matrix)
    n = len(costs)
    start = _index(start, n, "start")
    end = start if end is None else _index(end, n, "end")
    if isinstance(teams, bool) or not isinstance(teams, int | np.integer) or teams < 1:
        raise ValueError(f"`teams` was {teams!r} but is expected to be an integer >= 1")
    stops = n - len({start, end})
    if teams > max(stops, 1):
        raise ValueError(
            f"`teams` was {teams} but there are only {stops} stop(s) besides start and end; "
            "every team needs at least one"
        )
    if (
        isinstance(time_limit_s, bool)
        or not isinstance(time_limit_s, int | float)
        or not math.isfinite(time_limit_s)
        or time_limit_s <= 0
    ):
        raise ValueError(f"`time_limit_s` was {time_limit_s!r} but is expected to be > 0")
    if max_route_cost is not None and not (max_route_cost >= 0 and math.isfinite(max_route_cost)):
        raise ValueError(f"`max_route_cost` was {max_route_cost!r}; expected a number >= 0")
    if stops == 0:
        return Tours(routes=[[start, end]], costs=[float(costs[start, end])])
    scaled, factor = scale(costs)
    manager = pywrapcp.RoutingIndexManager(n, int(teams), [start] * teams, [end] * teams)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(scaled.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    limit = int(scaled.sum(axis=1).max() * 2 + 1)
    if max_route_cost is not None:
        limit = min(limit, int(math.floor(max_route_cost * factor + 1e-9)))
    if teams > 1 or max_route_cost is not None:
        routing.AddDimension(transit, 0, limit, True, "cost")
        if teams > 1:
            routing.GetDimensionOrDie("cost").SetGlobalSpanCostCoefficient(SPAN_COEFFICIENT)
    if max_route_cost is not None:
        penalty = int(min(MAX_TOTAL // (2 * n), scaled.max() * n * 10 + 1))
        for node in range(n):
            if node not in (start, end):
                routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    elif teams > 1:
        routing.AddConstantDimension(1, n + 1, True, "stops")
        visits = routing.GetDimensionOrDie("stops")
        for team in range(teams):
            visits.CumulVar(routing.End(team)).SetMin(2)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    # Relocating a node next to its nearest neighbours (off by default) finds the short
    # tours of road matrices much sooner: see docs/bench/patrol.md.
    params.local_search_operators.use_relocate_neighbors = optional_boolean_pb2.BOOL_TRUE
    params.time_limit.FromMilliseconds(max(1, int(round(time_limit_s * 1000))))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise TimeoutError(
            f"no route was found within {time_limit_s} s for {stops} stops; allow more time"
        )
    routes: list[list[int]] = []
    route_costs: list[float] = []
    visited: set[int] = set()
    for team in range(teams):
        index = routing.Start(team)
        route = [manager.IndexToNode(index)]
        while not routing.IsEnd(index):
            index = solution.Value(routing.NextVar(index))
            route.append(manager.IndexToNode(index))
        routes.append(route)
        visited.update(route)
        route_costs.append(float(costs[route[:-1], route[1:]].sum()))
    dropped = [i for i in range(n) if i not in visited]
    return Tours(routes=routes, costs=route_costs, dropped=dropped)


def check_matrix(matrix: Sequence[Sequence[float]] | NDArray[np.number]) -> NDArray[np.float64]:
    """The matrix as a float array after checking it is square, finite and non-negative."""
    try:
        costs = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "`matrix` is expected to be a square matrix of numbers (nested lists of equal "
            "length, or a 2-D numpy array)"
        ) from None
    if costs.ndim != 2 or costs.shape[0] != costs.shape[1] or costs.shape[0] == 0:
        raise ValueError(f"`matrix` has shape {costs.shape} but is expected to be square (n, n)")
    if not np.isfinite(costs).all():
        i, j = np.argwhere(~np.isfinite(costs))[0]
        raise ValueError(f"`matrix[{i}][{j}]` is {costs[i, j]} but costs must be finite")
    if (costs < 0).any():
        i, j = np.argwhere(costs < 0)[0]
        raise ValueError(f"`matrix[{i}][{j}]` is {costs[i, j]} but costs must be >= 0")
    return costs


def scale(costs: NDArray[np.float64]) -> tuple[NDArray[np.int64], float]:
    """Integer costs for OR-Tools and the factor used (1 for integer input)."""
    top = float(costs.max())
    n = len(costs)
    if np.all(costs == np.round(costs)) and top * n * 2 < MAX_TOTAL:
        return costs.astype(np.int64), 1.0
    factor = FLOAT_SCALE_TO / top if top > 0 else 1.0
    return np.rint(costs * factor).astype(np.int64), factor


def _index(value: object, n: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value < n:
        raise ValueError(f"`{name}` was {value!r} but is expected to be a node index in [0, {n})")
    return int(value)
