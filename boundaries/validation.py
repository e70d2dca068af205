"""Validate a set of grids against their villages and buildings: topology, households, codes.

Pure: GeoDataFrames in (EPSG:4490 lon/lat), a :class:`~boundaries.report.ValidationReport` out.
Overlays happen in storage coordinates and only the pieces are measured in metres (see
``boundaries.topology``).

What is checked (severity in brackets; errors are never accepted at publishing):

- invalid geometry [error]: missing, not a polygon, or not valid (where, and the GEOS reason);
  the other checks use ``make_valid``'s polygonal part;
- codes [error]: malformed grid codes, a code used twice, a code of another village; a grid
  without a code is new and gets one when published;
- village [error]: a ``village_code`` that is not a village of the area;
- outside the village [error]: the part of a grid outside its village, above
  ``outside_min_m2``;
- overlaps [error]: the shared part of two grids, above ``overlap_min_m2``;
- gaps [warning]: parts of a village covered by no grid, above ``gap_min_m2``;
- multipart [warning]: a grid in more than one piece (not contiguous);
- slivers [warning]: a piece of a grid smaller than ``sliver_max_area_m2`` or thinner than
  ``sliver_max_width_m`` (mean width ``2 · area / perimeter``);
- households [warning]: the households of a grid counted from the buildings it holds
  (``boundaries.households``: by containment of each building's representative point), and
  the stored figure, outside the standard of its village's kind (社区 or 村); a building with
  more households than the ceiling on its own is named;
- buildings [warning]: buildings inside the villages that no grid holds, buildings in two grids;
- staffing [warning]: grids without a leader.
"""

from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from boundaries.building_checks import Counted, count_buildings
from boundaries.codes import parse_grid_code
from boundaries.errors import InvalidCode
from boundaries.frames import check_frame, column, grid_keys
from boundaries.report import (
    GridSummary,
    Issue,
    ValidationReport,
    ValidationRules,
    VillageSummary,
    make_issue,
)
from boundaries.topology import (
    gap_issues,
    geometry_issues,
    measure_m2,
    outside_issues,
    overlap_issues,
    shape_issues,
)

__all__ = ["Issue", "ValidationReport", "ValidationRules", "validate_grids"]

GRID_COLUMNS = ("key", "code", "name", "village_code", "households", "leader_name")


def _code_issues(keys: list[str], codes: list[object], villages: list[str | None]) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[str, list[str]] = defaultdict(list)
    for key, code, village in zip(keys, codes, villages, strict=True):
        if code is None or code == "":
            continue
        try:
            parsed = parse_grid_code(str(code))
        except InvalidCode as exc:
            issues.append(make_issue("malformed_code", key, exc.message, grids=(key,)))
            continue
        seen[parsed.code].append(key)
        if village is not None and parsed.village_code != village:
            issues.append(
                make_issue(
                    "code_village_mismatch",
                    key,
                    f"grid {key} has code {code} of village {parsed.village_code} but lies in "
                    f"village {village}",
                    grids=(key,),
                )
            )
    for code, holders in sorted(seen.items()):
        if len(holders) > 1:
            issues.append(
                make_issue(
                    "duplicate_code",
                    code,
                    f"code {code} is used by {len(holders)} grids: {', '.join(holders)}",
                    grids=tuple(holders),
                )
            )
    return issues


def _villages_of(
    keys: list[str], given: list[object], geoms: list[MultiPolygon], villages: gpd.GeoDataFrame
) -> tuple[list[str | None], list[Issue]]:
    """The village of each grid: the given ``village_code``, else the one it overlaps most."""
    codes = [str(c) for c in villages["code"]]
    vgeoms = np.asarray(villages.geometry.array, dtype=object)
    tree = shapely.STRtree(vgeoms)
    out: list[str | None] = []
    issues: list[Issue] = []
    for key, code, geom in zip(keys, given, geoms, strict=True):
        if code not in (None, ""):
            if str(code) in codes:
                out.append(str(code))
                continue
            issues.append(
                make_issue(
                    "unknown_village",
                    key,
                    f"grid {key} names village {code}, which is not a village of this area",
                    geometry=None if geom.is_empty else geom.representative_point(),
                    grids=(key,),
                )
            )
            out.append(None)
            continue
        hits = tree.query(geom, predicate="intersects") if not geom.is_empty else []
        if len(hits) == 0:
            out.append(None)
            continue
        shares = shapely.area(shapely.intersection(vgeoms[hits], geom))
        out.append(codes[int(hits[int(np.argmax(shares))])])
    return out, issues


