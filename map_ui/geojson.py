"""GeoDataFrames to small GeoJSON for Folium: checked columns, rounded coordinates, escaped text."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

COORDINATE_DECIMALS = 6
"""Decimals kept in longitude/latitude: 1e-6 degree is about 0.1 m."""

DISPLAY_CRS = (4490, 4326)
"""EPSG codes drawn as they are: CGCS2000 equals WGS84 to within centimetres."""


def check_frame(gdf: Any, *, name: str, required: Iterable[str]) -> gpd.GeoDataFrame:
    """Check that ``gdf`` is a GeoDataFrame in EPSG:4490/4326 with the ``required`` columns.

    Args:
        gdf: The value to check.
        name: The argument's name, for the error message.
        required: Column names that must be present.

    Returns:
        ``gdf`` itself.

    Raises:
        ValueError: Saying which check failed and with what value.

    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ValueError(
            f"`{name}` was a {type(gdf).__name__} but is expected to be a GeoDataFrame"
        )
    epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
    if epsg not in DISPLAY_CRS:
        raise ValueError(
            f"`{name}` has CRS {gdf.crs!s} but is expected to be in EPSG:4490 (CGCS2000) "
            "or EPSG:4326; convert it with .to_crs(4490)"
        )
    missing = [column for column in required if column not in gdf.columns]
    if missing:
        raise ValueError(
            f"`{name}` lacks the columns {missing}; it has {[str(c) for c in gdf.columns]}"
        )
    return gdf


def feature_collection(
    gdf: gpd.GeoDataFrame, *, properties: Sequence[str], id_column: str | None = None
) -> dict[str, Any]:
    """Build a GeoJSON FeatureCollection holding only ``properties``, ready for innerHTML.

    Coordinates are rounded to :data:`COORDINATE_DECIMALS`. Text values are HTML-escaped,
    because folium's tooltips and popups insert property values as HTML; numbers stay numbers
    and missing values become ``None``. Rows without a geometry (or an empty one) are left out.

    Args:
        gdf: The frame.
        properties: The columns to keep, in order.
        id_column: A column whose (unique) values become the features' ``id``.

    Returns:
        A GeoJSON FeatureCollection as a dict.

    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    rounded = shapely.transform(geoms[present], lambda xy: np.round(xy, COORDINATE_DECIMALS))
    rows = gdf.loc[present]
    features: list[dict[str, Any]] = []
    for geom, (_, row) in zip(rounded, rows.iterrows(), strict=True):
        feature: dict[str, Any] = {
            "type": "Feature",
            "geometry": mapping(geom),
            "properties": {column: json_value(row[column]) for column in properties},
        }
        if id_column is not None:
            feature["id"] = str(row[id_column])
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def json_value(value: Any) -> Any:
    """Turn one cell into a JSON value: ints, floats, bools as such, text HTML-escaped."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return html.escape(str(value))
