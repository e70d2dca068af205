"""Request bodies of the patrol endpoints (also read by the CLI from JSON files), and their
answers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gis_api.schema.answers import Answer
from gis_api.schema.geojson import FeatureCollection, Geometry

PLACE_KINDS = ("point", "key_site", "relocation_site")
STOP_KINDS = (*PLACE_KINDS, "blind_spots", "hotspots")


class PlaceSpec(BaseModel):
    """A place: a point ``[lon, lat]``, or a key site or relocation site by its code."""

    model_config = ConfigDict(extra="forbid")

    point: tuple[float, float] | None = Field(None, description="[lon, lat] in the request's crs")
    key_site: str | None = Field(None, description="a key site's code")
    relocation_site: str | None = Field(None, description="a relocation site's code")
    name: str | None = Field(None, max_length=100, description="a label for a point")

    @model_validator(mode="after")
    def _one(self) -> PlaceSpec:
        given = [k for k in self._kinds() if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(self._kinds())}; got {given or 'none'}"
            )
        return self

    @classmethod
    def _kinds(cls) -> tuple[str, ...]:
        return PLACE_KINDS


class BlindSpotsSpec(BaseModel):
    """Cameras' blind spots of an area (issue 4's coverage), largest first."""

    model_config = ConfigDict(extra="forbid")

    area_code: str = Field(description="village, town or county code")
    limit: int = Field(20, ge=1, le=200, description="at most this many, largest first")
    min_area_m2: float = Field(0.0, ge=0, description="leave out smaller blind spots")
    include_offline: bool = Field(False, description="count offline cameras as covering")


class HotspotsSpec(BaseModel):
    """The N densest incident hotspots of the last D days."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(5, ge=1, le=100)
    days: int = Field(30, ge=1, le=3660)
    radius_m: float = Field(150.0, gt=0, le=5000, description="neighbourhood radius")
    min_incidents: int = Field(2, ge=1, description="a hotspot has at least this many")
    area_code: str | None = None
    category: str | None = None


class StopSpec(PlaceSpec):
    """A stop, or a group of stops (blind spots, hotspots)."""

    blind_spots: BlindSpotsSpec | None = None
    hotspots: HotspotsSpec | None = None

    @classmethod
    def _kinds(cls) -> tuple[str, ...]:
        return STOP_KINDS


class RouteRequest(BaseModel):
    """``POST /v1/patrol/routes``."""

    model_config = ConfigDict(extra="forbid")

    start: PlaceSpec
    end: PlaceSpec | None = Field(None, description="default: back to the start")
    stops: list[StopSpec] = Field(min_length=1, max_length=500)
    mode: Literal["walk", "drive"] = "drive"
    speed_kmh: float | None = Field(
        None, gt=0, le=130, description="walk: walking speed; drive: a cap on road speeds"
    )
    teams: int = Field(1, ge=1, le=50)
    max_minutes: float | None = Field(
        None, gt=0, le=24 * 60, description="time limit per team; stops that fit nowhere are listed"
    )
    dwell_minutes: float = Field(0.0, ge=0, le=240, description="time spent at each stop")
    time_limit_s: float = Field(2.0, gt=0, le=30, description="optimiser time")
    max_snap_m: float = Field(
        300.0, gt=0, le=5000, description="farthest a stop may be from a road (m)"
    )
    crs: str = Field("wgs84", description="wgs84, cgcs2000, gcj02 or bd09 (input and output)")
    name: str | None = Field(None, max_length=200)
    save: bool = Field(False, description="keep the plan (GET /v1/patrol/plans/{id}, map page)")


