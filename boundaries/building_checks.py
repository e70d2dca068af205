"""The buildings side of validation: households per grid by containment, buildings in no
grid or in two, and the largest building of each grid (to name one above the ceiling).
"""

from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon

from boundaries.frames import check_frame, column
from boundaries.households import assign_buildings, representative_points
from boundaries.report import Issue, ValidationRules, make_issue

__all__ = ["Counted", "count_buildings"]


class Counted:
    """Buildings per grid and per village, and the issues about buildings."""

    households: list[int]
    buildings: np.ndarray

    def __init__(self, n: int) -> None:
        self.households = [0] * n
        self.buildings = np.zeros(n, dtype=np.int64)
        self.biggest: list[tuple[str, int] | None] = [None] * n
        self.has_buildings: dict[str, bool] = {}
        self.village_buildings: dict[str, int] = defaultdict(int)
        self.village_households: dict[str, int] = defaultdict(int)
        self.unassigned: dict[str, int] = defaultdict(int)
        self.issues: list[Issue] = []


def count_buildings(
    keys: list[str],
    geoms: list[MultiPolygon],
    village_of: list[str | None],
    villages: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None,
    kind_of: dict[str, str],
    rules: ValidationRules,
) -> Counted:
    """Count households per grid from the buildings and report buildings in no or two grids."""
    out = Counted(len(keys))
    if buildings is None or buildings.empty:
        return out
    check_frame(buildings, "buildings", ("households",))
    shapes = np.asarray(buildings.geometry.array, dtype=object)
    points = representative_points(shapes)
    vcodes = [str(c) for c in villages["code"]]
    b_idx, v_idx = shapely.STRtree(np.asarray(villages.geometry.array, dtype=object)).query(
        points, predicate="intersects"
    )
    village_at = np.full(len(points), -1, dtype=np.int64)
    village_at[b_idx[::-1]] = v_idx[::-1]  # the first village (by order) wins on a border
    inside = np.flatnonzero(village_at >= 0)
    shapes, points = shapes[inside], points[inside]
    households = np.asarray(buildings["households"], dtype=float)[inside]
    labels = column(buildings, "code")
    labels = [labels[i] if labels[i] is not None else f"#{i + 1}" for i in inside]
    in_village = [vcodes[v] for v in village_at[inside]]
    assignment = assign_buildings(geoms, shapes, split_share=rules.split_share)
    totals = assignment.households(households, len(keys))
    out.households = [int(round(t)) for t in totals]
    out.buildings = assignment.buildings(len(keys))
    for code in in_village:
        out.has_buildings[code] = True
    for b, village in enumerate(in_village):
        out.village_buildings[village] += 1
        out.village_households[village] += int(households[b])
        g = int(assignment.grid[b])
        if g >= 0 and households[b] > rules.households_range(kind_of.get(village))[1]:
            if out.biggest[g] is None or households[b] > out.biggest[g][1]:  # type: ignore[index]
                out.biggest[g] = (str(labels[b]), int(households[b]))
    lost = np.flatnonzero(assignment.grid < 0)
    by_village: dict[str, list[int]] = defaultdict(list)
    for b in lost.tolist():
        by_village[in_village[b]].append(b)
    for village, members in sorted(by_village.items()):
        out.unassigned[village] = len(members)
        shown = ", ".join(str(labels[b]) for b in members[:5])
        total = int(households[members].sum())
        out.issues.append(
            make_issue(
                "buildings_unassigned",
                village,
                f"{len(members)} building(s) of village {village} with {total} households lie "
                f"in no grid: {shown}{' …' if len(members) > 5 else ''}",
                geometry=MultiPoint(list(points[members])),
                village_code=village,
                value=len(members),
            )
        )
    for b, hit in sorted(assignment.in_two.items()):
        names = tuple(keys[g] for g in hit)
        out.issues.append(
            make_issue(
                "building_in_two_grids",
                str(labels[b]),
                f"building {labels[b]} ({int(households[b])} households) lies in grids "
                f"{', '.join(names)}; it is counted in {keys[int(assignment.grid[b])]}",
                geometry=shapes[b],
                grids=names,
                village_code=in_village[b],
            )
        )
    return out
