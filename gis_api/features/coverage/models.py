"""Response models of the coverage endpoints (``service.report``, ``relocation``, ``placement``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import Field

from gis_api.schema.answers import Answer
from gis_api.schema.geojson import FeatureCollection


class AreaRef(Answer):
    """An area: code, name, level, kind (villages)."""

    code: str
    name: str | None
    level: str
    kind: str | None


class CoveredArea(AreaRef):
    """The area of a report, with its size."""

    area_m2: float


class View(Answer):
    """How much of the area is in view."""

    area_m2: float
    covered_m2: float
    share: float | None
    gridded_m2: float
    cameras_counted: int
    cameras_seeing_area: int
    occluding_footprints: int


class CameraSummary(Answer):
    """Cameras in the area and 联通率 (the share online), per category."""

    total: int
    online: int
    offline: int
    online_share: float | None
    by_category: dict[str, dict[str, Any]] = Field(
        description="category: name, total, online, online_share"
    )
    without_heading: list[str] = Field(description="ids of cameras with no usable heading")


class KeySites(Answer):
    """Key sites and whether each is in view."""

    total: int
    covered: int
    uncovered: int
    items: list[dict[str, Any]] = Field(
        description="code, name, kind, geometry_type, share_in_view, covered, nearest_camera_m, "
        "camera_within_near_m"
    )


class SiteGrid(Answer):
    """A grid a site lies in, and the share of the site in it."""

    code: str
    share: float


class RelocationSite(Answer):
    """A relocation site: who manages it, who should, and why."""

    code: str
    name: str | None
    households: int | None
    management: str | None
    managing_area_code: str | None
    managing_area: dict[str, Any] | None = Field(description="name, level, kind")
    origin_village_codes: list[str]
    grids: list[SiteGrid]
    containing_area_code: str | None = None
    straight_line_area_code: str | None = None
    straight_line_m: float | None = None
    expected_area_code: str | None
    expected_area_name: str | None
    method: str = Field(description="containing_community, straight_line or road (network)")
    distance_m: float | None
    agrees: bool
    explanation: str


class GridCoverage(Answer):
    """One grid's share in view."""

    code: str
    name: str | None
    area_m2: float
    covered_m2: float
    share: float | None
    cameras: int
    online_cameras: int
    has_leader: bool


class CoverageReport(Answer):
    """``GET /v1/coverage``."""

    area: CoveredArea
    parameters: dict[str, Any] = Field(description="what the report was computed with")
    view: View
    roads: dict[str, Any] = Field(description="road length in view, or loaded: false and why")
    cameras: CameraSummary
    key_sites: KeySites
    relocation_sites: list[RelocationSite]
    grids: list[GridCoverage]
    gaps: dict[str, Any] = Field(description="each kind of gap: count and codes")


class SiteChange(Answer):
    """A site re-attached (or, with dry_run, to be)."""

    code: str
    from_: str | None = Field(alias="from")
    to: str | None
    method: str
    distance_m: float | None


class AttachAnswer(Answer):
    """``POST /v1/coverage/relocation-sites/attach``."""

    dry_run: bool
    changes: list[SiteChange]


class ChosenCamera(Answer):
    """A new camera's position (WGS84) and what it sees."""

    lon: float
    lat: float
    heading: float | None
    fov: float
    range_m: float
    demand_points: int
    weight_in_view: float


class Placement(Answer):
    """``POST /v1/coverage/placement``: the exact answer, the greedy one and its gap."""

    area: AreaRef
    k: int
    camera: dict[str, Any] = Field(description="fov, range_m, orientation_rule")
    candidates: dict[str, Any] = Field(description="where the candidate positions came from")
    demand: dict[str, Any] = Field(description="the demand points and their weights")
    exact: dict[str, Any] = Field(description="status, covered_weight, bound, chosen")
    greedy: dict[str, Any] = Field(description="status, covered_weight, gap_to_exact")
    chosen_by: str
    chosen: list[ChosenCamera]
    stored: bool
    views: FeatureCollection | None = Field(None, description="with include_views")


AreaParam = Annotated[
    str,
    Query(
        description="a 15-digit grid code, or a 12-digit village, town or county code",
        examples=["510116001001"],
    ),
]


OfflineParam = Annotated[bool, Query(description="count offline cameras too (planned coverage)")]
