"""Camera placement (maximal covering) for 1,000 candidates × 5,000 demand points.

    .venv/bin/python -m benchmarks.placement [--k 10 25 50 100] [--solvers CBC SCIP HIGHS]

Built from the demo county (pure, no database): the community with the most building footprints;
5,000 demand points (the key sites' lattice points weighted by kind, the rest near buildings
weighted 1, standing for incidents); 1,000 candidate positions along the grid boundaries (the
generator the service uses without roads, with the lattice spacing shrunk until there are
1,000), each a 360° dome of 60 m whose view is cut by the
footprints (the report's visibility model). For each k: the exact MIP (time limit 120 s) and
the greedy answer, their times, and the greedy's gap to the exact value.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from benchmarks.common import save
from boundaries import coverage as cov
from boundaries import placement as pl
from boundaries import viewshed
from boundaries.projection import gk_epsg_for_bounds
from gis_api.features.coverage.placement import DEFAULT_KIND_WEIGHTS
from gis_api.features.demo.synth import synthesize_county

CANDIDATES = 1_000
DEMAND = 5_000
RANGE_M = 60.0


def instance(seed: int, scale: float, range_m: float) -> dict[str, object]:
    """The coverage matrix and weights of the benchmark instance."""
    county = synthesize_county(seed=510116, scale=scale)
    areas = county.admin_areas
    villages = areas[areas["level"] == "village"].reset_index(drop=True)
    footprints = county.buildings[county.buildings.geom_type.isin(["Polygon", "MultiPolygon"])]
    fp = footprints.geometry.values
    per_village = [int(shapely.intersects(v, fp).sum()) for v in villages.geometry]
    village = villages.iloc[int(np.argmax(per_village))]
    epsg = gk_epsg_for_bounds(*village.geometry.bounds)
    area_m = cov.project_densified(np.array([village.geometry], dtype=object), epsg)[0]
    grids = county.grids[county.grids["village_code"] == village["code"]]
    grid_m = cov.project_densified(grids.geometry, epsg)
    near_area = shapely.intersects(village.geometry.buffer(0.002), fp)
    occluders = viewshed.Occluders.from_footprints(cov.project_densified(fp[near_area], epsg))
    rng = np.random.default_rng(seed)

    sites = county.key_sites[shapely.intersects(village.geometry, county.key_sites.geometry.values)]
    site_xy, site_w = [], []
    for kind, geom in zip(sites["kind"], cov.project_densified(sites.geometry, epsg), strict=True):
        pts = shapely.get_coordinates(geom) if geom.geom_type == "Point" else pl.lattice(geom, 15.0)
        if len(pts) == 0:
            pts = shapely.get_coordinates(geom.representative_point())
        site_xy.append(pts)
        site_w.append(np.full(len(pts), DEFAULT_KIND_WEIGHTS.get(kind, 3.0) / len(pts)))
    xy = np.concatenate(site_xy)[:DEMAND] if site_xy else np.empty((0, 2))
    w = np.concatenate(site_w)[:DEMAND] if site_w else np.empty(0)
    inside = shapely.intersects(area_m, occluders.polygons)
    anchors = shapely.get_coordinates(shapely.point_on_surface(occluders.polygons[inside]))
    rest = DEMAND - len(xy)
    near = anchors[rng.integers(0, len(anchors), rest)] + rng.normal(0, 15, (rest, 2))
    # demand stays outdoors: a point inside a footprint moves to the footprint's edge
    inside_fp = occluders.tree.query(shapely.points(near), predicate="within")
    for i, j in zip(*inside_fp, strict=True):
        edge = occluders.polygons[j].exterior
        near[i] = shapely.get_coordinates(edge.interpolate(edge.project(shapely.Point(near[i]))))[0]
    xy, w = np.concatenate([xy, near]), np.concatenate([w, np.ones(rest)])

    # the service's generator without roads: grid boundaries and a lattice, outside footprints
    spacing = 40.0
    while True:
        edges = shapely.get_parts(shapely.boundary(grid_m))
        positions = np.concatenate(
            [pl.points_along(edges, spacing)[0], pl.lattice(area_m, spacing)]
        )
        positions = np.unique(np.round(positions, 1), axis=0)
        positions = positions[shapely.intersects_xy(area_m, positions[:, 0], positions[:, 1])]
        hidden = occluders.tree.query(shapely.points(positions), predicate="within")[0]
        positions = np.delete(positions, np.unique(hidden), axis=0)
        if len(positions) >= CANDIDATES:
            break
        spacing *= 0.8
    positions = positions[rng.permutation(len(positions))[:CANDIDATES]]
    cams = viewshed.cameras(
        positions[:, 0], positions[:, 1], np.nan, np.full(len(positions), 360.0), range_m
    )
    started = time.perf_counter()
    views = viewshed.visibility_polygons(cams, occluders)
    views_s = time.perf_counter() - started
    cover = pl.coverage_matrix(views, xy)
    return {
        "area": f"{village['name']} ({village['code']}, {area_m.area / 1e6:.2f} km²)",
        "candidate_spacing_m": round(spacing, 1),
        "cover": cover,
        "weights": w,
        "candidates": len(positions),
        "demand": len(xy),
        "footprints": len(occluders),
        "views_s": views_s,
        "nonzeros": int(cover.nnz),
        "demand_coverable": int((np.diff(cover.tocsr().indptr) > 0).sum()),
    }


def main() -> None:
    """Solve for each k, exact and greedy, and print times and gaps."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--k", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument(
        "--solvers", nargs="+", default=["SCIP", "CBC", "HIGHS"], choices=pl.SOLVERS
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--range-m", type=float, default=RANGE_M, help="range of the new domes")
    args = parser.parse_args()
    data = instance(seed=7, scale=args.scale, range_m=args.range_m)
    cover, w = data["cover"], data["weights"]
    print(
        f"instance: {data['candidates']} candidates × {data['demand']} demand points "
        f"in {data['area']}, "
        f"{data['footprints']} footprints, {data['nonzeros']} covering pairs, "
        f"{data['demand_coverable']} points coverable; views built in {data['views_s']:.2f} s"
    )
    rows = []
    for k in args.k:
        greedy = pl.greedy(cover, w, k)
        row = {"k": k, "greedy_s": greedy.seconds, "greedy_weight": greedy.covered_weight}
        for solver in args.solvers:
            exact = pl.exact(cover, w, k, solver=solver, start=greedy, time_limit=args.time_limit)
            row[solver] = {
                "status": exact.status,
                "seconds": exact.seconds,
                "weight": exact.covered_weight,
                "bound": exact.bound,
                "greedy_gap": pl.relative_gap(exact.covered_weight, greedy.covered_weight),
                "exact_to_greedy_time": exact.seconds / max(greedy.seconds, 1e-9),
            }
        rows.append(row)
        main_solver = row[args.solvers[0]]
        print(
            f"  k={k:4d}  greedy {greedy.seconds * 1000:7.1f} ms  "
            + "  ".join(
                f"{s} {row[s]['seconds']:6.2f} s ({row[s]['status']})" for s in args.solvers
            )
            + f"  greedy gap {main_solver['greedy_gap']:.3%}"
            + f"  exact/greedy time {main_solver['exact_to_greedy_time']:.0f}×"
        )
    result = {k: v for k, v in data.items() if k not in ("cover", "weights")}
    result["range_m"] = args.range_m
    result["runs"] = rows
    path = save("placement" if args.range_m == RANGE_M else f"placement-{args.range_m:g}m", result)
    print(f"\nfigures saved to {path}")


if __name__ == "__main__":
    main()
