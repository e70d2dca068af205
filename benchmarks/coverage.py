"""The coverage report of a whole county against the bare shapely overlay of the same sectors.

    .venv/bin/python -m benchmarks.coverage [--scale 2.6] [--cameras 20000] [--reuse]

1. Builds the demo county (``synthesize_county`` at ``--scale``: ≥ 5,000 grids, ~18,000
   building footprints) in a database of its own, through the importers, then adds cameras
   until there are ``--cameras`` (placed 3–25 m from random buildings, random headings,
   fields of view 60/90/110/360°, ranges 30–120 m, 10 % offline), imported as a GeoJSON layer.
2. Ours: ``gis_api.features.coverage.service.report`` for the county, end to end in process —
   reading the area, grids, cameras and footprints from PostGIS, projecting, building every camera's
   visibility polygon with building occlusion, the per-grid overlay, key sites, relocation
   sites, the gap lists (median of ``--repeat`` runs).
3. Baseline: the bare shapely work on the same online cameras' sectors, already built and
   projected (no occlusion, no database, nothing else): STRtree pairs of sectors and grids,
   ``intersection`` of each pair, ``union_all`` per grid, ``area``. With ``--naive`` also the
   literal recipe, ``union_all`` of all sectors then ``intersection`` with each grid, timed
   once: GEOS intersects every grid with one multipolygon of the whole county, which takes
   minutes, so it is a poor yardstick and is left out by default.
4. Prints ours/baseline, and how our time splits (load, project, views, overlay, report).
"""

from __future__ import annotations

import argparse
import json
import time

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import func, select

from benchmarks.common import database, save, session, workdir
from boundaries import viewshed
from boundaries.codes import make_camera_id
from gis_api.core.auth import Principal
from gis_api.features.coverage import engine, service
from gis_api.features.demo.load import demo_files, import_demo
from gis_api.features.imports.service import import_file
from gis_api.schema.models import Building, Camera, Grid

COUNTY = "510116000000"
ADMIN = Principal(key_id=0, prefix="bench", role="admin", jurisdiction="")


def build(url: str, scale: float, cameras: int, seed: int) -> dict[str, int]:
    """Import the demo county and top the cameras up to ``cameras``."""
    _, files = demo_files(workdir(), seed=510116, scale=scale)
    with session(url) as s, s.begin():
        import_demo(s, files)
    with session(url) as s:
        have = s.scalar(select(func.count()).select_from(Camera)) or 0
        wkb = s.scalars(select(func.ST_AsBinary(func.ST_PointOnSurface(Building.geom)))).all()
    points = shapely.from_wkb([bytes(w) for w in wkb])
    extra = max(0, cameras - have)
    if extra:
        rng = np.random.default_rng(seed)
        anchor = shapely.get_coordinates(points[rng.integers(0, len(points), extra)])
        distance = rng.uniform(3, 25, extra) / 111_000
        angle = rng.uniform(0, 2 * np.pi, extra)
        lon = anchor[:, 0] + distance * np.cos(angle) / np.cos(np.radians(anchor[:, 1]))
        lat = anchor[:, 1] + distance * np.sin(angle)
        fov = rng.choice([60.0, 90.0, 110.0, 360.0], extra, p=[0.3, 0.3, 0.2, 0.2])
        frame = gpd.GeoDataFrame(
            {
                "id": [make_camera_id("51011600", "99", "132", "0", i + 1) for i in range(extra)],
                "name": [f"基准摄像头{i + 1}" for i in range(extra)],
                "category": rng.choice([1, 2, 3], extra, p=[0.5, 0.3, 0.2]).tolist(),
                "heading": np.where(
                    fov >= 360, None, np.round(rng.uniform(0, 360, extra), 1)
                ).tolist(),
                "fov": fov.tolist(),
                "range_m": np.round(rng.uniform(30, 120, extra)).tolist(),
                "status": np.where(rng.random(extra) < 0.1, "offline", "online").tolist(),
            },
            geometry=shapely.points(lon, lat),
            crs=4490,
        )
        path = workdir() / "extra_cameras.geojson"
        path.write_text(frame.to_json(na="null", ensure_ascii=False), encoding="utf-8")
        with session(url) as s, s.begin():
            import_file(s, layer="cameras", path=path, actor="benchmark")
    return counts(url)


def counts(url: str) -> dict[str, int]:
    with session(url) as s:
        return {
            "grids": int(
                s.scalar(select(func.count()).select_from(Grid).where(Grid.valid_to.is_(None))) or 0
            ),
            "cameras": int(s.scalar(select(func.count()).select_from(Camera)) or 0),
            "footprints": int(
                s.scalar(
                    select(func.count())
                    .select_from(Building)
                    .where(func.GeometryType(Building.geom).in_(("POLYGON", "MULTIPOLYGON")))
                )
                or 0
            ),
        }


def ours(url: str, repeat: int) -> tuple[list[float], dict[str, float], dict]:
    """Time the full report; also one computation for the split and the inputs of the baseline."""
    times = []
    body = None
    for _ in range(repeat):
        with session(url) as s:
            started = time.perf_counter()
            body = service.report(s, area_code=COUNTY, principal=ADMIN)
            times.append(time.perf_counter() - started)
    with session(url) as s:
        started = time.perf_counter()
        comp = engine.compute(s, area_code=COUNTY, principal=ADMIN)
        comp.timings["total_compute"] = time.perf_counter() - started
    return times, comp.timings, {"report": body, "comp": comp}


