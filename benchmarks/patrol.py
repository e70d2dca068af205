"""Patrol routes: the road cost matrix and the tour optimiser.

1. Helsinki's real road network (pyrosm's ``Helsinki.osm.pbf``, driving: one-way streets make
   the matrix asymmetric), 50 and 100 random stops on roads that can be reached both ways:
   - matrix: the in-memory graph (SciPy Dijkstra on the stored edges, stops as nodes of their
     own) against pgRouting's ``pgr_withPointsCostMatrix`` on the same edges and points (and
     ``pgr_dijkstraCostMatrix`` between the nearest vertices, which pgRouting can do without
     splitting edges); the two exact matrices must agree;
   - optimiser: the tour found with 1, 2 and 5 s as a ratio to the best tour the same optimiser
     finds with 30 s (target: at most 1.02 within 5 s for 100 stops).
2. TSPLIB pcb442 (optimum 50778), read from the sdist of tsplib95 0.7.1 fetched from PyPI into
   benchmarks/data/ (tsplib95 itself is not installed: it pins an old networkx): the tour with
   5, 30 and 60 s as a ratio to the optimum.

Run: ``.venv/bin/python -m benchmarks.patrol`` (``--quick`` for a short smoke run).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import statistics
import tarfile
import time
from pathlib import Path

import numpy as np
import pyrosm
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import text

from benchmarks.common import ROOT, database, save, session

DATA = ROOT / "benchmarks" / "data"
HELSINKI = Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"
TSPLIB_SDIST = "tsplib95-0.7.1.tar.gz"
PCB442_OPTIMUM = 50778


def main() -> None:
    """Run both parts, print the ratios, save the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short limits (a smoke run)")
    parser.add_argument("--network", choices=("driving", "walking"), default="driving")
    parser.add_argument("--seed", type=int, default=442)
    args = parser.parse_args()
    limits = (0.5, 1.0) if args.quick else (1.0, 2.0, 5.0)
    baseline = 3.0 if args.quick else 30.0
    result: dict[str, object] = {"helsinki": helsinki(args.network, limits, baseline, args.seed)}
    tsp_limits = (2.0, 5.0) if args.quick else (5.0, 30.0, 60.0)
    result["pcb442"] = pcb442(tsp_limits)
    path = save("patrol" if args.network == "driving" else f"patrol-{args.network}", result)
    print(f"saved {path}")


# --- Helsinki -------------------------------------------------------------------------------


def helsinki(
    network: str, limits: tuple[float, ...], baseline: float, seed: int
) -> dict[str, object]:
    """Import the network into a benchmark database, then time matrices and tours."""
    from gis_api.features.imports.service import import_file
    from gis_api.features.roads.graph import load_graph

    url = database("gridmap_bench_patrol")
    with session(url) as s, s.begin():
        import_file(s, layer="roads", path=HELSINKI, actor="bench", options={"network": network})
    out: dict[str, object] = {"network": network}
    with session(url) as s:
        clock = time.perf_counter()
        graph = load_graph(s, network)
        out["graph_load_s"] = time.perf_counter() - clock
        out["edges"] = len(graph.edge_id)
        print(
            f"Helsinki {network}: {len(graph.edge_id)} edges, "
            f"graph read in {out['graph_load_s']:.3f} s"
        )
        rng = np.random.default_rng(seed)
        for n in (50, 100):
            points = random_stops(graph, n, rng)
            figures = matrices(s, graph, points)
            figures.update(tours(figures.pop("matrix"), limits, baseline))
            out[f"stops_{n}"] = figures
            print_helsinki(n, figures)
    return out


