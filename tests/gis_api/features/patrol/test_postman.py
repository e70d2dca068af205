"""Street patrol walks (rural Chinese postman) on small graphs with known answers."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from gis_api.features.patrol.postman import postman_walk


def grid_graph(rows, cols, length=100.0):
    graph = nx.grid_2d_graph(rows, cols)
    index = {node: i for i, node in enumerate(graph.nodes)}
    edges = [(index[a], index[b]) for a, b in graph.edges]
    source = np.array([a for a, _ in edges])
    target = np.array([b for _, b in edges])
    return source, target, np.full(len(edges), length), len(index), index


def check_closed_walk(walk, source, target, start, required):
    """The steps form a walk from start back to start that uses every required edge."""
    at = start
    for edge, forward, _ in walk.steps:
        a, b = (source[edge], target[edge]) if forward else (target[edge], source[edge])
        assert a == at
        at = b
    assert at == start
    walked = {edge for edge, _, _ in walk.steps}
    assert set(required) <= walked
    patrolled = [edge for edge, _, deadhead in walk.steps if not deadhead]
    assert sorted(patrolled) == sorted(set(required))  # each required street once as patrol


def test_even_graph_needs_no_repeats():
    # a square block: every junction has degree 2
    source, target = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0])
    length = np.array([100.0, 50.0, 100.0, 50.0])
    walk = postman_walk(source, target, length, n_vertices=4, required=range(4), start=2)
    check_closed_walk(walk, source, target, 2, range(4))
    assert walk.deadhead_m == 0 and walk.total_m == 300


def test_three_by_three_grid_repeats_two_corner_paths():
    # 4 odd junctions (the side midpoints); the best pairing walks 2 x 200 m again
    source, target, length, n, _ = grid_graph(3, 3)
    walk = postman_walk(source, target, length, n_vertices=n, required=range(12), start=0)
    check_closed_walk(walk, source, target, 0, range(12))
    assert walk.required_m == 1200 and walk.deadhead_m == 400 and walk.odd_vertices == 4
    assert walk.exact_matching


def test_matching_is_minimal_among_all_pairings():
    source, target, _, n, _ = grid_graph(3, 4)
    rng = np.random.default_rng(2)
    length = rng.uniform(50, 150, len(source))
    walk = postman_walk(source, target, length, n_vertices=n, required=range(len(source)), start=0)
    check_closed_walk(walk, source, target, 0, range(len(source)))
    graph = nx.Graph()
    for a, b, w in zip(source, target, length, strict=True):
        graph.add_edge(int(a), int(b), weight=w)
    odd = [v for v, d in graph.degree() if d % 2]
    dist = dict(nx.all_pairs_dijkstra_path_length(graph))

    def pairings(nodes):
        if not nodes:
            yield []
            return
        first, rest = nodes[0], nodes[1:]
        for i, other in enumerate(rest):
            for tail in pairings(rest[:i] + rest[i + 1 :]):
                yield [(first, other), *tail]

    best = min(sum(dist[a][b] for a, b in p) for p in pairings(odd))
    assert walk.deadhead_m == pytest.approx(best)


def test_required_subset_far_from_start_is_joined_and_walked_back():
    source, target, length, n, index = grid_graph(1, 6)  # a straight street of 5 blocks
    last = int(np.flatnonzero((source == index[(0, 4)]) & (target == index[(0, 5)]))[0])
    walk = postman_walk(source, target, length, n_vertices=n, required=[last], start=index[(0, 0)])
    check_closed_walk(walk, source, target, index[(0, 0)], [last])
    assert walk.total_m == 1000 and walk.deadhead_m == 900 and walk.connectors == 1


def test_disconnected_pieces_are_joined_by_short_paths():
    source, target, length, n, index = grid_graph(4, 4)
    pick = lambda a, b: int(  # noqa: E731
        np.flatnonzero(
            ((source == index[a]) & (target == index[b]))
            | ((source == index[b]) & (target == index[a]))
        )[0]
    )
    required = [pick((0, 0), (0, 1)), pick((3, 2), (3, 3)), pick((0, 3), (1, 3))]
    walk = postman_walk(
        source, target, length, n_vertices=n, required=required, start=index[(0, 0)]
    )
    check_closed_walk(walk, source, target, index[(0, 0)], required)
    assert walk.connectors == 2
    assert walk.total_m == pytest.approx(sum(length[e] for e, _, _ in walk.steps))


def test_unreachable_street_is_refused():
    source, target, length = np.array([0, 2]), np.array([1, 3]), np.array([10.0, 10.0])
    with pytest.raises(ValueError, match="not connected"):
        postman_walk(source, target, length, n_vertices=4, required=[0, 1], start=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"required": []}, "empty"), ({"required": [5]}, "outside"), ({"start": 9}, "start")],
)
def test_bad_input(kwargs, message):
    args = {"n_vertices": 3, "required": [0], "start": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        postman_walk(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]), **args)
