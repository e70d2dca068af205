"""Vector tiles of a province: uncached and cached tiles per second, against /healthz.

    .venv/bin/python -m benchmarks.tiles [--grids N] [--seconds S] [--rounds R] [--reuse]

1. Builds a province-sized layer of at least 100,000 grids in a database of its own: a lattice
   of jittered quadrilaterals over 6° × 5° (about 600 km × 550 km, Sichuan-sized) whose edges
   are broken into wavy segments, so a grid has ~20 vertices and neighbours share their edges;
   villages (5 × 5 grids), towns (4 × 5 villages) and counties (5 × 2 towns) are their unions.
   Rows go in with COPY (the importers validate one county at a time; a province would take
   long for no benefit here).
2. Picks the tiles a command centre looks at: every z=11, 12 and 13 tile over a block of
   counties (a few thousand tiles), in a shuffled order.
3. wrk, alternating rounds, against ``gridmap serve`` with one worker:
   - ``uncached``: the tile cache off (``GRIDMAP_TILE_CACHE_MB=0``): each request renders the
     tile in PostGIS (ST_AsMVT);
   - ``cached``: the cache on and warmed with every tile once;
   - ``revalidate``: the same tiles with ``If-None-Match`` (answered 304, no body);
   - ``healthz``: the trivial endpoint, as the ceiling of the stack.
   Ratios: cached/uncached, cached/healthz, uncached/healthz.
"""

from __future__ import annotations

import argparse
import io
import math
import random
from pathlib import Path

import httpx
import numpy as np
import shapely
from sqlalchemy import text

from benchmarks.common import database, make_key, save, serve, session, workdir, wrk
from gis_api.schema.layers import IMPORT_LAYERS

WEST, SOUTH = 101.0, 27.5
WIDTH_DEG, HEIGHT_DEG = 6.0, 5.0
BLOCK = {"village": (5, 5), "town": (4, 5), "county": (5, 2)}
SEGMENTS = 5  # points per edge, so a grid has 4 × 5 = 20 vertices


def lattice(nx: int, ny: int, seed: int) -> np.ndarray:
    """Grid polygons (row-major from the south-west) of a jittered lattice with wavy edges."""
    rng = np.random.default_rng(seed)
    dx, dy = WIDTH_DEG / nx, HEIGHT_DEG / ny
    gx, gy = np.meshgrid(
        np.arange(nx + 1) * dx + WEST, np.arange(ny + 1) * dy + SOUTH, indexing="ij"
    )
    jitter = rng.uniform(-0.18, 0.18, (nx + 1, ny + 1, 2)) * [dx, dy]
    jitter[[0, -1], :, 0] = 0  # keep the outer edge straight
    jitter[:, [0, -1], 1] = 0
    nodes = np.stack([gx, gy], axis=-1) + jitter
    t = np.linspace(0, 1, SEGMENTS + 1)[1:-1]

    def wavy(a: np.ndarray, b: np.ndarray, normal_scale: float) -> np.ndarray:
        """Points strictly between a and b (shape (..., SEGMENTS-1, 2)), nudged sideways."""
        pts = a[..., None, :] + (b - a)[..., None, :] * t[:, None]
        d = b - a
        normal = np.stack([-d[..., 1], d[..., 0]], axis=-1)
        normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
        nudge = rng.uniform(-1, 1, pts.shape[:-1]) * normal_scale
        return pts + normal[..., None, :] * nudge[..., None]

    h = wavy(nodes[:-1, :], nodes[1:, :], 0.06 * dy)  # horizontal edges (nx, ny+1, k, 2)
    v = wavy(nodes[:, :-1], nodes[:, 1:], 0.06 * dx)  # vertical edges (nx+1, ny, k, 2)
    h[:, [0, -1]] = (
        nodes[:-1, [0, -1], None]
        + (nodes[1:, [0, -1]] - nodes[:-1, [0, -1]])[:, :, None] * t[:, None]
    )
    v[[0, -1]] = (
        nodes[[0, -1], :-1, None]
        + (nodes[[0, -1], 1:] - nodes[[0, -1], :-1])[:, :, None] * t[:, None]
    )
    rings = []
    for j in range(ny):
        for i in range(nx):
            ring = np.concatenate(
                [
                    nodes[i, j][None],
                    h[i, j],  # south edge, west to east
                    nodes[i + 1, j][None],
                    v[i + 1, j],  # east edge, south to north
                    nodes[i + 1, j + 1][None],
                    h[i, j + 1][::-1],  # north edge, east to west
                    nodes[i, j + 1][None],
                    v[i, j][::-1],  # west edge, north to south
                    nodes[i, j][None],
                ]
            )
            rings.append(ring)
    return shapely.polygons(rings)


