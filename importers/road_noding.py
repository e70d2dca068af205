"""Turn road lines into a noded network: every junction is a vertex, every edge runs between two.

Topology is built in storage coordinates (EPSG:4490 degrees): the edges are straight there as
PostGIS sees them, and coordinates that are equal in the file stay equal. Coordinates are
matched after rounding to 1e-7 degree (about a centimetre).

Two modes:

- ``"vertices"``: lines are joined only where they share a vertex, as in OpenStreetMap, where
  two ways that cross without a shared node pass over or under each other (a bridge, a tunnel).
- ``"crossings"``: for line files drawn without that discipline (CAD exports, survey data), a
  line end lying on another line (a T-junction, within ``snap_m``) and a proper crossing of two
  lines also become vertices, except where either line is marked grade-separated (bridge,
  tunnel, or a non-zero layer).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

KEY_SCALE = 1e7
"""Coordinates are compared as integers of 1e-7 degree."""
METRES_PER_DEGREE = 111_320.0
NODING_MODES = ("vertices", "crossings")


@dataclass
class NodedLines:
    """The noded pieces: ``pieces[i]`` runs from vertex ``source[i]`` to ``target[i]`` and comes
    from input line ``parent[i]``; ``vertices`` holds each vertex's (x, y).
    """

    pieces: NDArray[np.object_]
    parent: NDArray[np.int64]
    source: NDArray[np.int64]
    target: NDArray[np.int64]
    vertices: NDArray[np.float64]
    inserted: int
    """How many junction points were added to the lines (crossings mode)."""


def node_lines(
    lines: NDArray[np.object_],
    *,
    mode: str = "vertices",
    separated: NDArray[np.bool_] | None = None,
    snap_m: float = 0.5,
) -> NodedLines:
    """Split ``lines`` at their junctions.

    Args:
        lines: LineStrings in lon/lat (EPSG:4490); none may be missing or empty.
        mode: ``"vertices"`` or ``"crossings"`` (see the module docstring).
        separated: Per line, whether it is grade-separated (crossings mode never joins it
            where it crosses another line; its ends still join).
        snap_m: In crossings mode, how close (metres) a line end must be to another line to be
            joined to it.

    Returns:
        The pieces with their end vertices. A closed loop with a single junction is cut in
        two at its middle vertex, so no edge starts and ends at the same vertex.

    Raises:
        ValueError: For an unknown mode, a geometry that is not a non-empty LineString, or a
            ``separated`` of the wrong length.

    """
    if mode not in NODING_MODES:
        raise ValueError(f'`mode` was "{mode}" but is expected to be one of {NODING_MODES}')
    lines = np.asarray(lines, dtype=object)
    if len(lines) and (
        shapely.is_missing(lines).any()
        or (shapely.get_type_id(lines) != 1).any()
        or shapely.is_empty(lines).any()
    ):
        raise ValueError("`lines` must hold only non-empty LineStrings")
    if separated is None:
        separated = np.zeros(len(lines), dtype=bool)
    separated = np.asarray(separated, dtype=bool)
    if separated.shape != (len(lines),):
        raise ValueError(
            f"`separated` has shape {separated.shape} but is expected to be ({len(lines)},)"
        )
    coords = [_dedupe(np.asarray(shapely.get_coordinates(line), np.float64)) for line in lines]
    inserted = 0
    if mode == "crossings" and len(lines):
        extra = _junction_points(lines, coords, separated, snap_m / METRES_PER_DEGREE)
        inserted = sum(len(v) for v in extra.values())
        for i, points in extra.items():
            coords[i] = _insert(coords[i], points)
    return _split(coords, inserted)


def _junction_points(
    lines: NDArray[np.object_],
    coords: list[NDArray[np.float64]],
    separated: NDArray[np.bool_],
    tolerance: float,
) -> dict[int, list[tuple[float, float, float]]]:
    """Points to add to each line: (distance along the line in degrees, x, y)."""
    tree = shapely.STRtree(lines)
    keys = [set(map(tuple, _keys(c))) for c in coords]
    extra: dict[int, list[tuple[float, float, float]]] = defaultdict(list)

    def add(line: int, x: float, y: float) -> None:
        if tuple(_keys(np.array([[x, y]]))[0]) in keys[line]:
            return
        along = float(shapely.line_locate_point(lines[line], shapely.Point(x, y)))
        extra[line].append((along, x, y))
        keys[line].add(tuple(_keys(np.array([[x, y]]))[0]))

    # T-junctions: a line end on (or within the tolerance of) another line.
    ends = np.array([c[[0, -1]] for c in coords]).reshape(-1, 2)
    owner = np.repeat(np.arange(len(lines)), 2)
    end_points = shapely.points(ends)
    hits = tree.query(end_points, predicate="dwithin", distance=tolerance)
    for e, line in zip(hits[0], hits[1], strict=True):
        if owner[e] != line:
            add(int(line), float(ends[e, 0]), float(ends[e, 1]))
    # Proper crossings between lines on the same level.
    pairs = tree.query(lines, predicate="crosses")
    keep = (pairs[0] < pairs[1]) & ~separated[pairs[0]] & ~separated[pairs[1]]
    first, second = pairs[0][keep], pairs[1][keep]
    if len(first):
        meets = shapely.intersection(lines[first], lines[second])
        for a, b, meet in zip(first, second, meets, strict=True):
            for point in shapely.get_parts(meet):
                if shapely.get_type_id(point) != 0:
                    continue  # an overlap along a stretch: its ends are vertices already
                add(int(a), point.x, point.y)
                add(int(b), point.x, point.y)
    return extra


def _insert(xy: NDArray[np.float64], points: list[tuple[float, float, float]]) -> NDArray:
    """Insert (along, x, y) points into a line's coordinates at their place along it."""
    steps = np.hypot(*np.diff(xy, axis=0).T)
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    order = sorted(points)
    out: list[NDArray[np.float64]] = []
    start = 0
    for along, x, y in order:
        # the segment the point falls in: the last vertex at or before ``along``
        segment = int(np.searchsorted(cumulative, along, side="right")) - 1
        segment = min(max(segment, 0), len(xy) - 2)
        out.append(xy[start : segment + 1])
        out.append(np.array([[x, y]]))
        start = segment + 1
    out.append(xy[start:])
    return _dedupe(np.concatenate(out))