class StreetPatrolRequest(BaseModel):
    """``POST /v1/patrol/streets``: walk every street of a grid, an area's uncovered streets,
    or given road edges, from the start and back.
    """

    model_config = ConfigDict(extra="forbid")

    start: PlaceSpec
    grid_code: str | None = Field(None, description="every street of this grid")
    area_code: str | None = Field(None, description="with uncovered: streets in blind spots")
    uncovered: bool = Field(False, description="only streets in cameras' blind spots")
    edge_ids: list[int] | None = Field(None, max_length=20_000)
    highways: list[str] | None = Field(None, description="road classes to walk (default: streets)")
    speed_kmh: float | None = Field(None, gt=0, le=20, description="walking speed")
    max_snap_m: float = Field(300.0, gt=0, le=5000)
    crs: str = "wgs84"
    name: str | None = Field(None, max_length=200)
    save: bool = False

    @model_validator(mode="after")
    def _selection(self) -> StreetPatrolRequest:
        given = [k for k in ("grid_code", "area_code", "edge_ids") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of grid_code, area_code (with uncovered) or edge_ids; got "
                f"{given or 'none'}"
            )
        if self.area_code and not self.uncovered:
            raise ValueError("area_code selects the uncovered streets: set uncovered to true")
        if self.uncovered and not self.area_code:
            raise ValueError("uncovered needs an area_code")
        return self


# --- answers ---------------------------------------------------------------------------------


class PlacedStop(Answer):
    """A place as routed: where it is, and where it joined the roads."""

    name: str | None
    kind: str | None = None
    ref: str | None = None
    location: list[float] = Field(description="[lon, lat] in the answer's crs")
    snapped: list[float] | None = Field(description="the nearest point on the roads")
    snap_distance_m: float


class VisitedStop(PlacedStop):
    """A stop in a team's visiting order."""

    order: int
    arrival_s: float = Field(description="seconds after the start")
    details: dict[str, Any]


class UnreachableStop(Answer):
    """A stop no team could reach, and why."""

    name: str | None
    kind: str | None
    ref: str | None
    location: list[float] | None
    reason: str


class Leg(Answer):
    """From one stop to the next."""

    from_: str | None = Field(alias="from")
    to: str | None
    distance_m: float
    duration_s: float


class TeamRoute(Answer):
    """One team's route from the start back to it (or to the end)."""

    team: int
    stops: list[VisitedStop]
    route: Geometry | None = Field(description="a LineString along the roads")
    distance_m: float
    travel_s: float
    dwell_s: float
    duration_s: float
    legs: list[Leg]


class Totals(Answer):
    """All teams together."""

    stops: int
    distance_m: float
    duration_s: float
    longest_duration_s: float


class PlanSummary(Answer):
    """A saved plan without its request and answer."""

    id: int
    kind: str
    name: str | None
    network: str | None
    teams: int | None
    distance_m: float | None
    duration_s: float | None
    created_at: str | None = Field(description="ISO 8601 instant")
    created_by: str | None
    map_url: str


class PatrolAnswer(Answer):
    """What both kinds of plan answer."""

    network: str
    mode: str
    speed_kmh: float | None
    crs: str
    teams: list[TeamRoute]
    unreachable: list[UnreachableStop]
    totals: Totals
    timing: dict[str, float] = Field(description="seconds spent per phase")
    plan: PlanSummary | None = Field(None, description="with save: the plan as saved")


class RoutePlan(PatrolAnswer):
    """``POST /v1/patrol/routes``."""

    start: PlacedStop
    end: PlacedStop | None
    underlay: dict[str, FeatureCollection] = Field(
        description="blind_spots and incidents drawn under the routes"
    )


class StreetPlan(PatrolAnswer):
    """``POST /v1/patrol/streets``: one walk covering every street segment selected."""

    kind: str
    selection: str
    title: str
    area: Geometry | None
    start: PlacedStop
    streets: dict[str, Any] = Field(description="segments, names, required_m, lines")
    deadhead: dict[str, Any] = Field(description="distance_m, share, lines walked twice")
    method: dict[str, Any]


class SavedPlan(PlanSummary):
    """``GET /v1/patrol/plans/{id}``: the request and the answer as computed (WGS84)."""

    request: dict[str, Any]
    result: dict[str, Any]


class RoadNetwork(Answer):
    """A road network loaded for routing."""

    network: str
    source_file: str | None
    imported_at: str | None = Field(description="ISO 8601 instant")
    imported_by: str | None
    jurisdiction: str | None
    edges: int
    vertices: int
    length_m: float
    pieces: int
    largest_piece_share: float
    components: list[dict[str, Any]] = Field(description="the largest pieces: edges, length_m")
