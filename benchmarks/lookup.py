"""Point-in-grid lookups: single requests under load, and a batch of a million points.

    .venv/bin/python -m benchmarks.lookup [--scale S] [--seconds N] [--workers W]

1. Builds a county of at least 3,000 grids (the demo generator at ``--scale``) in a database
   of its own, through the importers.
2. Single lookups: wrk, 50 connections, ``--seconds`` each, against ``gridmap serve``:
   /healthz, /v1/lookup from the in-memory index, and /v1/lookup answered by a PostGIS query
   per request (``GRIDMAP_LOOKUP_BACKEND=postgis``). Ratios: lookup/healthz (target ≥ 0.8)
   and memory/PostGIS (target ≥ 1.5).
3. Batch: 1,000,000 points POSTed as JSON, timed from sending the prepared body to having the
   whole answer, against shapely's ``STRtree.query(points, predicate="intersects")`` over the
   same grids and points in this process (target ratio baseline/ours ≥ 0.5).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import httpx
import numpy as np
import orjson
import shapely
from sqlalchemy import func, select

from benchmarks.common import (
    database,
    lua_script,
    make_key,
    save,
    serve,
    session,
    workdir,
    wrk,
)
from gis_api.features.demo.load import demo_files, import_demo
from gis_api.schema.models import AdminArea, Grid


def build_county(url: str, scale: float) -> dict[str, float]:
    """Generate and import areas and grids; returns grid and vertex counts."""
    _, files = demo_files(workdir(), seed=510116, scale=scale)
    with session(url) as s, s.begin():
        import_demo(s, files, layers=("admin-areas", "grids"))
    with session(url) as s:
        grids = s.scalar(select(func.count()).select_from(Grid))
        vertices = s.scalars(select(func.ST_NPoints(Grid.geom))).all()
    return {
        "grids": int(grids or 0),
        "vertices_mean": float(np.mean(vertices)),
        "vertices_median": float(np.median(vertices)),
        "vertices_max": int(np.max(vertices)),
    }


def county_points(url: str, n: int, seed: int) -> np.ndarray:
    """``n`` random points inside the county (uniform over its area)."""
    with session(url) as s:
        wkb = s.scalar(select(func.ST_AsBinary(AdminArea.geom)).where(AdminArea.level == "county"))
    county = shapely.from_wkb(bytes(wkb))
    shapely.prepare(county)
    minx, miny, maxx, maxy = county.bounds
    rng = np.random.default_rng(seed)
    out = np.empty((0, 2))
    while len(out) < n:
        cand = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
        inside = shapely.contains_xy(county, cand[:, 0], cand[:, 1])
        out = np.vstack([out, cand[inside]])
    return out[:n]


def grid_tree(url: str) -> tuple[shapely.STRtree, np.ndarray]:
    """The baseline: an STRtree of the current grids, read from the same database."""
    with session(url) as s:
        rows = s.execute(
            select(Grid.code, func.ST_AsBinary(Grid.geom))
            .where(Grid.valid_to.is_(None))
            .order_by(Grid.code)
        ).all()
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    return shapely.STRtree(geoms), np.array([r[0] for r in rows], dtype=object)


def _rounds(
    base: str, scripts: dict[str, Path], *, rounds: int, seconds: int, connections: int
) -> dict[str, list[dict]]:
    """Alternate the targets round by round, so drift on a shared machine hits each alike."""
    runs: dict[str, list[dict]] = {name: [] for name in scripts}
    for script in scripts.values():  # warm up
        wrk(base + "/", script=script, connections=connections, seconds=2)
    for _ in range(rounds):
        for name, script in scripts.items():
            runs[name].append(
                wrk(base + "/", script=script, connections=connections, seconds=seconds).__dict__
            )
    return runs


def _median(runs: list[dict], key: str) -> float:
    return float(np.median([r[key] for r in runs]))


def single(
    url: str, *, seconds: int, rounds: int, workers: int, connections: int
) -> dict[str, object]:
    """wrk against /healthz, the in-memory lookup and the PostGIS-per-request lookup."""
    key = make_key(url, "service")
    tmp = workdir()
    points = [tuple(p) for p in county_points(url, 10_000, seed=1)]
    health_lua = lua_script(tmp / "health.lua", key=key, points=points, target="/healthz")
    lookup_lua = lua_script(tmp / "lookup.lua", key=key, points=points, target="/v1/lookup")
    with serve(url, workers=workers) as server:
        memory = _rounds(
            server.base,
            {"healthz": health_lua, "lookup": lookup_lua},
            rounds=rounds,
            seconds=seconds,
            connections=connections,
        )
    with serve(url, workers=workers, GRIDMAP_LOOKUP_BACKEND="postgis") as server:
        postgis = _rounds(
            server.base,
            {"healthz": health_lua, "lookup": lookup_lua},
            rounds=rounds,
            seconds=seconds,
            connections=connections,
        )
    pair = [
        m["requests_per_s"] / h["requests_per_s"]
        for m, h in zip(memory["lookup"], memory["healthz"], strict=True)
    ]
    result: dict[str, object] = {
        "rounds": {"memory_server": memory, "postgis_server": postgis},
        "healthz": {
            k: _median(memory["healthz"], k) for k in ("requests_per_s", "p50_ms", "p99_ms")
        },
        "lookup_memory": {
            k: _median(memory["lookup"], k) for k in ("requests_per_s", "p50_ms", "p99_ms")
        },
        "lookup_postgis": {
            k: _median(postgis["lookup"], k) for k in ("requests_per_s", "p50_ms", "p99_ms")
        },
        "errors": sum(r["errors"] for runs in (*memory.values(), *postgis.values()) for r in runs),
        "ratio_lookup_to_healthz_per_round": pair,
    }
    h, m, p = result["healthz"], result["lookup_memory"], result["lookup_postgis"]
    result["ratio_lookup_to_healthz_throughput"] = float(np.median(pair))
    result["ratio_healthz_to_lookup_p99"] = h["p99_ms"] / m["p99_ms"]
    result["ratio_memory_to_postgis_throughput"] = m["requests_per_s"] / p["requests_per_s"]
    result["ratio_postgis_to_memory_p99"] = p["p99_ms"] / m["p99_ms"]
    return result


def batch(url: str, *, n: int, workers: int) -> dict[str, object]:
    """One request of ``n`` points end to end, against shapely's STRtree in process."""
    key = make_key(url, "service")
    pts = county_points(url, n, seed=2)
    body = orjson.dumps({"crs": "wgs84", "points": pts.tolist()})
    tree, codes = grid_tree(url)
    points = shapely.points(pts[:, 0], pts[:, 1])
    tree.query(points[:1000], predicate="intersects")  # warm
    started = time.perf_counter()
    pairs = tree.query(points, predicate="intersects")
    baseline_s = time.perf_counter() - started
    with serve(url, workers=workers) as server:
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        httpx.post(
            server.base + "/v1/lookup/batch",
            content=orjson.dumps({"points": pts[:1000].tolist()}),
            headers=headers,
            timeout=600,
        )
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            response = httpx.post(
                server.base + "/v1/lookup/batch", content=body, headers=headers, timeout=600
            )
            payload = response.content
            timings.append(time.perf_counter() - started)
        response.raise_for_status()
    answer = orjson.loads(payload)
    assert answer["count"] == n
    # the answers agree with the baseline: the lowest code among the grids a point hits
    expected = np.full(n, None, dtype=object)
    order = np.lexsort((codes[pairs[1]], pairs[0]))[::-1]
    expected[pairs[0][order]] = codes[pairs[1][order]]
    got = np.array([row[0] for row in answer["results"]], dtype=object)
    mismatches = int((got != expected).sum())
    ours_s = float(np.median(timings))
    return {
        "points": n,
        "request_bytes": len(body),
        "response_bytes": len(payload),
        "baseline_strtree_s": baseline_s,
        "ours_http_s_median_of_3": ours_s,
        "ours_http_s_all": timings,
        "ratio_baseline_to_ours": baseline_s / ours_s,
        "mismatches_vs_baseline": mismatches,
    }


