"""Topology checks of a set of grids: geometry validity, outside the village, overlaps, gaps,
multipart grids and slivers (see ``boundaries.validation`` for the whole validation).

Every overlay (intersection, difference, union) is done in the storage coordinates (EPSG:4490),
where edges are straight as PostGIS and the maps see them; only the resulting pieces are
projected, each into its CGCS2000 Gauss–Krüger zone, to measure m² (``projection.area_m2``).
Projecting first and overlaying in metres would bend long edges differently on the two sides
and report false slivers.
"""

from __future__ import annotations

import re
from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from boundaries.projection import area_m2, length_m
from boundaries.report import Issue, ValidationRules, make_issue

_WHERE = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)")
EMPTY = MultiPolygon()


def polygonal(geom: BaseGeometry | None) -> MultiPolygon:
    """The polygonal part of any geometry as a MultiPolygon (empty for None or no polygons)."""
    found: list[Polygon] = []

    def walk(g: BaseGeometry) -> None:
        if isinstance(g, Polygon):
            if not g.is_empty:
                found.append(g)
        elif hasattr(g, "geoms"):
            for part in g.geoms:
                walk(part)

    if geom is not None:
        walk(geom)
    return MultiPolygon(found)


def measure_m2(geoms: list[BaseGeometry] | NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas in m² (each in its Gauss–Krüger zone); 0 for empty geometries."""
    if len(geoms) == 0:
        return np.zeros(0)
    series = gpd.GeoSeries(list(geoms), crs=4490)
    return np.nan_to_num(np.asarray(area_m2(series), dtype=float))


def lengths_m(geoms: list[BaseGeometry]) -> NDArray[np.float64]:
    """Lengths (perimeters) in metres, each in its Gauss–Krüger zone."""
    if not geoms:
        return np.zeros(0)
    return np.nan_to_num(np.asarray(length_m(gpd.GeoSeries(geoms, crs=4490)), dtype=float))


def geometry_issues(
    keys: list[str], raw: NDArray[np.object_]
) -> tuple[list[MultiPolygon], list[Issue]]:
    """Usable polygonal geometries for every grid, and an error for each unusable one."""
    fixed: list[MultiPolygon] = []
    issues: list[Issue] = []
    for key, geom in zip(keys, raw, strict=True):
        if geom is None or geom.is_empty:
            issues.append(make_issue("invalid_geometry", key, f"grid {key} has no geometry"))
            fixed.append(EMPTY)
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            issues.append(
                make_issue(
                    "invalid_geometry",
                    key,
                    f"grid {key} is a {geom.geom_type}; a grid must be a Polygon or MultiPolygon",
                    geometry=geom,
                )
            )
            fixed.append(polygonal(geom))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            match = _WHERE.search(reason)
            where = (
                Point(float(match[1]), float(match[2])) if match else geom.representative_point()
            )
            issues.append(
                make_issue(
                    "invalid_geometry",
                    key,
                    f"grid {key} is not a valid polygon: {reason}",
                    geometry=where,
                    grids=(key,),
                )
            )
            fixed.append(polygonal(shapely.make_valid(geom)))
            continue
        fixed.append(polygonal(geom))
    return fixed, issues


def outside_issues(
    keys: list[str],
    geoms: list[MultiPolygon],
    village_of: list[str | None],
    villages: dict[str, BaseGeometry],
    rules: ValidationRules,
) -> list[Issue]:
    """An error for each grid with more than ``outside_min_m2`` outside its village."""
    pieces, owners = [], []
    for i, (geom, code) in enumerate(zip(geoms, village_of, strict=True)):
        if geom.is_empty:
            continue
        outside = geom if code is None else shapely.difference(geom, villages[code])
        outside = polygonal(outside)
        if not outside.is_empty:
            pieces.append(outside)
            owners.append(i)
    areas = measure_m2(pieces)
    issues = []
    for piece, i, area in zip(pieces, owners, areas, strict=True):
        if area < rules.outside_min_m2:
            continue
        where = "any village of the area" if village_of[i] is None else f"village {village_of[i]}"
        issues.append(
            make_issue(
                "outside_village",
                keys[i],
                f"{area:,.1f} m² of grid {keys[i]} lie outside {where}",
                geometry=piece,
                grids=(keys[i],),
                village_code=village_of[i],
                area_m2=area,
            )
        )
    return issues


def overlap_issues(
    keys: list[str], geoms: list[MultiPolygon], rules: ValidationRules
) -> list[Issue]:
    """An error for each pair of grids sharing more than ``overlap_min_m2``."""
    arr = np.asarray(geoms, dtype=object)
    if len(arr) < 2:
        return []
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = [polygonal(g) for g in shapely.intersection(arr[left], arr[right])]
    areas = measure_m2(shared)
    issues = []
    for a, b, piece, area in zip(left, right, shared, areas, strict=True):
        if area < rules.overlap_min_m2:
            continue
        issues.append(
            make_issue(
                "overlap",
                f"{keys[a]}|{keys[b]}",
                f"grids {keys[a]} and {keys[b]} overlap by {area:,.1f} m²",
                geometry=piece,
                grids=(keys[a], keys[b]),
                area_m2=area,
            )
        )
    return issues


def gap_issues(
    geoms: list[MultiPolygon], villages: gpd.GeoDataFrame, rules: ValidationRules
) -> tuple[list[Issue], dict[str, float]]:
    """A warning per uncovered piece of each village; and the gap area per village."""
    arr = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(arr) if len(arr) else None
    issues: list[Issue] = []
    gap_total: dict[str, float] = {}
    for code, vgeom in zip(villages["code"], villages.geometry, strict=True):
        hits = tree.query(vgeom, predicate="intersects") if tree is not None else []
        covered = shapely.union_all(arr[hits]) if len(hits) else EMPTY
        holes = [p for p in shapely.get_parts(polygonal(shapely.difference(vgeom, covered)))]
        areas = measure_m2(holes)
        big = [(p, a) for p, a in zip(holes, areas, strict=True) if a >= rules.gap_min_m2]
        gap_total[str(code)] = float(sum(a for _, a in big))
        for n, (piece, area) in enumerate(sorted(big, key=lambda t: -t[1]), start=1):
            issues.append(
                make_issue(
                    "gap",
                    f"{code}#{n}",
                    f"{area:,.1f} m² of village {code} are in no grid",
                    geometry=piece,
                    village_code=str(code),
                    area_m2=area,
                )
            )
    return issues, gap_total


def shape_issues(
    keys: list[str], geoms: list[MultiPolygon], rules: ValidationRules
) -> tuple[list[Issue], list[int], list[float]]:
    """Multipart and sliver warnings; parts per grid; Polsby–Popper compactness per grid."""
    issues: list[Issue] = []
    parts_count = [len(g.geoms) for g in geoms]
    compactness = [0.0] * len(geoms)
    areas = measure_m2(geoms)
    perimeters = lengths_m(list(geoms))
    for i, (a, p) in enumerate(zip(areas, perimeters, strict=True)):
        compactness[i] = float(4 * np.pi * a / p**2) if p > 0 else 0.0
    all_parts = [(i, part) for i, g in enumerate(geoms) for part in g.geoms]
    part_areas = measure_m2([p for _, p in all_parts])
    partlengths_m = lengths_m([p for _, p in all_parts])
    by_grid: dict[int, list[tuple[Polygon, float, float]]] = defaultdict(list)
    for (i, part), a, p in zip(all_parts, part_areas, partlengths_m, strict=True):
        by_grid[i].append((part, float(a), float(p)))
    for i, parts in sorted(by_grid.items()):
        if len(parts) > 1:
            ordered = sorted(parts, key=lambda t: -t[1])
            detached = MultiPolygon([t[0] for t in ordered[1:]])
            issues.append(
                make_issue(
                    "multipart",
                    keys[i],
                    f"grid {keys[i]} is in {len(parts)} separate pieces; the smaller ones cover "
                    f"{sum(t[1] for t in ordered[1:]):,.1f} m²",
                    geometry=detached,
                    grids=(keys[i],),
                    value=len(parts),
                )
            )
        for n, (part, a, p) in enumerate(parts, start=1):
            width = 2 * a / p if p > 0 else 0.0
            if a < rules.sliver_max_area_m2 or width < rules.sliver_max_width_m:
                issues.append(
                    make_issue(
                        "sliver",
                        f"{keys[i]}#{n}",
                        f"a piece of grid {keys[i]} is a sliver: {a:,.1f} m², mean width "
                        f"{width:,.1f} m",
                        geometry=part,
                        grids=(keys[i],),
                        area_m2=a,
                    )
                )
    return issues, parts_count, compactness