def province(n_grids: int, seed: int = 7) -> dict[str, list[tuple]]:
    """Rows for admin_areas and grids: codes, names, parents and geometries (EPSG:4490)."""
    vx, vy = BLOCK["village"]
    tx, ty = BLOCK["town"]
    cx, cy = BLOCK["county"]
    unit_x, unit_y = vx * tx * cx, vy * ty * cy  # grids per county side
    nx = unit_x * math.ceil(math.sqrt(n_grids * WIDTH_DEG / HEIGHT_DEG) / unit_x)
    ny = unit_y * math.ceil(n_grids / nx / unit_y)
    polys = lattice(nx, ny, seed).reshape(ny, nx)
    rng = np.random.default_rng(seed)
    grids, areas = [], []
    villages: dict[tuple[int, int], list] = {}
    for j in range(ny):
        for i in range(nx):
            villages.setdefault((i // vx, j // vy), []).append(polys[j, i])
    village_geom = {k: shapely.union_all(v) for k, v in villages.items()}

    n_vx = nx // vx
    towns: dict[tuple[int, int], list] = {}
    for (i, j), geom in village_geom.items():
        towns.setdefault((i // tx, j // ty), []).append(geom)
    town_geom = {k: shapely.union_all(v) for k, v in towns.items()}
    counties: dict[tuple[int, int], list] = {}
    for (i, j), geom in town_geom.items():
        counties.setdefault((i // cx, j // cy), []).append(geom)
    county_geom = {k: shapely.union_all(v) for k, v in counties.items()}
    n_tx = n_vx // tx
    n_cx = n_tx // cx
    county_code = {k: f"51{k[1] * n_cx + k[0] + 1:04d}" for k in county_geom}
    town_code = {
        (i, j): f"{county_code[(i // cx, j // cy)]}{(j % cy) * cx + (i % cx) + 1:03d}000"
        for (i, j) in town_geom
    }
    village_code = {
        (i, j): f"{town_code[(i // tx, j // ty)][:9]}{(j % ty) * tx + (i % tx) + 1:03d}"
        for (i, j) in village_geom
    }
    for k, g in county_geom.items():
        areas.append((f"{county_code[k]}000000", f"县{county_code[k]}", "county", None, None, g))
    for k, g in town_geom.items():
        parent = f"{county_code[(k[0] // cx, k[1] // cy)]}000000"
        areas.append((town_code[k], f"镇{town_code[k][6:9]}", "town", None, parent, g))
    for k, g in village_geom.items():
        kind = "社区" if (k[0] + k[1]) % 4 == 0 else "村"
        parent = town_code[(k[0] // tx, k[1] // ty)]
        areas.append((village_code[k], f"村{village_code[k][9:]}", "village", kind, parent, g))
    for j in range(ny):
        for i in range(nx):
            vcode = village_code[(i // vx, j // vy)]
            seq = (j % vy) * vx + (i % vx) + 1
            households = int(rng.integers(80, 520))
            grids.append(
                (
                    f"{vcode}{seq:03d}",
                    f"第{seq}网格",
                    "村组型",
                    vcode,
                    households,
                    households * 3,
                    f"网格员{i}-{j}",
                    f"139{rng.integers(0, 10**8):08d}",
                    polys[j, i],
                )
            )
    return {"areas": areas, "grids": grids, "shape": (nx, ny)}


def _copy(url: str, table: str, columns: list[str], rows: list[tuple]) -> None:
    buf = io.StringIO()
    for row in rows:
        *values, geom = row
        cells = ["\\N" if v is None else str(v).replace("\t", " ") for v in values]
        cells.append(
            "SRID=4490;"
            + shapely.to_wkt(
                shapely.MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom,
                rounding_precision=8,
            )
        )
        buf.write("\t".join(cells) + "\n")
    buf.seek(0)
    with session(url) as s:
        raw = s.connection().connection.dbapi_connection
        with raw.cursor() as cur:
            cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
        raw.commit()


def load_province(url: str, n_grids: int) -> dict[str, object]:
    """Generate and COPY the province; returns counts."""
    data = province(n_grids)
    # parents first: counties, towns, villages (the foreign key on parent_code)
    order = {"county": 0, "town": 1, "village": 2}
    areas = sorted(data["areas"], key=lambda a: order[a[2]])
    _copy(url, "admin_areas", ["code", "name", "level", "kind", "parent_code", "geom"], areas)
    _copy(
        url,
        "grids",
        [*IMPORT_LAYERS["grids"].field_names, "geom"],
        data["grids"],
    )
    with session(url) as s:
        s.execute(text("ANALYZE grids; ANALYZE admin_areas"))
        s.commit()
        grids = s.execute(text("SELECT count(*), avg(ST_NPoints(geom)) FROM grids")).one()
    return {
        "grids": int(grids[0]),
        "vertices_mean": float(grids[1]),
        "areas": len(areas),
        "lattice": list(data["shape"]),
    }


def _row(lat: float, n: int) -> int:
    return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_list(zooms: tuple[int, ...], counties: int, seed: int = 3) -> list[str]:
    """Paths of every tile at ``zooms`` over the first ``counties`` counties' box, shuffled."""
    west, south = WEST, SOUTH
    east, north = (
        WEST + WIDTH_DEG * min(1.0, counties / 4),
        SOUTH + HEIGHT_DEG * min(1.0, counties / 4),
    )
    paths = []
    for z in zooms:
        n = 2**z
        x0, x1 = int((west + 180) / 360 * n), int((east + 180) / 360 * n)

        y0, y1 = _row(north, n), _row(south, n)
        paths += [
            f"/tiles/grids/{z}/{x}/{y}.pbf" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)
        ]
    random.Random(seed).shuffle(paths)
    return paths


def lua(path: Path, key: str, paths: list[str], *, etag: str | None = None) -> Path:
    lines = [f'wrk.headers["X-API-Key"] = "{key}"']
    if etag:
        lines.append(f"wrk.headers[\"If-None-Match\"] = '{etag}'")
    lines.append("local paths = {" + ",".join(f'"{p}"' for p in paths) + "}")
    lines.append("local i = 0")
    lines.append(
        'request = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend'
    )
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    """Build the province, run the rounds, print the ratios."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grids", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reuse", action="store_true", help="reuse the benchmark database")
    args = parser.parse_args()
    url = database("gridmap_bench_tiles", fresh=not args.reuse)
    with session(url) as s:
        existing = s.execute(text("SELECT count(*) FROM grids")).scalar()
    layer = {"grids": int(existing)} if existing else load_province(url, args.grids)
    print(f"province: {layer}")
    if layer["grids"] < 100_000 and args.grids >= 100_000:
        raise SystemExit(f"only {layer['grids']} grids")
    key = make_key(url, "viewer")
    paths = tile_list((11, 12, 13), counties=1)
    tmp = workdir()
    tiles_lua = lua(tmp / "tiles.lua", key, paths)
    health_lua = lua(tmp / "health.lua", key, ["/healthz"])
    runs: dict[str, list[dict]] = {"uncached": [], "cached": [], "revalidate": [], "healthz": []}
    sizes: list[int] = []
    with serve(url, workers=1, GRIDMAP_TILE_CACHE_MB="0") as server:
        wrk(server.base + "/", script=tiles_lua, connections=args.connections, seconds=2)
        for _ in range(args.rounds):
            runs["uncached"].append(
                wrk(
                    server.base + "/",
                    script=tiles_lua,
                    connections=args.connections,
                    seconds=args.seconds,
                ).__dict__
            )
    with serve(url, workers=1, GRIDMAP_TILE_CACHE_MB="512") as server:
        with httpx.Client(base_url=server.base, headers={"X-API-Key": key}, timeout=60) as client:
            for p in paths:  # warm the cache with every tile once
                r = client.get(p)
                r.raise_for_status()
                sizes.append(len(r.content))
            etag = client.get(paths[0]).headers["etag"]
        reval_lua = lua(tmp / "reval.lua", key, paths, etag=etag)
        for _ in range(args.rounds):
            for name, script in (
                ("cached", tiles_lua),
                ("revalidate", reval_lua),
                ("healthz", health_lua),
            ):
                runs[name].append(
                    wrk(
                        server.base + "/",
                        script=script,
                        connections=args.connections,
                        seconds=args.seconds,
                    ).__dict__
                )
    med = {k: float(np.median([r["requests_per_s"] for r in v])) for k, v in runs.items()}
    p99 = {k: float(np.median([r["p99_ms"] for r in v])) for k, v in runs.items()}
    result = {
        "layer": layer,
        "tiles": len(paths),
        "tile_bytes_mean": float(np.mean(sizes)),
        "tile_bytes_max": int(np.max(sizes)),
        "connections": args.connections,
        "requests_per_s": med,
        "p99_ms": p99,
        "errors": {k: sum(r["errors"] for r in v) for k, v in runs.items()},
        "ratio_cached_to_uncached": med["cached"] / med["uncached"],
        "ratio_cached_to_healthz": med["cached"] / med["healthz"],
        "ratio_uncached_to_healthz": med["uncached"] / med["healthz"],
        "ratio_revalidate_to_healthz": med["revalidate"] / med["healthz"],
        "rounds": runs,
    }
    mean_kib, max_kib = result["tile_bytes_mean"] / 1024, result["tile_bytes_max"] / 1024
    print(
        f"\n{len(paths)} tiles (z 11–13) over a county-sized block, mean {mean_kib:.1f} KiB, ",
        end="",
    )
    print(f"max {max_kib:.0f} KiB")
    for name in ("uncached", "cached", "revalidate", "healthz"):
        errors = result["errors"][name]
        print(f"  {name:10s} {med[name]:9.0f} req/s   p99 {p99[name]:8.1f} ms   errors {errors}")
    print(f"  cached/uncached       {result['ratio_cached_to_uncached']:.1f}")
    print(f"  cached/healthz        {result['ratio_cached_to_healthz']:.2f}")
    print(f"  uncached/healthz      {result['ratio_uncached_to_healthz']:.3f}")
    print(f"  revalidate/healthz    {result['ratio_revalidate_to_healthz']:.2f}")
    print(f"\nfigures saved to {save('tiles', result)}")


if __name__ == "__main__":
    main()
