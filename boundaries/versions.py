"""Versions of a village's grids: which new grid keeps which code, and what changed.

The code rule. A grid of the new version keeps the code of a grid of the old version when they
are clearly the same grid: their shared area is at least ``min_share`` (default 50 %) of each of
the two, measured in m². Both shares at or above one half make the pairing one-to-one (two old
grids that do not overlap cannot both hold half of one new grid, except at exactly 50 % each,
where the larger overlap and then the lower code win). Every other new grid gets a new code,
numbered west→east, north→south after the highest sequence the village ever used, so a retired
code is never given to another grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from boundaries.codes import number_grids
from boundaries.households import assign_buildings
from boundaries.topology import measure_m2, polygonal

__all__ = [
    "SAME_SHAPE_TOLERANCE_DEG",
    "match_codes",
    "assign_codes",
    "same_shape",
    "diff_versions",
    "VersionDiff",
]

SAME_SHAPE_TOLERANCE_DEG = 1e-9
"""Vertices this close (degrees, about 0.1 mm) are the same vertex: far below the 8 decimals
(about 1 mm) that answers and exports carry, far above the ~1e-14° a round trip through a
Gauss–Krüger zone moves them. A grid re-imported or republished within it is not a new version."""


def same_shape(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Whether two grid geometries are the same to within :data:`SAME_SHAPE_TOLERANCE_DEG`:
    vertex for vertex (vertex order and start point aside), or else no point of either's
    outline (vertices and edge midpoints) farther than that from the other's.
    """
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), SAME_SHAPE_TOLERANCE_DEG):
        return True
    if a.is_empty or b.is_empty or shapely.get_dimensions(a) != shapely.get_dimensions(b):
        return bool(a.is_empty and b.is_empty)
    # normalising may start two rings at different corners when a tiny shift reorders them
    return bool(shapely.hausdorff_distance(a, b, densify=0.25) <= SAME_SHAPE_TOLERANCE_DEG)


