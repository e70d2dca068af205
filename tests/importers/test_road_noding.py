"""Noding road lines: junctions where lines share vertices, cross, or end on each other."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from importers.road_noding import node_lines


def lines(*coords):
    return np.array([LineString(c) for c in coords], dtype=object)


def test_crossing_lines_are_joined_in_crossings_mode_only():
    cross = lines([(0, 0), (2, 0)], [(1, -1), (1, 1)])
    noded = node_lines(cross, mode="crossings")
    assert len(noded.pieces) == 4 and len(noded.vertices) == 5
    assert noded.inserted == 2  # the crossing point, added to both lines
    centre = [i for i, xy in enumerate(noded.vertices) if tuple(xy) == (1.0, 0.0)]
    assert len(centre) == 1
    # every piece touches the centre once
    ends = np.concatenate([noded.source, noded.target])
    assert (ends == centre[0]).sum() == 4
    plain = node_lines(cross, mode="vertices")
    assert len(plain.pieces) == 2 and len(plain.vertices) == 4


def test_bridges_are_not_joined_where_they_cross():
    cross = lines([(0, 0), (2, 0)], [(1, -1), (1, 1)])
    noded = node_lines(cross, mode="crossings", separated=np.array([False, True]))
    assert len(noded.pieces) == 2


def test_shared_vertex_splits_both_lines():
    shared = lines([(0, 0), (1, 0), (2, 0)], [(1, 0), (1, 1)])
    noded = node_lines(shared, mode="vertices")
    assert len(noded.pieces) == 3
    assert sorted(p.length for p in noded.pieces) == [1.0, 1.0, 1.0]


def test_t_junction_within_tolerance_is_joined():
    # the second line stops 0.2 m short of the first (1e-6 degree is about 0.11 m)
    t = lines([(104.0, 30.0), (104.01, 30.0)], [(104.005, 30.001), (104.005, 30.0000018)])
    noded = node_lines(t, mode="crossings", snap_m=0.5)
    assert len(noded.pieces) == 3
    far = node_lines(t, mode="crossings", snap_m=0.1)
    assert len(far.pieces) == 2


def test_lengths_are_kept_and_pieces_meet_at_vertices():
    rng = np.random.default_rng(4)
    segs = [
        [tuple(rng.uniform(0, 1, 2)) for _ in range(3)] for _ in range(25)
    ]  # 25 random polylines crossing each other
    src = lines(*segs)
    noded = node_lines(src, mode="crossings")
    assert sum(p.length for p in noded.pieces) == pytest.approx(
        sum(g.length for g in src), rel=1e-6
    )
    for piece, s, t in zip(noded.pieces, noded.source, noded.target, strict=True):
        xy = shapely.get_coordinates(piece)
        assert tuple(xy[0]) == tuple(noded.vertices[s])
        assert tuple(xy[-1]) == tuple(noded.vertices[t])
    # no two pieces cross in their interiors any more
    for i, a in enumerate(noded.pieces):
        for b in noded.pieces[i + 1 :]:
            assert not a.crosses(b)


def test_closed_loop_is_cut_in_two():
    ring = lines([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)])
    noded = node_lines(ring)
    assert len(noded.pieces) == 2
    assert all(s != t for s, t in zip(noded.source, noded.target, strict=True))
    assert sum(p.length for p in noded.pieces) == pytest.approx(4.0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="mode"):
        node_lines(lines([(0, 0), (1, 0)]), mode="planar")
    with pytest.raises(ValueError, match="LineString"):
        node_lines(np.array([shapely.Point(0, 0)], dtype=object))
    with pytest.raises(ValueError, match="separated"):
        node_lines(lines([(0, 0), (1, 0)]), separated=np.array([True, False]))