def random_stops(graph, n: int, rng: np.random.Generator) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Points on edges whose both ends lie in the largest strongly connected piece."""
    forward, backward = graph.costs()
    ahead, back = forward >= 0, backward >= 0
    u = np.concatenate([graph.source[ahead], graph.target[back]])
    v = np.concatenate([graph.target[ahead], graph.source[back]])
    size = graph.n_vertices
    _, labels = connected_components(
        coo_matrix((np.ones(len(u)), (u, v)), shape=(size, size)),
        directed=True,
        connection="strong",
    )
    main = np.bincount(labels).argmax()
    usable = np.flatnonzero((labels[graph.source] == main) & (labels[graph.target] == main))
    weights = graph.length_m[usable] / graph.length_m[usable].sum()
    edges = rng.choice(usable, size=n, replace=False, p=weights)
    fractions = rng.uniform(0.05, 0.95, n)
    return np.array(
        [
            shapely.line_interpolate_point(graph.geoms[e], f, normalized=True)
            for e, f in zip(edges, fractions, strict=True)
        ],
        dtype=object,
    )


def matrices(s, graph, points: np.ndarray) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Time the in-memory matrix against pgRouting's, on the same snapped points."""
    from gis_api.features.roads.paths import PointGraph

    forward, backward = graph.costs()
    memory, pgr_points, pgr_vertices = [], [], []
    for _ in range(3):
        clock = time.perf_counter()
        snaps = graph.snap(points, max_distance_m=50)
        pg = PointGraph(graph, snaps, forward=forward, backward=backward)
        ours = pg.costs(pg.node_of)
        memory.append(time.perf_counter() - clock)
        values = ", ".join(
            f"({i + 1}, {int(graph.edge_id[sn.edge])}, {sn.fraction:.12f})"
            for i, sn in enumerate(snaps)
        )
        edges_sql = (
            "SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost "
            f"FROM road_edges WHERE network = '{graph.network}'"
        )
        points_sql = f"SELECT * FROM (VALUES {values}) AS p(pid, edge_id, fraction)"
        clock = time.perf_counter()
        rows = s.execute(
            text(
                "SELECT start_vid, end_vid, agg_cost "
                "FROM pgr_withPointsCostMatrix(:e, :p, :ids, directed => true)"
            ),
            {"e": edges_sql, "p": points_sql, "ids": [-(i + 1) for i in range(len(points))]},
        ).all()
        pgr_points.append(time.perf_counter() - clock)
        nearest = [
            int(
                graph.vertex_id[
                    graph.source[sn.edge] if sn.fraction < 0.5 else graph.target[sn.edge]
                ]
            )
            for sn in snaps
        ]
        clock = time.perf_counter()
        s.execute(
            text("SELECT count(*) FROM pgr_dijkstraCostMatrix(:e, :ids, directed => true)"),
            {"e": edges_sql, "ids": sorted(set(nearest))},
        ).all()
        pgr_vertices.append(time.perf_counter() - clock)
    theirs = np.zeros_like(ours)
    for row in rows:
        theirs[-row.start_vid - 1, -row.end_vid - 1] = row.agg_cost
    finite = np.isfinite(ours) & ~np.eye(len(ours), dtype=bool)
    agree = float(np.max(np.abs(ours[finite] - theirs[finite]) / np.maximum(theirs[finite], 1e-9)))
    return {
        "matrix": ours,
        "matrix_memory_s": statistics.median(memory),
        "matrix_pgr_withpoints_s": statistics.median(pgr_points),
        "matrix_pgr_vertices_s": statistics.median(pgr_vertices),
        "pgr_withpoints_over_memory": statistics.median(pgr_points) / statistics.median(memory),
        "max_relative_difference": agree,
    }


def tours(matrix: np.ndarray, limits: tuple[float, ...], baseline: float) -> dict[str, object]:
    """Tour cost with each time limit as a ratio to the cost found with ``baseline`` seconds."""
    from gis_api.features.patrol.tour import solve

    def length(limit: float) -> tuple[float, float]:
        clock = time.perf_counter()
        (route,) = solve(matrix, time_limit_s=limit)
        return float(matrix[route[:-1], route[1:]].sum()), time.perf_counter() - clock

    best, best_s = length(baseline)
    out: dict[str, object] = {
        "baseline_s": baseline,
        "baseline_cost_s": best,
        "baseline_wall_s": best_s,
    }
    for limit in limits:
        value, wall = length(limit)
        out[f"ratio_{limit:g}s"] = value / best
        out[f"wall_{limit:g}s"] = wall
    return out


