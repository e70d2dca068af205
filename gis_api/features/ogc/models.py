"""Response models of OGC API – Features (the documents of Part 1, Core and GeoJSON)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gis_api.schema.answers import Answer
from gis_api.schema.geojson import Feature, FeatureCollection


class Link(Answer):
    """A link to a related document."""

    href: str
    rel: str
    type: str
    title: str | None = None


class Landing(Answer):
    """``GET /ogc``."""

    title: str
    description: str
    links: list[Link]


class Conformance(Answer):
    """``GET /ogc/conformance``."""

    conformsTo: list[str]  # noqa: N815 - the standard's name


class Collection(Answer):
    """A collection: its extent (spatial in CRS84, temporal when it has versions) and links."""

    id: str
    title: str
    description: str
    itemType: str  # noqa: N815 - the standard's name
    crs: list[str]
    extent: dict[str, Any] = Field(description="spatial: bbox, crs; temporal: interval, trs")
    links: list[Link]


class Collections(Answer):
    """``GET /ogc/collections``."""

    links: list[Link]
    collections: list[Collection]


class Items(FeatureCollection):
    """``GET /ogc/collections/{id}/items``: a page of features with next and prev links."""

    links: list[Link]
    numberMatched: int  # noqa: N815 - the standard's name
    numberReturned: int  # noqa: N815 - the standard's name
    timeStamp: str  # noqa: N815 - the standard's name


class Item(Feature):
    """``GET /ogc/collections/{id}/items/{featureId}``."""

    links: list[Link]
