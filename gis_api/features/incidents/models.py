"""Response models of the incident endpoints (``queries.incident_json`` and friends)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gis_api.schema.answers import Answer
from gis_api.schema.geojson import Feature, FeatureCollection

ISO = "ISO 8601 instant in UTC, or null"


class ActionInfo(Answer):
    """One step of the loop: its label, the statuses it leaves, where it goes, who may take it."""

    label: str
    from_: list[str] = Field(alias="from")
    to: str | None = Field(description="null for escalate: the status stays")
    roles: list[str]


class IncidentConfig(Answer):
    """``GET /v1/incidents/config``."""

    categories: list[str]
    severities: dict[str, str] = Field(description="code: name")
    sources: dict[str, str]
    statuses: dict[str, str]
    levels: dict[str, str]
    actions: dict[str, ActionInfo]
    deadline_hours: dict[str, dict[str, float]] = Field(
        description='category (or "*"): severity: hours'
    )


class Location(Answer):
    """WGS84 lon/lat."""

    lon: float
    lat: float


class IncidentTimes(Answer):
    """When each step happened (``null`` until it has), and the deadline."""

    reported_at: str | None = Field(description=ISO)
    opened_at: str | None = Field(description=ISO)
    dispatched_at: str | None = Field(description=ISO)
    handled_at: str | None = Field(description=ISO)
    feedback_at: str | None = Field(description=ISO)
    closed_at: str | None = Field(description=ISO)
    due_at: str | None = Field(description=ISO)


class Reporter(Answer):
    """Who reported it (personal data)."""

    name: str | None
    phone: str | None


class Incident(Answer):
    """An incident; ``reporter`` only for roles that may see personal data."""

    id: int
    category: str
    severity: str
    status: str
    status_name: str
    level: str
    description: str
    source: str
    external_ref: str | None
    address: str | None
    location: Location
    grid_code: str | None
    village_code: str | None
    town_code: str | None
    county_code: str | None
    assignee: str | None
    resolution: str | None
    satisfied: bool | None
    overdue: bool
    reported_by: str | None
    times: IncidentTimes
    reporter: Reporter | None = Field(None, description="only for roles with personal data")


class IncidentEvent(Answer):
    """One step taken."""

    action: str
    from_status: str | None
    to_status: str | None
    from_level: str | None
    to_level: str | None
    by: str | None
    role: str | None
    at: str | None = Field(description=ISO)
    note: str | None
    details: dict[str, Any] | None


class IncidentDetail(Incident):
    """``GET /v1/incidents/{id}`` and ``POST /v1/incidents``: with the log and next steps."""

    allowed_actions: list[str]
    events: list[IncidentEvent]


class TransitionAnswer(IncidentDetail):
    """The incident after the step, and the step itself."""

    event: IncidentEvent


class IncidentList(Answer):
    """``GET /v1/incidents``: a page, newest first."""

    matched: int
    returned: int
    offset: int
    items: list[Incident]


class HoursToClose(Answer):
    """Hours from report to close (null when none closed)."""

    mean: float | None
    median: float | None


class FigureRow(Answer):
    """One area and period."""

    code: str | None
    name: str | None
    period_start: str = Field(description="YYYY-MM-DD, in GRIDMAP_TIMEZONE")
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    closed: int
    hours_to_close: HoursToClose
    overdue: int
    overdue_share: float | None


class IncidentFigures(Answer):
    """``GET /v1/incidents/figures``."""

    by: str
    period: str
    timezone: str
    rows: list[FigureRow]


class IncidentSummary(Answer):
    """``GET /v1/incidents/summary``: totals, and counts per grid for a choropleth."""

    by_status: dict[str, int]
    by_category: dict[str, int]
    by_severity: dict[str, int]
    total: int
    overdue: int
    open: int
    by_grid: dict[str, int]


class HotspotMeta(Answer):
    """How the density was computed (the last three only when there were incidents)."""

    kernel: str
    bandwidth_m: float
    cell_m: float
    incidents: int
    unit: str
    epsg: int | None = None
    max_density: float | None = None
    peaks: int | None = None


class Hotspots(FeatureCollection):
    """Cells above the threshold: ``density``, ``peak``, ``rank`` (peaks only)."""

    properties: HotspotMeta


class LiveFeature(Feature):
    """An incident on the live layer: id, status, category, severity, level, grid_code,
    description, reported_at, overdue.
    """

    id: int


class LiveIncidents(FeatureCollection):
    """``GET /v1/incidents/live``."""

    features: list[LiveFeature]  # type: ignore[assignment]