def print_helsinki(n: int, f: dict[str, object]) -> None:
    """One block of the report."""
    print(
        f"  {n} stops: matrix in memory {f['matrix_memory_s'] * 1000:.1f} ms, "
        f"pgr_withPointsCostMatrix {f['matrix_pgr_withpoints_s'] * 1000:.1f} ms "
        f"({f['pgr_withpoints_over_memory']:.1f}x), pgr_dijkstraCostMatrix (nearest vertices) "
        f"{f['matrix_pgr_vertices_s'] * 1000:.1f} ms; "
        f"matrices agree to {f['max_relative_difference']:.1e}"
    )
    ratios = ", ".join(f"{k[6:]} {v:.4f}" for k, v in f.items() if k.startswith("ratio_"))
    print(f"  tour vs the same optimiser given {f['baseline_s']:g} s: {ratios}")


# --- TSPLIB -----------------------------------------------------------------------------------


def pcb442(limits: tuple[float, ...]) -> dict[str, object]:
    """Solve pcb442 with each limit; ratios to the known optimum."""
    from gis_api.features.patrol.tour import solve

    xy = read_tsp(fetch_tsplib())
    matrix = euc_2d(xy)
    out: dict[str, object] = {"nodes": len(xy), "optimum": PCB442_OPTIMUM}
    print(f"pcb442: {len(xy)} cities, optimum {PCB442_OPTIMUM}")
    for limit in limits:
        clock = time.perf_counter()
        (route,) = solve(matrix, time_limit_s=limit)
        wall = time.perf_counter() - clock
        cost = int(matrix[route[:-1], route[1:]].sum())
        out[f"cost_{limit:g}s"] = cost
        out[f"ratio_{limit:g}s"] = cost / PCB442_OPTIMUM
        out[f"wall_{limit:g}s"] = wall
        print(f"  {limit:g} s: tour {cost} = {cost / PCB442_OPTIMUM:.4f} x optimum ({wall:.1f} s)")
    return out


def fetch_tsplib() -> bytes:
    """pcb442.tsp from the tsplib95 0.7.1 sdist (downloaded into benchmarks/data once)."""
    archive = DATA / TSPLIB_SDIST
    if not archive.exists():
        raise SystemExit(
            f"{archive} is missing: `make bench` (scripts/setup.sh --bench) fetches it from PyPI"
        )
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/pcb442.tsp"))
        data = tar.extractfile(member)
        assert data is not None
        raw = data.read()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_tsp(raw: bytes) -> np.ndarray:
    """The coordinates of a TSPLIB file with EDGE_WEIGHT_TYPE EUC_2D."""
    header: dict[str, str] = {}
    coords: list[tuple[float, float]] = []
    in_coords = False
    for line in io.StringIO(raw.decode("ascii")):
        line = line.strip()
        if not line or line == "EOF":
            continue
        if line == "NODE_COORD_SECTION":
            in_coords = True
            continue
        if in_coords:
            _, x, y = line.split()[:3]
            coords.append((float(x), float(y)))
        elif ":" in line:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
    if header.get("EDGE_WEIGHT_TYPE") != "EUC_2D":
        raise ValueError(f"expected EUC_2D, got {header.get('EDGE_WEIGHT_TYPE')}")
    if len(coords) != int(header["DIMENSION"]):
        raise ValueError(f"{len(coords)} coordinates for DIMENSION {header['DIMENSION']}")
    return np.array(coords)


def euc_2d(xy: np.ndarray) -> np.ndarray:
    """TSPLIB's EUC_2D distance: the Euclidean distance rounded to the nearest integer (nint)."""
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return np.floor(d + 0.5).astype(np.int64)


if __name__ == "__main__":
    main()
