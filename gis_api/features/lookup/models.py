"""Response models of the lookups (``model.GridRecord.as_dict``, ``AreaRecord.as_dict``,
``batch.answer_batch``). They document the answers; the answers are assembled from cached
JSON fragments and never go through these models.
"""

from __future__ import annotations

from pydantic import Field

from gis_api.schema.answers import Answer


class Leader(Answer):
    """The grid's leader; the phone only for roles that may see personal data."""

    name: str | None
    phone: str | None = None


class LookupGrid(Answer):
    """A grid as the lookup answers it."""

    code: str
    name: str
    kind: str
    households: int
    population: int | None
    version: int
    leader: Leader | None


class LookupArea(Answer):
    """A village (with its kind, 村 or 社区), town or county."""

    code: str
    name: str
    kind: str | None = Field(None, description="villages only")


class LookupQuery(Answer):
    """The point asked about, as understood."""

    lon: float
    lat: float
    crs: str
    wgs84: list[float] | None = Field(None, description="gcj02, bd09: the point in WGS84")
    at: str | None = Field(None, description="with at: the instant answered for")


class LookupAnswer(Answer):
    """``GET /v1/lookup``: each level null when the point is in none (or outside the key's
    jurisdiction).
    """

    query: LookupQuery
    grid: LookupGrid | None
    village: LookupArea | None
    town: LookupArea | None
    county: LookupArea | None


class BatchArea(LookupArea):
    """An area of a batch answer, with its level."""

    level: str


class BatchAnswer(Answer):
    """``POST /v1/lookup/batch`` with JSON: one row of codes per point, in order, and each
    grid and area once.
    """

    count: int
    crs: str
    fields: list[str] = Field(description="the columns of each row of results")
    results: list[list[str | None]]
    grids: dict[str, LookupGrid] = Field(description="by code")
    areas: dict[str, BatchArea] = Field(description="by code")
    at: str | None = Field(None, description="with at: the instant answered for")