def baseline(comp: engine.Computation, repeat: int, naive: bool) -> dict[str, object]:
    """The bare overlay of the same cameras' sectors (no occlusion), timed without any setup.

    ``indexed``: STRtree pairs of sectors and grids, ``intersection`` of each pair, ``union_all``
    per grid, ``area`` — what a competent shapely script does. ``naive`` (optional, slow):
    ``union_all`` of every sector, then ``intersection`` of each grid with that union.
    """
    cams = comp.cameras
    counted = cams["counted"].to_numpy(dtype=bool)
    c = cams[counted]
    sectors = viewshed.sector_polygons(
        viewshed.cameras(
            comp.cam_xy[counted, 0],
            comp.cam_xy[counted, 1],
            c["heading"].to_numpy(dtype=np.float64, na_value=np.nan),
            c["fov"].to_numpy(dtype=np.float64),
            c["range_m"].to_numpy(dtype=np.float64),
        )
    )
    grids = comp.grid_m
    out: dict[str, object] = {}
    times, covered = [], 0.0
    for _ in range(repeat):
        fresh = shapely.from_wkb(shapely.to_wkb(grids))  # unprepared copies each round
        started = time.perf_counter()
        gi, si = shapely.STRtree(sectors).query(fresh, predicate="intersects")
        pieces = shapely.intersection(sectors[si], fresh[gi])
        order = np.argsort(gi, kind="stable")
        gi, pieces = gi[order], pieces[order]
        cuts = np.flatnonzero(np.diff(gi)) + 1
        covered = float(sum(shapely.union_all(p).area for p in np.split(pieces, cuts)))
        times.append(time.perf_counter() - started)
    out["indexed_s"], out["indexed_covered_m2"] = times, covered
    if naive:
        started = time.perf_counter()
        union = shapely.union_all(sectors)
        union_s = time.perf_counter() - started
        covered = float(shapely.area(shapely.intersection(grids, union)).sum())
        out["naive_s"] = [time.perf_counter() - started]
        out["naive_union_all_s"] = union_s
        out["naive_covered_m2"] = covered
    return out


def main() -> None:
    """Build (or reuse) the county, time ours and the baseline, print the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=2.6)
    parser.add_argument("--cameras", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="reuse the benchmark database")
    parser.add_argument("--naive", action="store_true", help="also time union_all + intersection")
    args = parser.parse_args()
    url = database("gridmap_bench_coverage", fresh=not args.reuse)
    county = counts(url)
    if not args.reuse or county["grids"] == 0:
        started = time.perf_counter()
        county = build(url, args.scale, args.cameras, seed=4)
        county["build_s"] = round(time.perf_counter() - started, 1)
    print(f"county: {json.dumps(county)}")
    if county["grids"] < 5000 or county["cameras"] < args.cameras:
        raise SystemExit("the county is too small: raise --scale / --cameras")
    our_times, split, out = ours(url, args.repeat)
    comp = out["comp"]
    base = baseline(comp, args.repeat, args.naive)
    report = out["report"]
    ours_s = float(np.median(our_times))
    indexed_s = float(np.median(base["indexed_s"]))
    base_covered = float(base["indexed_covered_m2"])
    occlusion = 1 - report["view"]["covered_m2"] / max(base_covered, 1e-9)
    result = {
        "county": county,
        "epsg": comp.epsg,
        "cameras_counted": int(comp.cameras["counted"].sum()),
        "ours_report_s": our_times,
        "baseline": base,
        "ratio_ours_to_indexed_baseline": ours_s / indexed_s,
        "split_s": {k: round(v, 3) for k, v in split.items()},
        "covered_m2_ours_with_occlusion": report["view"]["covered_m2"],
        "covered_m2_bare_sectors": base_covered,
        "share_hidden_by_buildings": occlusion,
    }
    print(
        f"\ncoverage report of the county ({county['grids']} grids, {result['cameras_counted']} "
        f"online cameras, {county['footprints']} footprints)"
    )
    print(f"  ours: full report (PostGIS → JSON), median of {args.repeat}      {ours_s:8.2f} s")
    print(f"  baseline: bare sectors, STRtree + intersection + union  {indexed_s:8.2f} s")
    print(f"  ours/baseline                                           {ours_s / indexed_s:8.2f}")
    if args.naive:
        naive_s = base["naive_s"][0]
        result["ratio_ours_to_naive_baseline"] = ours_s / naive_s
        print(
            f"  naive baseline: union_all, then intersection per grid  {naive_s:8.2f} s "
            f"(union_all alone {base['naive_union_all_s']:.2f} s)"
        )
        print(f"  ours/naive baseline                                     {ours_s / naive_s:8.2f}")
    print("  split of one computation (s): " + ", ".join(f"{k} {v:.2f}" for k, v in split.items()))
    print(
        f"  covered: {report['view']['share']:.4f} of the county; buildings hide "
        f"{occlusion:.1%} of what the bare sectors would cover"
    )
    path = save("coverage", result)
    print(f"\nfigures saved to {path}")


if __name__ == "__main__":
    main()
