"""GeoJSON answers: the models (``geojson-pydantic``) and the one way a FeatureCollection is
built, with coordinates snap-rounded to the layer's precision.

Rounding each coordinate on its own can make a valid polygon invalid (two edges a tenth of a
millimetre apart end up crossing). Snap rounding (``shapely.set_precision``, GEOS's precision
reducer) rounds to the same grid and repairs what the rounding would break, so every geometry
served is valid and within half a grid cell of the stored one. A geometry that is stored
invalid (a draft in progress) is rounded point by point: it is shown as it is, not repaired.
In SQL the same is ``ST_ReducePrecision`` (:func:`served_geojson`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal

import geojson_pydantic
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geojson_pydantic.geometries import Geometry as StrictGeometry
from pydantic import Field
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, case, func, or_
from starlette.responses import JSONResponse

from gis_api.schema.answers import Answer
from gis_api.schema.fields import PRECISION, Layer

SINGLE_TO_MULTI: dict[str, Any] = {
    "Polygon": shapely.MultiPolygon,
    "LineString": shapely.MultiLineString,
    "Point": shapely.MultiPoint,
}
"""Snap rounding may leave one part of a multi-geometry; it is served as the type stored."""

GeoJSONFeature = geojson_pydantic.Feature[StrictGeometry, dict[str, Any]]
"""One feature of an answer."""
GeoJSONFeatureCollection = geojson_pydantic.FeatureCollection[GeoJSONFeature]
"""A FeatureCollection answer (members beyond ``features``, such as ``name``, may follow)."""

# The answer models the OpenAPI document shows (lenient: properties are each route's own;
# the strict models above check what is served, in the tests).
GEOJSON_MEDIA_TYPE = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """``response_class`` of a route answering GeoJSON (documents its media type)."""

    media_type = GEOJSON_MEDIA_TYPE


class Geometry(Answer):
    """A GeoJSON geometry."""

    type: Literal[
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    ]
    coordinates: list[Any] | None = Field(None, description="absent for a GeometryCollection")
    geometries: list[dict[str, Any]] | None = Field(None, description="GeometryCollection only")


class Feature(Answer):
    """A GeoJSON Feature."""

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: Geometry | None
    properties: dict[str, Any] | None


class FeatureCollection(Answer):
    """A GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[Feature]


def digits_of(layer: Layer | None, precision: int | None = None) -> int:
    """The decimal digits served: the layer's, or ``precision``, or the default."""
    if precision is not None:
        return precision
    return layer.precision if layer is not None else PRECISION


def snap(geom: BaseGeometry | None, digits: int = PRECISION) -> BaseGeometry | None:
    """``geom`` on a grid of ``10**-digits`` degrees, valid if it was valid.

    Each coordinate is rounded; only when that breaks a valid geometry is it snap-rounded
    instead (which may also reorder its vertices), so most geometries keep their vertex order.
    """
    if geom is None or geom.is_empty:
        return None
    rounded = shapely.transform(geom, lambda xy: np.round(xy, digits))
    if rounded.is_valid or not geom.is_valid:
        return rounded
    snapped = shapely.set_precision(geom, 10.0**-digits)
    if "Polygon" in snapped.geom_type:
        snapped = shapely.orient_polygons(snapped)
    if geom.geom_type.startswith("Multi") and snapped.geom_type in SINGLE_TO_MULTI:
        snapped = SINGLE_TO_MULTI[snapped.geom_type]([snapped])
    return snapped


def geometry_json(geom: BaseGeometry | None, digits: int = PRECISION) -> dict[str, Any] | None:
    """A geometry as a GeoJSON object, snap-rounded (None for a missing or empty one)."""
    snapped = snap(geom, digits)
    if snapped is None or snapped.is_empty:
        return None
    return _clean(mapping(snapped))  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    # mapping() gives tuples; coordinates print as the decimals of the grid they are on
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_clean(v) for v in value]
    return value


def json_value(value: Any) -> Any:
    """One property value as JSON: numpy scalars as Python, NaN as null, dates as ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:  # pandas' missing values (Int64 …)
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def feature(
    geometry: Any, properties: dict[str, Any], *, id: str | int | None = None
) -> dict[str, Any]:
    """One Feature; ``geometry`` is a GeoJSON object (or a pre-encoded fragment) already."""
    out: dict[str, Any] = {"type": "Feature"}
    if id is not None:
        out["id"] = id
    out["geometry"] = geometry
    out["properties"] = properties
    return out


def features_of(
    frame: gpd.GeoDataFrame,
    *,
    properties: Sequence[str],
    id_column: str | None = None,
    layer: Layer | None = None,
    precision: int | None = None,
) -> list[dict[str, Any]]:
    """The rows of ``frame`` as Features holding only ``properties`` (absent columns: null)."""
    digits = digits_of(layer, precision)
    columns = {
        p: frame[p].tolist() if p in frame.columns else [None] * len(frame) for p in properties
    }
    ids = frame[id_column].tolist() if id_column is not None else None
    out = []
    for n, geom in enumerate(frame.geometry):
        props = {p: json_value(columns[p][n]) for p in properties}
        fid = None if ids is None else str(ids[n])
        out.append(feature(geometry_json(geom, digits), props, id=fid))
    return out


def feature_collection(
    features: gpd.GeoDataFrame | Iterable[dict[str, Any]],
    *,
    properties: Sequence[str] | None = None,
    id_column: str | None = None,
    layer: Layer | None = None,
    precision: int | None = None,
    members: dict[str, Any] | None = None,
    **more: Any,
) -> dict[str, Any]:
    """A FeatureCollection (as a dict, valid against :data:`GeoJSONFeatureCollection`).

    ``features`` is a GeoDataFrame (then ``properties`` names the columns kept, and
    coordinates are snap-rounded to the layer's precision) or Features built already.
    ``members`` and keyword arguments are added to the collection (``name``, ``links``, …;
    a collection's own ``properties`` go in ``members``, the keyword names columns).
    """
    if isinstance(features, gpd.GeoDataFrame):
        if properties is None:
            raise ValueError("`properties` is needed to build features from a GeoDataFrame")
        items = features_of(
            features,
            properties=properties,
            id_column=id_column,
            layer=layer,
            precision=precision,
        )
    else:
        items = list(features)
    return {"type": "FeatureCollection", **(members or {}), **more, "features": items}


def served_geometry(column: Any, layer: Layer) -> ColumnElement[Any]:
    """SQL: :func:`snap` in PostGIS — rounded to the layer's grid, snap-rounded (and kept
    multi if it was) only where rounding would make a valid geometry invalid.
    """
    size = layer.grid_size
    rounded = func.ST_SnapToGrid(column, size)
    snapped = func.ST_ReducePrecision(column, size)
    return case(
        (or_(func.ST_IsValid(rounded), ~func.ST_IsValid(column)), rounded),
        (func.ST_GeometryType(column).like("ST_Multi%"), func.ST_Multi(snapped)),
        else_=snapped,
    )


def served_geojson(column: Any, layer: Layer) -> ColumnElement[str]:
    """SQL: the column as GeoJSON text, snap-rounded to the layer's precision."""
    return func.ST_AsGeoJSON(served_geometry(column, layer), layer.precision, 0)