def match_codes(
    old: Sequence[BaseGeometry],
    old_codes: Sequence[str],
    new: Sequence[BaseGeometry],
    *,
    min_share: float = 0.5,
) -> list[str | None]:
    """The code each new grid keeps (None: a new code is needed), by the rule above."""
    if not 0.5 <= min_share <= 1.0:
        raise ValueError(f"`min_share` was {min_share} but is expected to be in [0.5, 1]")
    if len(old) != len(old_codes):
        raise ValueError(f"{len(old)} old grids but {len(old_codes)} codes")
    result: list[str | None] = [None] * len(new)
    if len(old) == 0 or len(new) == 0:
        return result
    old_arr = np.asarray([polygonal(g) for g in old], dtype=object)
    new_arr = np.asarray([polygonal(g) for g in new], dtype=object)
    n_idx, o_idx = shapely.STRtree(old_arr).query(new_arr, predicate="intersects")
    if len(n_idx) == 0:
        return result
    shared = measure_m2(shapely.intersection(new_arr[n_idx], old_arr[o_idx]))
    new_area = measure_m2(new_arr)
    old_area = measure_m2(old_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (shared >= min_share * new_area[n_idx]) & (shared >= min_share * old_area[o_idx])
    pairs = sorted(
        ((float(shared[k]), str(old_codes[o_idx[k]]), int(n_idx[k])) for k in np.flatnonzero(ok)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    taken: set[str] = set()
    for _, code, n in pairs:
        if result[n] is None and code not in taken:
            result[n] = code
            taken.add(code)
    return result


def assign_codes(
    village_code: str,
    old: Sequence[BaseGeometry],
    old_codes: Sequence[str],
    new: Sequence[BaseGeometry],
    *,
    highest_sequence: int,
    min_share: float = 0.5,
) -> tuple[list[str], list[bool]]:
    """Codes for every new grid: kept ones by :func:`match_codes`, the rest numbered in reading
    order from ``highest_sequence + 1``. Returns the codes and whether each one is kept.
    """
    kept = match_codes(old, old_codes, new, min_share=min_share)
    fresh = [i for i, code in enumerate(kept) if code is None]
    codes = [c or "" for c in kept]
    if fresh:
        numbered = number_grids(
            village_code, [new[i] for i in fresh], start=int(highest_sequence) + 1
        )
        for i, code in zip(fresh, numbered, strict=True):
            codes[i] = code
    return codes, [c is not None for c in kept]


@dataclass
class VersionDiff:
    """What changed between two sets of grids of one area."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reshaped: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    households_moved: int = 0
    buildings_moved: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "added": self.added,
            "removed": self.removed,
            "reshaped": self.reshaped,
            "changed": self.changed,
            "unchanged": len(self.unchanged),
            "households_moved": self.households_moved,
            "buildings_moved": self.buildings_moved,
            "moves": self.moves,
        }


def diff_versions(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    attributes: Sequence[str] = (),
) -> VersionDiff:
    """Compare two sets of grids keyed by ``code`` (EPSG:4490).

    ``added``/``removed``: codes in only one of the two. ``reshaped``: codes in both whose
    geometry differs, with the areas before and after and the area that changed hands (the
    symmetric difference) in m². ``changed``: same geometry, other attributes differ (those of
    ``attributes`` present in both; the caller says which a grid has). ``moves``: for each
    pair of grids, the buildings and households whose grid (by containment) differs between
    the two versions; ``None`` stands for "in no grid".
    """
    out = VersionDiff()
    b_codes = [str(c) for c in before["code"]]
    a_codes = [str(c) for c in after["code"]]
    b_pos = {c: i for i, c in enumerate(b_codes)}
    a_pos = {c: i for i, c in enumerate(a_codes)}
    out.added = sorted(set(a_codes) - set(b_codes))
    out.removed = sorted(set(b_codes) - set(a_codes))
    both = sorted(set(a_codes) & set(b_codes))
    columns = [c for c in attributes if c in before.columns and c in after.columns]
    reshaped: list[tuple[str, BaseGeometry, BaseGeometry]] = []
    for code in both:
        g0 = before.geometry.iloc[b_pos[code]]
        g1 = after.geometry.iloc[a_pos[code]]
        if not same_shape(g0, g1):
            reshaped.append((code, g0, g1))
            continue
        fields = [
            c
            for c in columns
            if _value(before[c].iloc[b_pos[code]]) != _value(after[c].iloc[a_pos[code]])
        ]
        if fields:
            out.changed.append({"code": code, "fields": fields})
        else:
            out.unchanged.append(code)
    if reshaped:
        a0 = measure_m2([polygonal(t[1]) for t in reshaped])
        a1 = measure_m2([polygonal(t[2]) for t in reshaped])
        delta = measure_m2([polygonal(shapely.symmetric_difference(t[1], t[2])) for t in reshaped])
        for (code, _, _), x0, x1, d in zip(reshaped, a0, a1, delta, strict=True):
            out.reshaped.append(
                {
                    "code": code,
                    "area_before_m2": round(float(x0), 1),
                    "area_after_m2": round(float(x1), 1),
                    "area_changed_m2": round(float(d), 1),
                }
            )
    if buildings is not None and not buildings.empty:
        _moves(out, before, after, b_codes, a_codes, buildings)
    return out


def _value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    return value


def _moves(
    out: VersionDiff,
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    b_codes: list[str],
    a_codes: list[str],
    buildings: gpd.GeoDataFrame,
) -> None:
    shapes = np.asarray(buildings.geometry.array, dtype=object)
    households = np.asarray(buildings["households"], dtype=float)
    g0 = assign_buildings(list(before.geometry), shapes).grid
    g1 = assign_buildings(list(after.geometry), shapes).grid
    c0 = np.array([*b_codes, None], dtype=object)[g0]
    c1 = np.array([*a_codes, None], dtype=object)[g1]
    flows: dict[tuple[str | None, str | None], list[float]] = {}
    for i in np.flatnonzero(c0 != c1):
        key = (c0[i], c1[i])
        flow = flows.setdefault(key, [0, 0.0])
        flow[0] += 1
        flow[1] += households[i]
    for (src, dst), (count, hh) in sorted(
        flows.items(), key=lambda t: (-t[1][1], str(t[0][0]), str(t[0][1]))
    ):
        out.moves.append(
            {"from": src, "to": dst, "buildings": int(count), "households": int(round(hh))}
        )
    out.buildings_moved = int(sum(f[0] for f in flows.values()))
    out.households_moved = int(round(sum(f[1] for f in flows.values())))
