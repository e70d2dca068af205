"""Response models of the planning endpoints (drafts, validation, versions, proposals, rules).

The request bodies stay beside their routes (``api_drafts.py``, ``api_versions.py``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gis_api.schema.answers import Answer
from gis_api.schema.geojson import FeatureCollection

ISO = "ISO 8601 instant"


class Rules(Answer):
    """The validation rules of a county (settings, overridden per county)."""

    community_households: list[int] = Field(description="[floor, ceiling] in a community")
    village_households: list[int] = Field(description="[floor, ceiling] in a village")
    gap_min_m2: float
    overlap_min_m2: float
    outside_min_m2: float
    sliver_max_area_m2: float
    sliver_max_width_m: float
    split_share: float


class CountyRules(Rules):
    """``GET`` and ``PUT /v1/areas/{code}/rules``."""

    county_code: str


class GridFigures(Answer):
    """One grid as the validation sees it."""

    key: str
    code: str | None
    name: str | None
    village_code: str | None
    area_m2: float
    parts: int
    compactness: float = Field(description="Polsby–Popper, 1 for a circle")
    buildings: int
    households: int | None = Field(description="counted from the buildings")
    households_stored: int | None
    standard: list[int] | None
    status: str = Field(description="ok, below, above or unknown")


class VillageFigures(Answer):
    """One village or community as the validation sees it."""

    code: str
    name: str | None
    kind: str | None
    area_m2: float
    gap_m2: float
    grids: int
    buildings: int
    households: int
    buildings_unassigned: int
    standard: list[int]


class Report(Answer):
    """A validation report: problems as GeoJSON (id, kind, severity, label, message, grids)."""

    valid: bool
    errors: int
    warnings: int
    counts: dict[str, int] = Field(description="problems per kind")
    problems: FeatureCollection
    grids: list[GridFigures]
    villages: list[VillageFigures]
    rules: Rules


class AreaReport(Report):
    """``POST /v1/validation`` and ``GET /v1/areas/{code}/validation``."""

    area_code: str


class DraftReport(Report):
    """``GET /v1/drafts/{id}/validation``."""

    draft_id: int
    revision: int


class DraftMeta(Answer):
    """A draft without its grids."""

    id: int
    area_code: str
    title: str
    status: str = Field(description="open, published or discarded")
    source: str
    base_version: int | None
    revision: int
    created_by: str | None
    created_at: str | None = Field(description=ISO)
    published_version: int | None
    proposal: dict[str, Any] | None = Field(description="the proposal's figures, if it was one")


class DraftList(Answer):
    """``GET /v1/drafts``."""

    drafts: list[DraftMeta]


class Draft(DraftMeta):
    """A draft with its grids (households counted from the buildings, the stored figure in
    ``households_stored``).
    """

    current_version: int | None = Field(description="the village's published version now")
    grids: FeatureCollection


class SplitAnswer(Draft):
    """The draft after a split, and the keys of the pieces."""

    pieces: list[str]


class MergeAnswer(Draft):
    """The draft after a merge, and the key of the merged grid."""

    merged: str


class MoveAnswer(Draft):
    """The draft after moving buildings, and the keys of the grids that changed."""

    changed: list[str]


class Reshaped(Answer):
    """A grid whose shape changed."""

    code: str
    area_before_m2: float
    area_after_m2: float
    area_changed_m2: float


class Changed(Answer):
    """A grid whose details changed."""

    code: str
    fields: list[str]


class HouseholdMove(Answer):
    """Households that moved from one grid to another."""

    from_: str | None = Field(alias="from")
    to: str | None
    buildings: int
    households: int


class Diff(Answer):
    """Grids added, removed, reshaped, changed; households that moved."""

    added: list[str]
    removed: list[str]
    reshaped: list[Reshaped]
    changed: list[Changed]
    unchanged: int = Field(description="how many grids did not change")
    households_moved: int
    buildings_moved: int
    moves: list[HouseholdMove]


class DraftDiff(Diff):
    """``GET /v1/drafts/{id}/diff``: against the version the draft is based on."""

    draft_id: int
    area_code: str
    from_: int | None = Field(alias="from")
    codes: dict[str, str | None] = Field(description="draft key: the code publishing gives it")


class AreaDiff(Diff):
    """``GET /v1/areas/{code}/diff``."""

    area_code: str
    from_: int = Field(alias="from")
    to: int


class VersionChange(Answer):
    """What a new version did to the village's grids."""

    area_code: str
    version: int
    at: str = Field(description=ISO)
    added: list[str]
    reshaped: list[str]
    changed: list[str]
    retired: list[str]
    unchanged: int


class Published(VersionChange):
    """``POST /v1/drafts/{id}/publish``."""

    accepted: list[str] = Field(description="ids of the warnings accepted")


class Restored(VersionChange):
    """``POST /v1/areas/{code}/versions/{version}/restore``."""

    restored_from: int


class Rebased(Answer):
    """``POST /v1/drafts/{id}/rebase``: the new base and what others changed."""

    base_version: int | None
    previous_base_version: int | None = Field(None, description="absent when already current")
    changed: Diff | None = Field(description="null when the draft was already current")


class VersionInfo(Answer):
    """One version of a village's grids (publishing and restoring add who, why and what)."""

    version: int
    at: str = Field(description=ISO)
    grids: int
    households: int | None
    action: str = Field(description="import, publish or restore")
    by: str | None
    note: str | None = None
    draft_id: int | None = None
    restored_from: int | None = None
    summary: dict[str, Any] | None = None


class AreaVersions(Answer):
    """``GET /v1/areas/{code}/versions``."""

    area_code: str
    current_version: int | None
    versions: list[VersionInfo]


class VersionGrids(FeatureCollection):
    """``GET /v1/areas/{code}/versions/{version}``."""

    area_code: str
    version: int


class GridHistory(FeatureCollection):
    """``GET /v1/grids/{code}/history``: one feature per version, oldest first."""

    code: str
    current: bool
    versions: int


class Households(Answer):
    """Households per proposed grid."""

    total: int
    min: int
    median: float
    max: int


class Proposal(Answer):
    """``POST /v1/proposals``: the figures, the grids, and the draft when saved."""

    area_code: str
    kind: str | None
    grids: int
    households: Households
    within_range: int
    within_share: float
    compactness_mean: float
    floor: int
    ceiling: int
    target: float
    street_blocks: int
    unmet: list[str] = Field(description="what could not be met, and why")
    roads_used: int
    cut_lines_given: int
    seconds: float
    grids_geojson: FeatureCollection
    draft: DraftMeta | None = Field(None, description="with save: the new draft")


class ExportedGrids(FeatureCollection):
    """The GeoJSON file of ``…/export?format=geojson`` (an attachment)."""

    name: str = Field(description="the file's name without its extension")