def validate_grids(
    grids: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    rules: ValidationRules | None = None,
) -> ValidationReport:
    """Validate ``grids`` as the grids of ``villages`` (see the module docstring).

    Args:
        grids: One row per grid (EPSG:4490). Optional columns: ``key`` (how the report names the
            grid; default its code or ``#row``), ``code``, ``name``, ``village_code`` (default:
            the village it overlaps most), ``households`` (the stored figure), ``leader_name``.
        villages: The villages/communities the grids must tile: ``code``, ``kind`` (社区/村),
            optionally ``name``.
        buildings: ``households`` per building (points or footprints); only those whose
            representative point lies in one of the villages are considered. None or empty:
            households are checked from the stored figures only.
        rules: Thresholds and standards.

    Returns:
        The report; its issues are ordered errors first, then by kind and subject.

    """
    rules = rules or ValidationRules()
    check_frame(grids, "grids")
    check_frame(villages, "villages", ("code", "kind"))
    if villages.empty:
        raise ValueError("`villages` is empty; grids are validated against their villages")
    keys = grid_keys(grids)
    raw = np.asarray(grids.geometry.array, dtype=object)
    geoms, issues = geometry_issues(keys, raw)
    village_of, village_issues = _villages_of(keys, column(grids, "village_code"), geoms, villages)
    issues += village_issues
    issues += _code_issues(keys, column(grids, "code"), village_of)
    vgeom = {str(c): g for c, g in zip(villages["code"], villages.geometry, strict=True)}
    kind_of = {str(c): k for c, k in zip(villages["code"], villages["kind"], strict=True)}
    issues += outside_issues(keys, geoms, village_of, vgeom, rules)
    issues += overlap_issues(keys, geoms, rules)
    gaps, gap_total = gap_issues(geoms, villages, rules)
    issues += gaps
    shape, parts, compactness = shape_issues(keys, geoms, rules)
    issues += shape
    counted = count_buildings(keys, geoms, village_of, villages, buildings, kind_of, rules)
    issues += counted.issues
    stored = column(grids, "households")
    names = column(grids, "name")
    codes = column(grids, "code")
    leaders = column(grids, "leader_name")
    areas = measure_m2(geoms)
    summaries: list[GridSummary] = []
    for i, key in enumerate(keys):
        village = village_of[i]
        standard = rules.households_range(kind_of.get(village or "")) if village else None
        figure = counted.households[i] if counted.has_buildings.get(village or "") else None
        stored_i = None if stored[i] is None else int(stored[i])  # type: ignore[call-overload]
        issues += _range_issues(key, village, standard, figure, stored_i, counted, i, geoms[i])
        if leaders[i] in (None, "") or not str(leaders[i]).strip():
            issues.append(
                make_issue("no_leader", key, f"grid {key} has no leader (网格长)", grids=(key,))
            )
        basis = figure if figure is not None else stored_i
        status = "unknown"
        if standard is not None and basis is not None:
            status = "below" if basis < standard[0] else "above" if basis > standard[1] else "ok"
        summaries.append(
            GridSummary(
                key=key,
                code=None if codes[i] in (None, "") else str(codes[i]),
                name=None if names[i] is None else str(names[i]),
                village_code=village,
                area_m2=float(areas[i]),
                parts=parts[i],
                compactness=compactness[i],
                buildings=int(counted.buildings[i]),
                households=figure,
                households_stored=stored_i,
                standard=standard,
                status=status,
            )
        )
    village_rows = _village_summaries(villages, village_of, gap_total, counted, rules)
    issues.sort(key=lambda t: (t.severity != "error", t.kind, t.id))
    return ValidationReport(issues=issues, grids=summaries, villages=village_rows, rules=rules)


def _range_issues(
    key: str,
    village: str | None,
    standard: tuple[int, int] | None,
    counted: int | None,
    stored: int | None,
    data: Counted,
    i: int,
    geom: BaseGeometry,
) -> list[Issue]:
    if standard is None:
        return []
    low, high = standard
    where = geom.representative_point() if not geom.is_empty else None
    issues = []
    for kind, figure, source in (
        ("households_buildings", counted, "counted from its buildings"),
        ("households_stored", stored, "stored"),
    ):
        if figure is None or low <= figure <= high:
            continue
        side = "below" if figure < low else "above"
        note = ""
        big = data.biggest[i]
        if side == "above" and big is not None and kind == "households_buildings":
            note = f"; building {big[0]} alone has {big[1]} households, above the ceiling"
        issues.append(
            make_issue(
                kind,
                key,
                f"grid {key} has {figure} households ({source}), {side} the standard "
                f"{low}–{high} of its village {village}{note}",
                geometry=where,
                grids=(key,),
                village_code=village,
                value=figure,
            )
        )
    return issues


def _village_summaries(
    villages: gpd.GeoDataFrame,
    village_of: list[str | None],
    gap_total: dict[str, float],
    counted: Counted,
    rules: ValidationRules,
) -> list[VillageSummary]:
    areas = measure_m2(list(villages.geometry))
    names = column(villages, "name")
    out = []
    for n, (code, kind) in enumerate(zip(villages["code"], villages["kind"], strict=True)):
        code = str(code)
        out.append(
            VillageSummary(
                code=code,
                name=None if names[n] is None else str(names[n]),
                kind=None if kind is None else str(kind),
                area_m2=float(areas[n]),
                gap_m2=gap_total.get(code, 0.0),
                grids=sum(1 for v in village_of if v == code),
                buildings=counted.village_buildings.get(code, 0),
                households=counted.village_households.get(code, 0),
                buildings_unassigned=counted.unassigned.get(code, 0),
                standard=rules.households_range(None if kind is None else str(kind)),
            )
        )
    return out
