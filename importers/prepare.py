"""From a file to a canonical, validated GeoDataFrame in EPSG:4490 — or a list of problems.

``prepare`` never writes anywhere. It needs to know what the database already holds (the
administrative areas, to check parents and villages), which the caller passes as a
``Context``; so this package stays free of the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from boundaries.errors import InvalidInput, Problem, ValidationFailed
from importers import checks
from importers import crs as crs_mod
from importers import geometry as geo
from importers.columns import map_columns
from importers.layers import KEY_FALLBACK, LayerSpec
from importers.readers import SourceTable, read_source
from importers.values import blank

AREA_COLUMNS = ["code", "name", "level", "kind", "parent_code", "geometry"]


@dataclass
class Context:
    """What the store already holds that an import is checked against."""

    areas: gpd.GeoDataFrame = field(
        default_factory=lambda: gpd.GeoDataFrame(
            {c: [] for c in AREA_COLUMNS[:-1]}, geometry=[], crs=4490
        )
    )


@dataclass
class PreparedLayer:
    """A layer ready to store: canonical columns, EPSG:4490, every row checked."""

    spec: LayerSpec
    frame: gpd.GeoDataFrame
    source: SourceTable
    crs: str
    warnings: list[Problem]
    ignored_columns: list[str]

    @property
    def rows(self) -> int:
        """How many features the file holds."""
        return len(self.frame)


def layer_spec(layer: str, layers: Mapping[str, LayerSpec]) -> LayerSpec:
    """The spec of a layer name among ``layers``, or ``InvalidInput`` listing them."""
    spec = layers.get(layer.replace("_", "-"))
    if spec is None:
        raise InvalidInput(f"unknown layer {layer!r}; layers are {', '.join(layers)}")
    return spec


def prepare(
    spec: LayerSpec,
    path: str | Path,
    *,
    crs: str | None = None,
    file_layer: str | None = None,
    context: Context | None = None,
) -> PreparedLayer:
    """Read, map, parse, convert and check a layer file. ``ValidationFailed`` lists every
    problem (file, row, field, reason); nothing is returned half-checked.
    """
    context = context or Context()
    source = read_source(path, layer=file_layer)
    problems: list[Problem] = list(source.problems)
    warnings: list[Problem] = []

    source_crs: str | CRS | None = crs_mod.parse_crs_option(crs) if crs else source.crs
    if source_crs is None:
        raise ValidationFailed(
            [
                Problem(
                    reason="the file does not say its coordinate system; pass --crs "
                    f"({crs_mod.CHOICES})",
                    file=source.name,
                )
            ],
            summary=f"{source.name}: no CRS",
        )

    mapping, ignored = _mapping(spec, source)
    for f in spec.fields:
        if f.required and f.name not in mapping.values():
            names = ", ".join(f.column_names)
            problems.append(
                Problem(
                    reason=f"no column for required field '{f.name}' (accepted names: {names})",
                    file=source.name,
                )
            )
    if problems and not len(source.frame):
        raise ValidationFailed(problems, summary=f"{source.name}: cannot be imported")
    if any(p.row is None for p in problems):
        raise ValidationFailed(problems, summary=f"{source.name}: cannot be imported")

    records = _parse_rows(spec, source, mapping, problems)
    geoms = _geometries(spec, source, source_crs, problems)
    # object columns: pandas would otherwise infer string/float dtypes and turn None into NaN
    columns = {name: pd.Series(values, dtype=object) for name, values in records.items()}
    frame = gpd.GeoDataFrame(columns, geometry=geoms, crs=4490)
    frame["_row"] = [source.row_number(i) for i in range(len(frame))]
    bad_rows = {p.row for p in problems if p.row is not None}
    ok = ~frame["_row"].isin(bad_rows)

    _derive_keys(spec, frame, ok)
    checks.duplicate_keys(spec, frame, source, problems)
    checker = checks.LAYER_CHECKS.get(spec.name)
    if checker is not None:
        checker(frame, ok.to_numpy(), checks.CheckRun(source, context, problems, warnings))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.field or ""))
        raise ValidationFailed(
            problems,
            summary=f"{source.name}: {len(problems)} problem{'s' if len(problems) > 1 else ''}; "
            "nothing was written",
        )
    frame = frame.drop(columns=["_row"]).reset_index(drop=True)
    return PreparedLayer(
        spec=spec,
        frame=frame,
        source=source,
        crs=crs_mod.describe(source_crs),
        warnings=warnings,
        ignored_columns=ignored,
    )


def _mapping(spec: LayerSpec, source: SourceTable) -> tuple[dict[str, str], list[str]]:
    columns = [c for c in source.frame.columns if c != source.frame.geometry.name]
    mapping, ignored = map_columns(columns, {f.name: f.column_names for f in spec.fields})
    for canonical, fallbacks in KEY_FALLBACK.items():
        if spec.key == canonical and canonical not in mapping.values():
            for column in list(ignored):
                if column.strip().lower() in fallbacks:
                    mapping[column] = canonical
                    ignored.remove(column)
                    break
    return mapping, ignored


def _parse_rows(
    spec: LayerSpec, source: SourceTable, mapping: dict[str, str], problems: list[Problem]
) -> dict[str, list[Any]]:
    by_field = {f: c for c, f in mapping.items()}
    frame = source.frame
    records: dict[str, list[Any]] = {}
    for f in spec.fields:
        column = by_field.get(f.name)
        cells = frame[column].tolist() if column is not None else [None] * len(frame)
        parsed: list[Any] = []
        for i, cell in enumerate(cells):
            if blank(cell):
                if f.required and column is not None:
                    problems.append(source.problem(i, "is empty but required", field=column))
                parsed.append(f.default)
                continue
            try:
                parsed.append(f.parse(cell))
            except ValueError as exc:
                problems.append(source.problem(i, str(exc), field=column))
                parsed.append(None)
        records[f.name] = parsed
    return records


def _geometries(
    spec: LayerSpec, source: SourceTable, source_crs: str | CRS, problems: list[Problem]
) -> np.ndarray:
    raw = np.asarray(source.frame.geometry.values, dtype=object)
    out = np.empty(len(raw), dtype=object)
    usable: list[int] = []
    lonlat = crs_mod.needs_lonlat_check(source_crs)
    already = {p.row for p in problems if p.field and "/" in p.field}  # unreadable lon/lat
    for i, g in enumerate(raw):
        if source.row_number(i) in already:
            continue
        why = geo.kind_problem(g, spec.geometry)
        if why is None and lonlat:
            why = geo.range_problem(g)
        if why is not None:
            problems.append(source.problem(i, why, field="geometry"))
            continue
        out[i] = geo.normalise(g, spec.geometry)
        usable.append(i)
    if usable:
        idx = np.array(usable)
        try:
            out[idx] = crs_mod.to_storage(out[idx], source_crs)
        except Exception as exc:  # noqa: BLE001 - PROJ/coords errors become one clear problem
            problems.append(
                Problem(
                    reason=f"cannot convert from {crs_mod.describe(source_crs)}: {exc}",
                    file=source.name,
                )
            )
            return out
    for i in usable:
        g = out[i]
        if not lonlat:
            why = geo.range_problem(g)
            if why is not None:
                problems.append(source.problem(i, why + " after conversion", field="geometry"))
                out[i] = None
                continue
        invalid = geo.validity_problem(g)
        if invalid is not None:
            problems.append(
                source.problem(i, invalid[0], field="geometry", where=invalid[1] or None)
            )
    return out


def _derive_keys(spec: LayerSpec, frame: gpd.GeoDataFrame, ok: pd.Series) -> None:
    if spec.key_prefix is None:
        return
    keys = np.array(frame[spec.key], dtype=object)
    for i in np.flatnonzero(ok.to_numpy() & pd.isna(frame[spec.key]).to_numpy()):
        keys[i] = geo.stable_key(spec.key_prefix, frame.geometry.iat[i])
    frame[spec.key] = keys
