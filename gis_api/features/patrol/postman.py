"""Street patrols: walk every required street at least once, from a point and back to it.

This is the rural (undirected) Chinese postman problem, solved the classical way: the required
streets are joined into one connected piece by the shortest paths of a minimum spanning tree
over their pieces (Frederickson's heuristic), every odd-degree junction is then paired by a
minimum-weight perfect matching on shortest-path distances (exact for the undirected postman
when the required streets are connected), and an Eulerian circuit of the result is the walk.
Walked again (deadhead) = total − required.

Pure: arrays of the network in, the walk out; SciPy for shortest paths, networkx for the
spanning tree, the matching and the circuit. Walking ignores one-way streets.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

EXACT_MATCHING_LIMIT = 400
"""Above this many odd junctions the pairing is greedy (nearest pairs first)."""


@dataclass
class Walk:
    """The patrol walk: edges in order with their direction, and its lengths."""

    steps: list[tuple[int, bool, bool]]
    """(edge position, forward?, deadhead?) in walking order; forward = source → target."""
    required_m: float
    deadhead_m: float
    total_m: float
    odd_vertices: int
    connectors: int
    """Shortest paths added to join separate pieces of the required streets."""
    exact_matching: bool


def postman_walk(
    source: NDArray[np.int64],
    target: NDArray[np.int64],
    length: NDArray[np.float64],
    *,
    n_vertices: int,
    required: list[int] | NDArray[np.int64],
    start: int,
) -> Walk:
    """The shortest closed walk from ``start`` covering every ``required`` edge.

    Args:
        source: Each edge's first vertex (the network is taken as undirected).
        target: Each edge's other vertex.
        length: Each edge's length in metres.
        n_vertices: Number of vertices.
        required: Positions of the edges to walk.
        start: Vertex to start and end at.

    Raises:
        ValueError: Mismatched arrays, an empty ``required``, an index out of range, or a
            required edge (or the start) that no path joins to the others.

    """
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    length = np.asarray(length, dtype=np.float64)
    if not (source.shape == target.shape == length.shape) or source.ndim != 1:
        raise ValueError("`source`, `target` and `length` must be 1-D arrays of one length")
    required = np.unique(np.asarray(required, dtype=np.int64))
    if not len(required):
        raise ValueError("`required` is empty: there is no street to walk")
    if required.min() < 0 or required.max() >= len(source):
        raise ValueError(f"`required` holds an edge outside [0, {len(source)})")
    if not 0 <= start < n_vertices:
        raise ValueError(f"`start` was {start} but is expected to be in [0, {n_vertices})")
    if (length < 0).any() or not np.isfinite(length).all():
        raise ValueError("`length` must be finite and >= 0")
    graph = _undirected(source, target, length, n_vertices)
    multi = nx.MultiGraph()
    multi.add_node(start)
    for e in required:
        multi.add_edge(int(source[e]), int(target[e]), edge=int(e), deadhead=False)
    connectors = _connect(multi, graph, source, target, length)
    odd = [v for v, d in multi.degree() if d % 2]
    exact = len(odd) <= EXACT_MATCHING_LIMIT
    if odd:
        dist, pred = dijkstra(graph, indices=odd, return_predecessors=True)
        row = {v: i for i, v in enumerate(odd)}
        pairs = _match(odd, dist[:, odd], exact=exact)
        for a, b in pairs:
            _add_path(multi, pred[row[a]], a, b, graph, source, target, length)
    steps = []
    wanted = set(required.tolist())
    for u, v, key in nx.eulerian_circuit(multi, source=start, keys=True):
        e = multi.edges[u, v, key]["edge"]
        # the first pass along a required street is the patrol; any other pass is deadhead
        steps.append((e, int(source[e]) == u, e not in wanted))
        wanted.discard(e)
    required_m = float(length[required].sum())
    total_m = float(sum(length[e] for e, _, _ in steps))
    return Walk(
        steps=steps,
        required_m=required_m,
        deadhead_m=total_m - required_m,
        total_m=total_m,
        odd_vertices=len(odd),
        connectors=connectors,
        exact_matching=exact,
    )


def _undirected(
    source: NDArray[np.int64], target: NDArray[np.int64], length: NDArray[np.float64], n: int
) -> csr_matrix:
    """Symmetric sparse graph with the shortest edge between each pair (lengths > 0)."""
    u = np.concatenate([source, target])
    v = np.concatenate([target, source])
    w = np.maximum(np.concatenate([length, length]), 1e-6)
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return csr_matrix((w[first], (u[first], v[first])), shape=(n, n))


def _connect(
    multi: nx.MultiGraph,
    graph: csr_matrix,
    source: NDArray[np.int64],
    target: NDArray[np.int64],
    length: NDArray[np.float64],
) -> int:
    """Join the pieces of the required streets (and the start) by a spanning tree of paths."""
    pieces = [sorted(c) for c in nx.connected_components(multi)]
    if len(pieces) == 1:
        return 0
    _, labels = connected_components(graph, directed=False)
    for piece in pieces[1:]:
        if labels[piece[0]] != labels[pieces[0][0]]:
            raise ValueError(
                f"vertex {piece[0]} (a required street or the start) is on a part of the network "
                "not connected to the rest of the streets; no walk can cover them all"
            )
    # distance from each piece to every vertex, and the nearest vertex of each other piece
    tree = nx.Graph()
    reach: list[tuple[NDArray[np.float64], NDArray[np.int32]]] = []
    for i, piece in enumerate(pieces):
        dist, pred, origin = dijkstra(graph, indices=piece, min_only=True, return_predecessors=True)
        reach.append((pred, origin))
        for j, other in enumerate(pieces[:i]):
            best = int(np.asarray(other)[np.argmin(dist[other])])
            tree.add_edge(i, j, weight=float(dist[best]), near=best)
    connectors = 0
    for i, j in nx.minimum_spanning_tree(tree).edges():
        low, high = max(i, j), min(i, j)
        near = tree.edges[low, high]["near"]  # vertex of piece ``high`` nearest piece ``low``
        pred, origin = reach[low]
        _add_path(multi, pred, int(origin[near]), near, graph, source, target, length)
        connectors += 1
    return connectors


def _match(odd: list[int], dist: NDArray[np.float64], *, exact: bool) -> list[tuple[int, int]]:
    """Pair the odd vertices so the total shortest-path length is least (or greedily)."""
    if exact:
        complete = nx.Graph()
        for i in range(len(odd)):
            for j in range(i + 1, len(odd)):
                complete.add_edge(odd[i], odd[j], weight=float(dist[i, j]))
        return [(int(a), int(b)) for a, b in nx.min_weight_matching(complete)]
    order = np.dstack(np.unravel_index(np.argsort(dist, axis=None), dist.shape))[0]
    free = set(range(len(odd)))
    pairs = []
    for i, j in order:
        if i < j and i in free and j in free:
            free -= {i, j}
            pairs.append((odd[i], odd[j]))
    return pairs


def _add_path(
    multi: nx.MultiGraph,
    pred: NDArray[np.int32],
    a: int,
    b: int,
    graph: csr_matrix,
    source: NDArray[np.int64],
    target: NDArray[np.int64],
    length: NDArray[np.float64],
) -> None:
    """Add the shortest path a → b (from a predecessor row rooted at a) as deadhead edges."""
    chain = [b]
    while chain[-1] != a:
        previous = int(pred[chain[-1]])
        if previous < 0:
            raise ValueError(f"no path between vertices {a} and {b}")
        chain.append(previous)
    for u, v in zip(chain[1:], chain[:-1], strict=True):
        multi.add_edge(u, v, edge=_shortest_edge(u, v, source, target, length), deadhead=True)


def _shortest_edge(
    u: int, v: int, source: NDArray[np.int64], target: NDArray[np.int64], length: NDArray
) -> int:
    candidates = np.flatnonzero(((source == u) & (target == v)) | ((source == v) & (target == u)))
    return int(candidates[np.argmin(length[candidates])])