def _dedupe(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop zero-length steps (equal after rounding), keeping the first of each run."""
    keys = _keys(xy)
    same = np.concatenate([[False], (keys[1:] == keys[:-1]).all(axis=1)])
    return xy[~same]


def _keys(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.round(xy * KEY_SCALE).astype(np.int64)


def _split(coords: list[NDArray[np.float64]], inserted: int) -> NodedLines:
    """Cut every line at its vertices that are junctions, line ends, or repeated in a line."""
    if not coords:
        empty = np.empty(0, dtype=np.int64)
        return NodedLines(np.empty(0, dtype=object), empty, empty, empty, np.empty((0, 2)), 0)
    sizes = np.array([len(c) for c in coords])
    line_of = np.repeat(np.arange(len(coords)), sizes)
    stacked = np.concatenate(coords)
    keys, vertex_of = np.unique(_keys(stacked), axis=0, return_inverse=True)
    vertex_of = vertex_of.ravel()
    # how many distinct lines pass through each vertex, and repeats within one line
    pairs = np.unique(np.column_stack([vertex_of, line_of]), axis=0)
    lines_through = np.bincount(pairs[:, 0], minlength=len(keys))
    uses = np.bincount(vertex_of, minlength=len(keys))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_end = np.zeros(len(stacked), dtype=bool)
    is_end[starts] = True
    is_end[starts + sizes - 1] = True
    end_vertices = np.zeros(len(keys), dtype=bool)
    end_vertices[vertex_of[is_end]] = True
    node = (lines_through >= 2) | end_vertices | (uses > lines_through)
    first_coord = np.zeros((len(keys), 2))
    first_coord[vertex_of[::-1]] = stacked[::-1]  # the first coordinate seen for each vertex

    def piece(xy: NDArray[np.float64], ids: NDArray[np.int64], s: int, t: int) -> None:
        part = xy[s : t + 1].copy()
        part[0], part[-1] = first_coord[ids[s]], first_coord[ids[t]]
        pieces.append(shapely.LineString(part))
        ends.append((int(ids[s]), int(ids[t])))

    pieces: list[shapely.LineString] = []
    parent: list[int] = []
    ends: list[tuple[int, int]] = []
    for i, xy in enumerate(coords):
        if len(xy) < 2:
            continue  # a line of one point (all its vertices equal): nothing to travel
        ids = vertex_of[starts[i] : starts[i] + sizes[i]]
        cuts = np.flatnonzero(node[ids])
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if ids[a] == ids[b]:
                if b - a < 2:
                    continue  # a repeated point, not a piece
                middle = (a + b) // 2
                node[ids[middle]] = True
                for s, t in ((a, middle), (middle, b)):
                    piece(xy, ids, s, t)
                    parent.append(i)
                continue
            piece(xy, ids, a, b)
            parent.append(i)
    used = np.unique(np.array(ends, dtype=np.int64).ravel()) if ends else np.empty(0, np.int64)
    renumber = np.full(len(keys), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    ends_arr = np.array(ends, dtype=np.int64).reshape(-1, 2)
    return NodedLines(
        pieces=np.array(pieces, dtype=object),
        parent=np.array(parent, dtype=np.int64),
        source=renumber[ends_arr[:, 0]],
        target=renumber[ends_arr[:, 1]],
        vertices=first_coord[used],
        inserted=inserted,
    )
