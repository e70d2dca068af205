"""Settings of the service, read from ``GRIDMAP_*`` environment variables.

Nothing reads these at import time: ``create_app(settings)`` and the CLI build a ``Settings``
when they start, so tests pass explicit settings instead of patching the environment.
"""

from __future__ import annotations

import difflib
import os
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "gridmap-development-secret-change-me"
MIN_SECRET_LENGTH = 32
OTHER_VARIABLES = frozenset(
    {
        "GRIDMAP_REQUIRE_DB",  # tests: a database test must not skip
        "GRIDMAP_TEST_DATABASE_URL",  # tests: where their databases are made
        "GRIDMAP_DB_NAME",  # scripts/setup.sh
        "GRIDMAP_DB_USER",
        "GRIDMAP_DB_PASSWORD",
        "GRIDMAP_DB_PORT",
    }
)
"""``GRIDMAP_*`` variables read by the tests and the set-up script, not by the service."""


class Settings(BaseSettings):
    """Everything the service and the CLI can be configured with."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+psycopg2://gridmap:gridmap@localhost:5432/gridmap"
    secret_key: str = DEV_SECRET
    """Keys the hash under which map page sessions are stored. Required in production (at least
    32 characters, not the development default); changing it ends every session."""

    access_log: bool = True
    """Write a log line per request (``gridmap.access``: method, path, status, ms, request id)."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """The level of the service's log (JSON lines on stderr, see ``gis_api.core.logging``)."""

    lookup_backend: Literal["memory", "postgis"] = "memory"
    """``memory`` answers lookups from the in-memory index; ``postgis`` queries the database per
    request (kept for the benchmark that compares the two)."""
    lookup_batch_limit: int = Field(1_000_000, ge=1)
    lookup_threads: int = Field(2, ge=1, le=64)
    """Threads a large batch lookup is split over (shapely releases the GIL)."""
    listen: bool = True
    """Refresh the lookup index on PostgreSQL NOTIFY (grids or areas changed)."""
    key_cache_seconds: float = Field(30.0, ge=0)
    """How long a verified API key is trusted without asking the database again. Revoking a key
    notifies every worker, so this only bounds the delay when a notification is lost."""
    key_stale_seconds: float = Field(3600.0, ge=0)
    """While the database is unreachable, a key that verified less than this long ago keeps
    being accepted (lookups go on answering from memory); unknown keys get a 503 meanwhile."""
    retry_after_seconds: int = Field(5, ge=1)
    """The ``Retry-After`` a 503 sends when the database (or another part) is unavailable."""
    readiness_timeout_seconds: float = Field(1.0, gt=0)
    """How long ``/readyz`` waits for the database to answer ``SELECT 1``."""

    at_cache_models: int = Field(8, ge=1)
    """Models of past instants (``?at=``) kept per worker, least recently used dropped first."""
    at_builds: int = Field(2, ge=1)
    """Past models built at once per worker; a request that needs another waits for a slot."""
    at_build_wait_seconds: float = Field(10.0, ge=0)
    """How long such a request waits for a slot before it gets a 503 with ``Retry-After``."""

    body_limit_lookup_batch_mb: float = Field(48.0, gt=0)
    """Largest body of ``POST /v1/lookup/batch`` (1,000,000 points of CSV fit in ~40 MB)."""
    body_limit_imports_mb: float = Field(256.0, gt=0)
    """Largest upload to ``POST /v1/imports/{layer}``."""
    body_limit_drafts_mb: float = Field(16.0, gt=0)
    """Largest body of the grid validation and draft edits (``/v1/validation``, ``/v1/drafts``)."""

    ogc_default_limit: int = Field(10, ge=1)
    ogc_max_limit: int = Field(10_000, ge=1)

    basemap: Literal["none", "tianditu", "xyz"] = "none"
    tianditu_key: str | None = None
    basemap_url: str | None = None
    basemap_attribution: str | None = None
    basemap_gcj02: bool = False
    """The base map's tiles are in GCJ-02 (AMap, Tencent and the like): the map pages then shift
    every vertex of our layers (and the live incident feed) to GCJ-02 so that they line up."""

    inline_feature_limit: int = Field(10_000, ge=0)
    """Map pages draw a layer inline (GeoJSON in the page) up to this many features; above it
    they switch to vector tiles served from PostGIS (/tiles/{layer}/{z}/{x}/{y}.pbf)."""
    tile_cache_mb: int = Field(64, ge=0)
    """Memory per worker for rendered vector tiles (0: render every request)."""
    tile_version_seconds: float = Field(30.0, ge=0)
    """How long a worker trusts its tile layer versions without asking the database; a NOTIFY
    of a change to grids, areas or incidents makes it ask at once."""

    incident_categories: tuple[str, ...] = (
        "矛盾纠纷",
        "安全隐患",
        "治安",
        "环境",
        "服务诉求",
        "其他",
    )
    """Incident categories a report may use (GRIDMAP_INCIDENT_CATEGORIES as a JSON list)."""
    incident_deadline_hours: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {
            "*": {"general": 168.0, "major": 72.0, "urgent": 24.0},
            "安全隐患": {"general": 72.0, "major": 24.0, "urgent": 6.0},
            "治安": {"general": 72.0, "major": 24.0, "urgent": 4.0},
            "服务诉求": {"general": 120.0, "major": 48.0, "urgent": 24.0},
        }
    )
    """Hours from report to closing, by category and severity; "*" is every other category
    (GRIDMAP_INCIDENT_DEADLINE_HOURS as JSON)."""
    live_refresh_seconds: int = Field(10, ge=1, le=3600)
    """How often the live incident layer of the map pages asks for new data."""
    timezone: str = "Asia/Shanghai"
    """The zone whose days and weeks the incident figures count in."""

    community_households: tuple[int, int] = (200, 500)
    """The household standard of a grid in an urban community (社区)."""
    village_households: tuple[int, int] = (100, 300)
    """The household standard of a grid in a rural village (村)."""

    @model_validator(mode="before")
    @classmethod
    def _known_variables(cls, data: Any) -> Any:
        """Refuse a ``GRIDMAP_*`` variable that is no setting (a typo would be ignored)."""
        known = {f"GRIDMAP_{name.upper()}" for name in cls.model_fields} | OTHER_VARIABLES
        for variable in sorted(os.environ):
            name = variable.upper()
            if name.startswith("GRIDMAP_") and name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ValueError(f"unknown setting {variable}{hint}")
        return data

    @field_validator("database_url")
    @classmethod
    def _dsn(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgresql+psycopg2://", "postgres://")):
            raise ValueError(
                f"GRIDMAP_DATABASE_URL must be a PostgreSQL URL "
                f"(postgresql+psycopg2://user:password@host:port/db), got {value.split('@')[-1]!r}"
            )
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg2://" + value[len("postgresql://") :]
        return value

    @model_validator(mode="after")
    def _secrets(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                "GRIDMAP_ENVIRONMENT=production needs GRIDMAP_SECRET_KEY: a secret of your own, "
                f"at least {MIN_SECRET_LENGTH} characters (not the development default), e.g. "
                "from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if self.basemap == "tianditu" and not self.tianditu_key:
            raise ValueError("GRIDMAP_BASEMAP=tianditu needs GRIDMAP_TIANDITU_KEY")
        if self.basemap == "xyz" and not self.basemap_url:
            raise ValueError("GRIDMAP_BASEMAP=xyz needs GRIDMAP_BASEMAP_URL (an XYZ template)")
        if self.basemap_gcj02 and self.basemap != "xyz":
            raise ValueError(
                "GRIDMAP_BASEMAP_GCJ02 applies to an XYZ base map in GCJ-02 (AMap-style); "
                f"GRIDMAP_BASEMAP is {self.basemap!r} (Tianditu is CGCS2000, no shift needed)"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"GRIDMAP_TIMEZONE {self.timezone!r} is not a known time zone"
            ) from None
        deadlines = self.incident_deadline_hours
        if "*" not in deadlines:
            raise ValueError('GRIDMAP_INCIDENT_DEADLINE_HOURS needs a "*" entry (the default)')
        for category, hours in deadlines.items():
            missing = {"general", "major", "urgent"} - set(hours)
            if missing or any(h <= 0 for h in hours.values()):
                raise ValueError(
                    f"GRIDMAP_INCIDENT_DEADLINE_HOURS[{category!r}] must give positive hours for "
                    f"general, major and urgent; got {hours}"
                )
        if not self.incident_categories:
            raise ValueError("GRIDMAP_INCIDENT_CATEGORIES must name at least one category")
        for name in ("community_households", "village_households"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(
                    f"GRIDMAP_{name.upper()} must be a range low<=high, got {low, high}"
                )
        return self

    @property
    def psycopg_dsn(self) -> str:
        """The URL in the form psycopg2 itself takes (no SQLAlchemy driver suffix)."""
        return self.database_url.replace("postgresql+psycopg2://", "postgresql://", 1)

    def households_range(self, kind: str | None) -> tuple[int, int]:
        """The household standard for a grid in a village of this kind (社区 or 村)."""
        return self.community_households if kind == "社区" else self.village_households
