"""Generic GeoJSON response models (RFC 7946) for the routes that answer GeoJSON.

Geometries are documented, not re-validated: a geometry is an object with ``type`` and
``coordinates`` (or ``geometries``), and ``properties`` are each route's own.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from starlette.responses import JSONResponse

from gis_api.schema.answers import Answer

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
