"""Response models of the tile layer documents (the tiles themselves are Mapbox Vector Tiles)."""

from __future__ import annotations

from pydantic import Field

from gis_api.schema.answers import Answer


class TileLayer(Answer):
    """A vector tile layer: where its TileJSON is, its version, and its first zoom."""

    tilejson: str = Field(description="URL of the layer's TileJSON")
    version: int = Field(description="changes when the layer's data changes (``?v=``)")
    minzoom: int


class VectorLayer(Answer):
    """The layer inside the tiles and its fields (name: PostgreSQL type)."""

    id: str
    fields: dict[str, str]


class TileJSON(Answer):
    """``GET /tiles/{layer}.json``: TileJSON 3.0.0."""

    tilejson: str
    name: str
    version: str
    scheme: str
    tiles: list[str] = Field(description="URL templates at the current version")
    minzoom: int
    maxzoom: int
    vector_layers: list[VectorLayer]
