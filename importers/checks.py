"""Checks across rows and against the stored areas: hierarchy, villages, duplicates, overlaps.

Each layer check takes the whole frame and a mask of rows that passed the per-row checks,
may fill derived columns in place, and appends problems (errors) or warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from boundaries import codes
from boundaries.errors import Problem
from boundaries.projection import area_m2
from importers.layers import CAMERA_DEFAULT_FOV, CAMERA_DEFAULT_RANGE_M, LayerSpec
from importers.readers import SourceTable

TOLERANCE_M2 = 1.0
"""Area (m²) a grid may stick out of its village, or overlap another, before it is an error."""
PARENT_TOLERANCE = 0.01
"""Share of an area that may lie outside its parent before a warning."""


@dataclass
class CheckRun:
    """What every layer check works with: the file, the stored areas, and the two lists it
    appends to (problems are errors; warnings do not stop the import).
    """

    source: SourceTable
    context: Any
    problems: list[Problem]
    warnings: list[Problem]


Check = Callable[[gpd.GeoDataFrame, np.ndarray, CheckRun], None]


def _problem(source: SourceTable, row: int, reason: str, **kw: Any) -> Problem:
    return Problem(reason=reason, file=source.name, row=int(row), row_word=source.row_word, **kw)


def _lonlat(point: shapely.Point) -> str:
    return f"lon {point.x:.6f}, lat {point.y:.6f}"


def duplicate_keys(
    spec: LayerSpec, frame: gpd.GeoDataFrame, source: SourceTable, problems: list[Problem]
) -> None:
    """Two rows with the same key: the second is named, with the row of the first."""
    keys = frame[spec.key]
    seen: dict[Any, int] = {}
    for row, key in zip(frame["_row"], keys, strict=True):
        if key is None:
            continue
        if key in seen:
            problems.append(
                _problem(
                    source,
                    row,
                    f"duplicate {spec.key} (also on row {seen[key]})",
                    field=spec.key,
                    code=str(key),
                )
            )
        else:
            seen[key] = row


def _village_table(context_areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return context_areas[context_areas["level"] == "village"]


def check_admin_areas(frame: gpd.GeoDataFrame, ok: np.ndarray, run: CheckRun) -> None:
    """Levels agree with codes, parents exist and agree with codes, villages have a kind."""
    source, context, problems, warnings = run.source, run.context, run.problems, run.warnings
    known = set(context.areas["code"]) | set(frame.loc[ok, "code"])
    known_levels = dict(zip(context.areas["code"], context.areas["level"], strict=True))
    for i in np.flatnonzero(ok):
        row, code = frame["_row"].iat[i], frame["code"].iat[i]
        derived = codes.area_level(code)
        given = frame["level"].iat[i]
        if given is not None and given != derived:
            problems.append(
                _problem(
                    source,
                    row,
                    f"level is '{given}' but the code is a {derived} code",
                    field="level",
                    code=code,
                )
            )
        frame.iat[i, frame.columns.get_loc("level")] = derived
        name = frame["name"].iat[i] or ""
        kind = frame["kind"].iat[i]
        if derived == "village" and kind is None:
            kind = (
                "社区"
                if ("社区" in name or name.endswith("居委会"))
                else ("村" if name.endswith(("村", "村委会", "村民委员会")) else None)
            )
            if kind is None:
                problems.append(
                    _problem(
                        source,
                        row,
                        "a village needs kind 社区 or 村 (not derivable from its name)",
                        field="kind",
                        code=code,
                    )
                )
        if derived != "village" and kind is not None:
            problems.append(
                _problem(
                    source,
                    row,
                    f"kind '{kind}' applies to villages only, this is a {derived}",
                    field="kind",
                    code=code,
                )
            )
        frame.iat[i, frame.columns.get_loc("kind")] = kind
        parent = frame["parent_code"].iat[i]
        expected = codes.parent_code(code)
        if parent is None:
            parent = expected
        elif expected is not None and parent != expected:
            problems.append(
                _problem(
                    source,
                    row,
                    f"parent_code {parent} does not match the code, whose parent is {expected}",
                    field="parent_code",
                    code=code,
                )
            )
        if parent is not None and parent not in known:
            problems.append(
                _problem(
                    source,
                    row,
                    f"unknown parent code {parent}: not in this "
                    "file nor in the database (import the parent first)",
                    field="parent_code",
                    code=code,
                )
            )
        elif parent is not None and known_levels.get(parent, "") == "village":
            problems.append(
                _problem(
                    source, row, f"parent {parent} is a village", field="parent_code", code=code
                )
            )
        frame.iat[i, frame.columns.get_loc("parent_code")] = parent
    _children_inside_parents(frame, ok, source, context, warnings)


def _children_inside_parents(
    frame: gpd.GeoDataFrame,
    ok: np.ndarray,
    source: SourceTable,
    context: Any,
    warnings: list[Problem],
) -> None:
    geoms = dict(zip(context.areas["code"], context.areas.geometry, strict=True))
    geoms.update(zip(frame.loc[ok, "code"], frame.loc[ok].geometry, strict=True))
    for i in np.flatnonzero(ok):
        parent = frame["parent_code"].iat[i]
        if parent not in geoms or geoms[parent] is None:
            continue
        child = frame.geometry.iat[i]
        outside = float(area_m2(child.difference(geoms[parent])))
        child_area = max(float(area_m2(child)), 1.0)
        if outside > PARENT_TOLERANCE * child_area:
            warnings.append(
                _problem(
                    source,
                    frame["_row"].iat[i],
                    f"{outside:,.0f} m² ({outside / child_area:.1%}) "
                    f"lies outside its parent {parent}",
                    code=frame["code"].iat[i],
                )
            )


def check_grids(frame: gpd.GeoDataFrame, ok: np.ndarray, run: CheckRun) -> None:
    """Each grid names an existing village, lies inside it, and overlaps no other grid."""
    source, context, problems = run.source, run.context, run.problems
    villages = _village_table(context.areas)
    village_geom = dict(zip(villages["code"], villages.geometry, strict=True))
    checked: list[int] = []
    for i in np.flatnonzero(ok):
        row, code = frame["_row"].iat[i], frame["code"].iat[i]
        village = frame["village_code"].iat[i]
        if village is None:
            village = code[:12]
            frame.iat[i, frame.columns.get_loc("village_code")] = village
        elif village != code[:12]:
            problems.append(
                _problem(
                    source,
                    row,
                    f"village_code {village} differs from the code's village part {code[:12]}",
                    field="village_code",
                    code=code,
                )
            )
            continue
        if village not in village_geom:
            problems.append(
                _problem(
                    source,
                    row,
                    f"unknown village code {village}: import the village (admin-areas) first",
                    field="village_code",
                    code=code,
                )
            )
            continue
        checked.append(int(i))
    if not checked:
        return
    idx = np.array(checked)
    # Overlay in storage coordinates (where edges are straight, as PostGIS sees them); only
    # the resulting pieces are projected, to measure them in metres.
    grids = np.asarray(frame.geometry.values[idx], dtype=object)
    parents = np.array([village_geom[frame["village_code"].iat[i]] for i in idx], dtype=object)
    outside = shapely.difference(grids, parents)
    areas = np.asarray(area_m2(gpd.GeoSeries(outside, crs=4490)), dtype=float)
    for k in np.flatnonzero(areas > TOLERANCE_M2):
        i = idx[k]
        problems.append(
            _problem(
                source,
                frame["_row"].iat[i],
                f"the grid extends {areas[k]:,.1f} m² outside its village "
                f"{frame['village_code'].iat[i]}",
                code=frame["code"].iat[i],
                field="geometry",
                where=_lonlat(shapely.point_on_surface(outside[k])),
            )
        )
    _overlaps(frame, idx, grids, source, problems)


def _overlaps(
    frame: gpd.GeoDataFrame,
    idx: np.ndarray,
    geoms: np.ndarray,
    source: SourceTable,
    problems: list[Problem],
) -> None:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    common = shapely.intersection(geoms[left], geoms[right])
    areas = np.asarray(area_m2(gpd.GeoSeries(common, crs=4490)), dtype=float)
    for k in np.flatnonzero(areas > TOLERANCE_M2):
        i, j = idx[left[k]], idx[right[k]]
        problems.append(
            _problem(
                source,
                frame["_row"].iat[j],
                f"overlaps grid {frame['code'].iat[i]} (row {frame['_row'].iat[i]}) "
                f"by {areas[k]:,.1f} m²",
                code=frame["code"].iat[j],
                field="geometry",
                where=_lonlat(shapely.point_on_surface(common[k])),
            )
        )


def check_buildings(frame: gpd.GeoDataFrame, ok: np.ndarray, run: CheckRun) -> None:
    """A given village must exist; a missing one is found by where the building stands."""
    source, context, problems, warnings = run.source, run.context, run.problems, run.warnings
    villages = _village_table(context.areas)
    known = set(villages["code"])
    given = np.array(frame["village_code"], dtype=object)
    for i in np.flatnonzero(ok & (given != None)):  # noqa: E711 - elementwise test
        if given[i] not in known:
            problems.append(
                _problem(
                    source,
                    frame["_row"].iat[i],
                    f"unknown village code {given[i]}",
                    field="village_code",
                    code=frame["code"].iat[i],
                )
            )
    missing = np.flatnonzero(ok & (given == None))  # noqa: E711
    if len(missing) == 0 or len(villages) == 0:
        if len(missing):
            warnings.append(
                Problem(
                    reason=f"{len(missing)} buildings have no village_code and no "
                    "villages are loaded to find one",
                    file=source.name,
                )
            )
        return
    points = shapely.point_on_surface(frame.geometry.values[missing])
    tree = shapely.STRtree(villages.geometry.values)
    pt_idx, vil_idx = tree.query(points, predicate="intersects")
    found = np.full(len(missing), None, dtype=object)
    codes_arr = villages["code"].to_numpy(dtype=object)
    order = np.lexsort((codes_arr[vil_idx], pt_idx))
    for p, vcode in zip(pt_idx[order][::-1], codes_arr[vil_idx][order][::-1], strict=True):
        found[p] = vcode
    given[missing] = found
    frame["village_code"] = given
    lost = int(sum(f is None for f in found))
    if lost:
        warnings.append(
            Problem(
                reason=f"{lost} buildings lie in no loaded village; stored without a village",
                file=source.name,
            )
        )


def check_cameras(frame: gpd.GeoDataFrame, ok: np.ndarray, run: CheckRun) -> None:
    """Directional cameras need a heading; missing view figures get stated defaults."""
    source, problems, warnings = run.source, run.problems, run.warnings
    heading = np.array(frame["heading"], dtype=object)
    fov = np.array(frame["fov"], dtype=object)
    rng = np.array(frame["range_m"], dtype=object)
    no_fov = ok & (fov == None)  # noqa: E711
    fov[no_fov & (heading == None)] = 360.0  # noqa: E711
    fov[no_fov & (heading != None)] = CAMERA_DEFAULT_FOV  # noqa: E711
    if no_fov.any():
        warnings.append(
            Problem(
                reason=f"{int(no_fov.sum())} cameras have no field of view: "
                f"360° assumed without a heading, {CAMERA_DEFAULT_FOV:g}° with one",
                file=source.name,
            )
        )
    no_range = ok & (rng == None)  # noqa: E711
    rng[no_range] = CAMERA_DEFAULT_RANGE_M
    if no_range.any():
        warnings.append(
            Problem(
                reason=f"{int(no_range.sum())} cameras have no range: "
                f"{CAMERA_DEFAULT_RANGE_M:g} m assumed",
                file=source.name,
            )
        )
    for i in np.flatnonzero(ok & (heading == None)):  # noqa: E711
        if fov[i] is not None and fov[i] < 360:
            problems.append(
                _problem(
                    source,
                    frame["_row"].iat[i],
                    f"a camera with a {fov[i]:g}° field of view needs a heading",
                    field="heading",
                    code=frame["id"].iat[i],
                )
            )
    frame["fov"] = fov
    frame["range_m"] = rng


def check_relocation_sites(frame: gpd.GeoDataFrame, ok: np.ndarray, run: CheckRun) -> None:
    """The managing area must exist; origin villages not loaded are only warned about."""
    source, context, problems, warnings = run.source, run.context, run.problems, run.warnings
    levels = dict(zip(context.areas["code"], context.areas["level"], strict=True))
    for i in np.flatnonzero(ok):
        row, code = frame["_row"].iat[i], frame["code"].iat[i]
        managing = frame["managing_area_code"].iat[i]
        if managing is not None and managing not in levels:
            problems.append(
                _problem(
                    source,
                    row,
                    f"unknown managing area code {managing}",
                    field="managing_area_code",
                    code=code,
                )
            )
        origins = frame["origin_village_codes"].iat[i] or ()
        unknown = [c for c in origins if c not in levels]
        if unknown:
            warnings.append(
                _problem(
                    source,
                    row,
                    f"origin villages not loaded: {', '.join(unknown)}",
                    field="origin_village_codes",
                    code=code,
                )
            )


LAYER_CHECKS: dict[str, Check] = {
    "admin-areas": check_admin_areas,
    "grids": check_grids,
    "buildings": check_buildings,
    "cameras": check_cameras,
    "relocation-sites": check_relocation_sites,
}
