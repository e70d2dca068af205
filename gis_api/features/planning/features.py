"""GeoJSON in and out of the planning endpoints: grids as FeatureCollections.

Incoming features are checked one by one, and every problem names the feature (1-based), the
property and the reason; nothing is stored when one is wrong. A geometry that is well-formed
but not valid (a bow-tie, say) is accepted, so a planner can save work in progress; validation
reports where it is invalid, and publishing refuses it. Property names may be English or the
Chinese names the exports use (网格编码, 网格名称 …), so an export can be edited and sent back.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from boundaries import coords
from boundaries.errors import InvalidInput, Problem, ValidationFailed
from gis_api.features.lookup.points import crs_name
from gis_api.schema.fields import DETAIL, PARENT
from gis_api.schema.fields import KEY as KEY_ROLE
from gis_api.schema.layers import GRIDS
from gis_api.schema.layers import INTEGER as INTEGER_TYPE
from gis_api.schema.layers import TEXT as TEXT_TYPE
from gis_api.schema.models import GRID_KINDS
from importers.values import control_character

KEY = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
DRAFT_KEY = "key"
"""A draft grid's own key (not a field of the published layer)."""

#: property → Chinese name (the GeoJSON/GeoPackage exports' optional field names)
CHINESE_NAMES: dict[str, str] = {**GRIDS.labels(), DRAFT_KEY: "草稿编号"}
ALIASES = {zh: en for en, zh in CHINESE_NAMES.items()}
_EDITED = GRIDS.select((KEY_ROLE, PARENT, DETAIL))
TEXT = (DRAFT_KEY, *(f.name for f in _EDITED if f.type == TEXT_TYPE))
INTEGER = tuple(f.name for f in _EDITED if f.type == INTEGER_TYPE)
PROPERTIES = (*TEXT, *INTEGER)


def _problem(index: int, reason: str, field: str | None = None) -> Problem:
    return Problem(reason=reason, row=index + 1, field=field, row_word="feature")


def to_storage(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """Convert a geometry from a named crs to storage coordinates (CGCS2000 ≈ WGS84)."""
    if crs in ("wgs84", "cgcs2000"):
        return geom

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = coords.to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def parse_geometry(data: Any, *, crs: str | None = None) -> BaseGeometry:
    """One GeoJSON geometry in a named crs to a shapely geometry in storage coordinates."""
    name = crs_name(crs)
    if not isinstance(data, dict) or "type" not in data:
        raise InvalidInput("a GeoJSON geometry object with a 'type' is expected")
    try:
        geom = shape(data)
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise InvalidInput(f"the geometry cannot be read: {exc}") from None
    if geom.is_empty:
        raise InvalidInput("the geometry is empty")
    bounds = geom.bounds
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise InvalidInput(
            f"coordinates {[round(b, 6) for b in bounds]} are outside lon [-180, 180] / "
            "lat [-90, 90]: send lon/lat degrees"
        )
    return to_storage(geom, name)


def _value(props: dict[str, Any], field: str, index: int, problems: list[Problem]) -> Any:
    value = props.get(field)
    if value is None or value == "":
        return None
    if field in INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            problems.append(_problem(index, f"{value!r} is not a whole number", field))
            return None
        if value < 0:
            problems.append(_problem(index, f"{value} is negative", field))
            return None
        return int(value)
    if not isinstance(value, str | int):
        problems.append(_problem(index, f"{value!r} is not text", field))
        return None
    why = control_character(str(value))
    if why is not None:
        problems.append(_problem(index, why, field))
        return None
    text = str(value).strip()
    if field == "key" and not KEY.match(text):
        problems.append(_problem(index, f"{text!r}: up to 32 letters, digits, _ . -", field))
    if field == "kind" and text not in GRID_KINDS:
        problems.append(_problem(index, f"{text!r} is not one of {list(GRID_KINDS)}", field))
    return text


def parse_properties(raw: dict[str, Any]) -> dict[str, Any]:
    """Check the given grid properties (English or Chinese names); only those given return."""
    props = {ALIASES.get(k, k): v for k, v in raw.items()}
    unknown = sorted(set(props) - set(PROPERTIES))
    problems = [Problem(reason=f"unknown property {name!r}", field=name) for name in unknown]
    values = {f: _value(props, f, 0, problems) for f in PROPERTIES if f in props}
    if problems:
        raise ValidationFailed(problems=problems, summary="the properties have problems")
    return values


def parse_grids(data: Any, *, crs: str | None = None) -> gpd.GeoDataFrame:
    """A FeatureCollection of grids to a GeoDataFrame (EPSG:4490) with :data:`PROPERTIES`.

    Raises:
        ValidationFailed: naming each feature, property and reason that is wrong.
        UnknownCRS: ``crs`` is not one of wgs84, cgcs2000, gcj02, bd09.

    """
    crs_name(crs)
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput("the body must be a GeoJSON FeatureCollection (or one Feature)")
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidInput("the FeatureCollection has no 'features' list")
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(_problem(i, "is not a GeoJSON Feature"))
            continue
        raw = feature.get("properties") or {}
        props: dict[str, Any] = (
            {str(ALIASES.get(k, k)): v for k, v in raw.items()} if isinstance(raw, dict) else {}
        )
        if "key" not in props and feature.get("id") is not None:
            props["key"] = feature["id"]
        rows.append({f: _value(props, f, i, problems) for f in PROPERTIES})
        try:
            geoms.append(parse_geometry(feature.get("geometry"), crs=crs))
        except InvalidInput as exc:
            problems.append(_problem(i, exc.message, "geometry"))
            geoms.append(None)
    keys = [r["key"] for r in rows if r["key"]]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(Problem(reason=f"key {key!r} is used by more than one feature"))
    if problems:
        raise ValidationFailed(
            problems=problems, summary="the FeatureCollection has problems; nothing was stored"
        )
    data = {p: pd.Series([r[p] for r in rows], dtype=object) for p in PROPERTIES}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=4490), crs=4490)
