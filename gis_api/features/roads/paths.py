"""Shortest paths between snapped points: the graph with the points as nodes of their own.

Each snapped point splits its edge (costs and lengths in proportion), so a path starts and
ends exactly at the stops; points snapped within a centimetre of an edge end use that vertex.
Between two nodes only the cheapest arc is kept (parallel roads), and a path is rebuilt from
Dijkstra's predecessors arc by arc, with its distance and geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from boundaries.projection import from_metric
from gis_api.features.roads.graph import RoutingGraph, Snap

MIN_COST = 1e-6
"""Seconds given to a zero-length arc: SciPy's sparse graphs need positive weights."""
END_TOLERANCE_M = 0.01
KEEP_PATHS_LIMIT = 25_000_000
"""Above sources × nodes, predecessors are not kept for all sources at once (memory)."""


@dataclass
class Leg:
    """A path between two nodes: seconds, metres, and its line (EPSG:4490)."""

    cost_s: float
    length_m: float
    line: shapely.LineString | None
    edges: list[int]
    """Graph positions of the edges used, in order (a split edge appears once per piece)."""


class PointGraph:
    """A routing graph plus snapped points as extra nodes, with per-direction costs."""

    def __init__(
        self,
        graph: RoutingGraph,
        snaps: list[Snap],
        *,
        forward: NDArray[np.float64],
        backward: NDArray[np.float64],
    ) -> None:
        """Split the snapped edges and build the sparse matrix of the cheapest arcs."""
        self.graph = graph
        n = graph.n_vertices
        node_of: list[int] = []
        on_edge: dict[int, list[tuple[float, int]]] = {}
        extra = 0
        positions: dict[tuple[int, float], int] = {}
        for snap in snaps:
            if snap.edge < 0:
                node_of.append(-1)
                continue
            length = graph.length_m[snap.edge]
            if snap.fraction * length <= END_TOLERANCE_M:
                node_of.append(int(graph.source[snap.edge]))
            elif (1.0 - snap.fraction) * length <= END_TOLERANCE_M:
                node_of.append(int(graph.target[snap.edge]))
            else:
                key = (snap.edge, round(snap.fraction, 12))
                if key not in positions:
                    positions[key] = n + extra
                    on_edge.setdefault(snap.edge, []).append((snap.fraction, n + extra))
                    extra += 1
                node_of.append(positions[key])
        self.node_of = node_of
        self.n_nodes = n + extra
        # arcs: from, to, seconds, metres, edge, fraction from, fraction to
        split = np.zeros(len(graph.source), dtype=bool)
        split[list(on_edge)] = True
        whole = np.flatnonzero(~split)
        parts: list[NDArray[np.float64]] = [
            _arcs(graph.source[whole], graph.target[whole], forward[whole], whole, graph, 0, 1),
        ]
        back = whole[backward[whole] >= 0]
        parts.append(
            _arcs(graph.target[back], graph.source[back], backward[back], back, graph, 1, 0)
        )
        for edge, stops in on_edge.items():
            stops.sort()
            fractions = [0.0, *(f for f, _ in stops), 1.0]
            nodes = [int(graph.source[edge]), *(v for _, v in stops), int(graph.target[edge])]
            for (f0, a), (f1, b) in zip(
                zip(fractions[:-1], nodes[:-1], strict=True),
                zip(fractions[1:], nodes[1:], strict=True),
                strict=True,
            ):
                share = f1 - f0
                length = graph.length_m[edge] * share
                rows = [[a, b, forward[edge] * share, length, edge, f0, f1]]
                if backward[edge] >= 0:
                    rows.append([b, a, backward[edge] * share, length, edge, f1, f0])
                parts.append(np.array(rows, dtype=np.float64))
        arcs = np.concatenate(parts)
        # keep the cheapest arc between each ordered pair of nodes
        u, v = arcs[:, 0].astype(np.int64), arcs[:, 1].astype(np.int64)
        order = np.lexsort((arcs[:, 2], v, u))
        arcs, u, v = arcs[order], u[order], v[order]
        first = np.ones(len(arcs), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        self.arcs = arcs[first]
        self.arc_key = u[first] * self.n_nodes + v[first]
        self._pred: dict[int, NDArray[np.int32]] = {}
        self.matrix = csr_matrix(
            (np.maximum(self.arcs[:, 2], MIN_COST), (u[first], v[first])),
            shape=(self.n_nodes, self.n_nodes),
        )

    def costs(self, nodes: list[int]) -> NDArray[np.float64]:
        """Seconds between every pair of ``nodes`` (inf: no path). Dijkstra's predecessors are
        kept for the legs when they fit in memory; otherwise each leg searches again.
        """
        unique = np.array(sorted(set(nodes)), dtype=np.int64)
        position = {int(n): i for i, n in enumerate(unique)}
        columns = np.array([position[n] for n in nodes])
        self._pred = {}
        if len(unique) * self.n_nodes <= KEEP_PATHS_LIMIT:
            dist, pred = dijkstra(self.matrix, indices=unique, return_predecessors=True)
            self._pred = {int(n): pred[i] for i, n in enumerate(unique)}
            dist = dist[:, unique]
        else:
            dist = np.concatenate(
                [
                    dijkstra(self.matrix, indices=unique[start : start + 32])[:, unique]
                    for start in range(0, len(unique), 32)
                ]
            )
        return dist[np.ix_(columns, columns)]

    def leg(self, a: int, b: int) -> Leg:
        """The cheapest path from node ``a`` to node ``b`` (cost inf and no line if none)."""
        if a == b:
            return Leg(0.0, 0.0, None, [])
        pred = self._pred.get(a)
        if pred is None:
            _, pred = dijkstra(self.matrix, indices=a, return_predecessors=True)
        chain = [b]
        while chain[-1] != a:
            previous = int(pred[chain[-1]])
            if previous < 0:
                return Leg(float("inf"), float("inf"), None, [])
            chain.append(previous)
        chain.reverse()
        keys = np.array(chain[:-1], dtype=np.int64) * self.n_nodes + np.array(chain[1:])
        index = np.searchsorted(self.arc_key, keys)
        arcs = self.arcs[index]
        return Leg(
            cost_s=float(arcs[:, 2].sum()),
            length_m=float(arcs[:, 3].sum()),
            line=self._line(arcs),
            edges=[int(e) for e in arcs[:, 4]],
        )

    def _line(self, arcs: NDArray[np.float64]) -> shapely.LineString:
        graph = self.graph
        pieces: list[NDArray[np.float64]] = []
        for arc in arcs:
            edge, f0, f1 = int(arc[4]), float(arc[5]), float(arc[6])
            if (f0, f1) == (0.0, 1.0):
                xy = shapely.get_coordinates(graph.geoms[edge])
            elif (f0, f1) == (1.0, 0.0):
                xy = shapely.get_coordinates(graph.geoms[edge])[::-1]
            else:
                # substring gives the piece from f0 to f1, reversed when f0 > f1
                part = substring(graph.metric[edge], f0, f1, normalized=True)
                xy = shapely.get_coordinates(from_metric(part, graph.epsg))
            if pieces:
                xy = xy[1:]
            pieces.append(xy)
        coords = np.concatenate(pieces) if pieces else np.empty((0, 2))
        if len(coords) < 2:
            coords = np.vstack([coords, coords]) if len(coords) else coords
        return shapely.LineString(coords)


def _arcs(
    u: NDArray[np.int64],
    v: NDArray[np.int64],
    cost: NDArray[np.float64],
    edges: NDArray[np.int64],
    graph: RoutingGraph,
    f0: float,
    f1: float,
) -> NDArray[np.float64]:
    count = len(edges)
    return np.column_stack(
        [
            u,
            v,
            cost,
            graph.length_m[edges],
            edges,
            np.full(count, f0, dtype=np.float64),
            np.full(count, f1, dtype=np.float64),
        ]
    ).astype(np.float64)
