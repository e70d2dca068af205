"""Grid proposals on the demo county: ours against spopt's max-p regionalisation.

    .venv/bin/python -m benchmarks.proposals [--every N] [--construction C] [--annealing A]

The demo county (双流区, seed 510116, the villages and buildings ``gridmap demo load`` imports)
is synthesized in this process. For every N-th village or community (by code; default every
4th, 65 of 257) three methods partition the same buildings with the same household floor and
ceiling (社区 200–500, 村 100–300):

- ours: ``boundaries.proposals.propose_grids`` (no road lines: the demo has none loaded);
- max-p: ``spopt.region.MaxPHeuristic`` over the same tiles ours starts from (each building's
  Voronoi cell in the village), Rook contiguity, the tiles' centroids as the attributes it
  keeps regions homogeneous in (so regions are compact), ``households >= floor`` as the
  threshold. Max-p knows no ceiling. Its random construction is repeated ``--construction``
  times and annealed ``--annealing`` times (default 5 and 1; spopt's own defaults, 99 and 10,
  take over two minutes on one 800-building village, and gave the same number of regions
  there as 5 and 1);
- bisection: ``boundaries.gridding`` (recursive bisection and Voronoi cells), the first step of
  ours, for reference.

For each: total seconds, share of grids within [floor, ceiling] (households counted by
containment of each building's point, the same for all; also among the grids that hold no
building above the ceiling, which no method can bring within), mean Polsby–Popper compactness
(4π·area/perimeter², in the Gauss–Krüger zone), the number of grids and of grids in several
pieces. The ratios are printed
and saved to benchmarks/out/proposals.json.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from benchmarks.common import save
from boundaries.frame import LocalFrame
from boundaries.gridding import grids_from_labels, partition_households, voronoi_cells
from boundaries.households import assign_buildings, representative_points
from boundaries.proposals import polsby_popper, propose_grids
from boundaries.topology import polygonal

STANDARD = {"社区": (200, 500), "村": (100, 300)}


def _score(grids: list[Any], shapes: np.ndarray, households: np.ndarray, fl: int, ce: int):
    """Grids, grids within the range, grids holding a building above the ceiling (no method
    can bring those within), and the Polsby–Popper compactness of each grid.
    """
    owner = assign_buildings(grids, shapes)
    hh = owner.households(households, len(grids))
    within = (hh >= fl) & (hh <= ce)
    towers = np.zeros(len(grids), dtype=bool)
    towers[owner.grid[(households > ce) & (owner.grid >= 0)]] = True
    return {
        "grids": len(grids),
        "within": int(within.sum()),
        "towers": int(towers.sum()),
        "within_feasible": int((within & ~towers).sum()),
        "multipart": int(sum(len(polygonal(g).geoms) > 1 for g in grids)),
        "pp": polsby_popper(grids).tolist(),
    }


def _tiles(area: Any, shapes: np.ndarray) -> tuple[LocalFrame, np.ndarray, np.ndarray, Any]:
    frame = LocalFrame.around(area)
    points = representative_points(shapes)
    xy = frame.to_xy(shapely.get_x(points), shapely.get_y(points))
    local = polygonal(frame.forward(area))
    cells = shapely.intersection(voronoi_cells(xy, local), local)
    return frame, xy, cells, local


def run_maxp(area, shapes, households, fl, construction, annealing):
    """spopt max-p on the buildings' Voronoi tiles; returns the grids (EPSG:4490)."""
    from libpysal.weights import Rook
    from spopt.region import MaxPHeuristic

    frame, _, cells, _ = _tiles(area, shapes)
    centroids = shapely.centroid(cells)
    tiles = gpd.GeoDataFrame(
        {"households": households, "x": shapely.get_x(centroids), "y": shapely.get_y(centroids)},
        geometry=list(cells),
    )
    if len(tiles) < 2 or households.sum() < 2 * fl:
        return [area]
    w = Rook.from_dataframe(tiles, use_index=False, silence_warnings=True)
    np.random.seed(0)
    model = MaxPHeuristic(
        tiles,
        w,
        ["x", "y"],
        "households",
        fl,
        top_n=2,
        max_iterations_construction=construction,
        max_iterations_sa=annealing,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    labels = np.asarray(model.labels_)
    return [
        polygonal(shapely.intersection(frame.back(shapely.union_all(cells[labels == r])), area))
        for r in np.unique(labels)
    ]


def run_bisection(area, shapes, households, fl, ce):
    """The foundation's bisection + Voronoi cells."""
    frame, xy, _, local = _tiles(area, shapes)
    labels = partition_households(xy, households, floor=fl, ceiling=ce)
    pieces = grids_from_labels(local, xy, labels, households=households, floor=fl, ceiling=ce)
    return [polygonal(shapely.intersection(frame.back(p), area)) for p in pieces]


def main() -> None:
    """Run the comparison and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=4, help="take every N-th village")
    parser.add_argument("--construction", type=int, default=5, help="max-p constructions")
    parser.add_argument("--annealing", type=int, default=1, help="max-p annealing runs")
    args = parser.parse_args()

    from gis_api.features.demo.synth import synthesize_county

    county = synthesize_county(seed=510116, scale=1.0)
    areas = county.admin_areas
    villages = areas[areas["level"] == "village"].sort_values("code").iloc[:: args.every]
    buildings = county.buildings
    totals = {
        m: {
            "seconds": 0.0,
            "grids": 0,
            "within": 0,
            "towers": 0,
            "within_feasible": 0,
            "multipart": 0,
            "pp": [],
        }
        for m in ("ours", "maxp", "bisection")
    }
    for _, village in villages.iterrows():
        fl, ce = STANDARD[village["kind"]]
        mine = buildings[buildings["village_code"] == village["code"]]
        shapes = np.asarray(mine.geometry.array, dtype=object)
        hh = np.asarray(mine["households"], dtype=float)
        area = village.geometry
        line = [f"{village['code']} {village['kind']} {len(mine):4d} buildings"]
        for name in ("ours", "maxp", "bisection"):
            started = time.perf_counter()
            if name == "ours":
                grids = list(propose_grids(area, mine, floor=fl, ceiling=ce).grids.geometry)
            elif name == "maxp":
                grids = run_maxp(area, shapes, hh, fl, args.construction, args.annealing)
            else:
                grids = run_bisection(area, shapes, hh, fl, ce)
            seconds = time.perf_counter() - started
            score = _score(grids, shapes, hh, fl, ce)
            total = totals[name]
            total["seconds"] += seconds
            total["grids"] += score["grids"]
            total["within"] += score["within"]
            total["towers"] += score["towers"]
            total["within_feasible"] += score["within_feasible"]
            total["multipart"] += score["multipart"]
            total["pp"] += score["pp"]
            line.append(f"{name} {score['within']}/{score['grids']} {seconds:.2f}s")
        print(" | ".join(line), flush=True)
    result: dict[str, Any] = {"villages": len(villages), "every": args.every}
    for name, total in totals.items():
        result[name] = {
            "seconds": round(total["seconds"], 2),
            "grids": total["grids"],
            "within_share": round(total["within"] / total["grids"], 4),
            "grids_with_a_building_above_the_ceiling": total["towers"],
            "within_share_of_the_rest": round(
                total["within_feasible"] / (total["grids"] - total["towers"]), 4
            ),
            "polsby_popper_mean": round(float(np.mean(total["pp"])), 4),
            "grids_in_several_pieces": total["multipart"],
        }
    ours, maxp, bis = result["ours"], result["maxp"], result["bisection"]
    result["ratios"] = {
        "time_maxp_over_ours": round(maxp["seconds"] / ours["seconds"], 1),
        "within_share_ours_over_maxp": round(ours["within_share"] / maxp["within_share"], 3),
        "within_share_of_the_rest_ours_over_maxp": round(
            ours["within_share_of_the_rest"] / maxp["within_share_of_the_rest"], 3
        ),
        "compactness_ours_over_maxp": round(
            ours["polsby_popper_mean"] / maxp["polsby_popper_mean"], 3
        ),
        "within_share_ours_over_bisection": round(ours["within_share"] / bis["within_share"], 3),
        "compactness_ours_over_bisection": round(
            ours["polsby_popper_mean"] / bis["polsby_popper_mean"], 3
        ),
    }
    result["maxp_settings"] = {"construction": args.construction, "annealing": args.annealing}
    save("proposals", result)
    print()
    for name in ("ours", "maxp", "bisection"):
        r = result[name]
        print(
            f"{name:10s} {r['seconds']:8.2f} s  {r['grids']:5d} grids  "
            f"within range {r['within_share']:.1%} (of grids without a building above the "
            f"ceiling: {r['within_share_of_the_rest']:.1%})  "
            f"Polsby–Popper {r['polsby_popper_mean']:.3f}  "
            f"in several pieces {r['grids_in_several_pieces']}"
        )
    for key, value in result["ratios"].items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
