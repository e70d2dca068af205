"""Every table of gridmap, in one import: what Alembic compares and what code imports.

The tables are declared by concern beside this file; migrations build them (never
``create_all``). ``migrations/env.py`` imports this module so autogenerate sees them all.
"""

from __future__ import annotations

from gis_api.schema.incidents import (
    Incident,
    IncidentEvent,
)
from gis_api.schema.patrol import (
    PatrolPlan,
)
from gis_api.schema.planning import (
    DRAFT_SOURCES,
    DRAFT_STATUSES,
    AreaVersion,
    Draft,
    DraftGrid,
    PlanningRules,
)
from gis_api.schema.roads import (
    NETWORKS,
    RoadEdge,
    RoadNetwork,
    RoadVertex,
)
from gis_api.schema.sessions import (
    PageSession,
)
from gis_api.schema.tables import (
    CAMERA_STATUSES,
    GRID_KINDS,
    LEVELS,
    MANAGEMENTS,
    NAMING,
    ROLES,
    SRID,
    VILLAGE_KINDS,
    AdminArea,
    ApiKey,
    AuditEntry,
    Base,
    Building,
    Camera,
    Grid,
    KeySite,
    RelocationSite,
    TileLayer,
)

__all__ = [
    "AdminArea",
    "ApiKey",
    "AreaVersion",
    "AuditEntry",
    "Base",
    "Building",
    "CAMERA_STATUSES",
    "Camera",
    "DRAFT_SOURCES",
    "DRAFT_STATUSES",
    "Draft",
    "DraftGrid",
    "GRID_KINDS",
    "Grid",
    "Incident",
    "IncidentEvent",
    "KeySite",
    "LEVELS",
    "MANAGEMENTS",
    "NAMING",
    "NETWORKS",
    "PageSession",
    "PatrolPlan",
    "PlanningRules",
    "ROLES",
    "RelocationSite",
    "TileLayer",
    "RoadEdge",
    "RoadNetwork",
    "RoadVertex",
    "SRID",
    "VILLAGE_KINDS",
]