def main() -> None:
    """Run both parts and print the ratios."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=2.5, help="demo household multiplier")
    parser.add_argument("--seconds", type=int, default=5, help="seconds of each wrk round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per target")
    parser.add_argument(
        "--workers", type=int, default=1, help="server workers (wrk takes a core too)"
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="reuse the benchmark database")
    parser.add_argument("--only", choices=("single", "batch"), help="run one part")
    args = parser.parse_args()
    url = database("gridmap_bench_lookup", fresh=not args.reuse)
    if args.reuse:
        with session(url) as s:
            count = s.scalar(select(func.count()).select_from(Grid))
        county = {"grids": int(count or 0)}
        if not count:
            county = build_county(url, args.scale)
    else:
        county = build_county(url, args.scale)
    print(f"county: {county}")
    if county["grids"] < 3000:
        raise SystemExit(f"only {county['grids']} grids: raise --scale (the target is ≥ 3,000)")
    result: dict[str, object] = {
        "county": county,
        "workers": args.workers,
        "connections": args.connections,
    }
    if args.only != "batch":
        result["single"] = single(
            url,
            seconds=args.seconds,
            rounds=args.rounds,
            workers=args.workers,
            connections=args.connections,
        )
        _print_single(result["single"], args)
    if args.only != "single":
        result["batch"] = batch(url, n=args.points, workers=args.workers)
        _print_batch(result["batch"])
    path = save("lookup" if args.only is None else f"lookup-{args.only}", result)
    print(f"\nfigures saved to {path}")


def _print_single(s: dict, args: argparse.Namespace) -> None:
    print(
        f"\nsingle lookups, {args.connections} connections, {args.workers} worker(s), "
        f"{args.rounds} alternating rounds of {args.seconds}s (medians)"
    )
    for name in ("healthz", "lookup_memory", "lookup_postgis"):
        r = s[name]
        print(
            f"  {name:15s} {r['requests_per_s']:9.0f} req/s   "
            f"p50 {r['p50_ms']:7.2f} ms   p99 {r['p99_ms']:7.2f} ms"
        )
    rounds = ", ".join(f"{r:.2f}" for r in s["ratio_lookup_to_healthz_per_round"])
    print(f"  non-2xx or socket errors       {s['errors']}")
    print(f"  lookup/healthz per round       {rounds}")
    print(f"  lookup/healthz throughput      {s['ratio_lookup_to_healthz_throughput']:.2f}")
    print(f"  healthz/lookup p99             {s['ratio_healthz_to_lookup_p99']:.2f}")
    print(f"  memory/postgis throughput      {s['ratio_memory_to_postgis_throughput']:.2f}")
    print(f"  postgis/memory p99             {s['ratio_postgis_to_memory_p99']:.2f}")


def _print_batch(b: dict) -> None:
    print(f"\nbatch of {b['points']:,} points over HTTP")
    print(f"  shapely STRtree in process     {b['baseline_strtree_s']:.2f} s")
    print(f"  gridmap end to end (median)    {b['ours_http_s_median_of_3']:.2f} s")
    print(f"  baseline/ours                  {b['ratio_baseline_to_ours']:.2f}  (target ≥ 0.5)")
    print(f"  answers differing from shapely {b['mismatches_vs_baseline']}")


if __name__ == "__main__":
    main()
