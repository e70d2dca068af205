"""Settings of the service, read from ``GRIDMAP_*`` environment variables.

Nothing reads these at import time: ``create_app(settings)`` and the CLI build a ``Settings``
when they start, so tests pass explicit settings instead of patching the environment.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "gridmap-development-secret-change-me"


class Settings(BaseSettings):
    """Everything the service and the CLI can be configured with."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+psycopg2://gridmap:gridmap@localhost:5432/gridmap"
    secret_key: str = DEV_SECRET
    """Signs the map pages' session cookies. Must be changed outside development."""

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

    ogc_default_limit: int = Field(10, ge=1)
    ogc_max_limit: int = Field(10_000, ge=1)

    basemap: Literal["none", "tianditu", "xyz"] = "none"
    tianditu_key: str | None = None
    basemap_url: str | None = None
    basemap_attribution: str | None = None

    community_households: tuple[int, int] = (200, 500)
    """The household standard of a grid in an urban community (社区)."""
    village_households: tuple[int, int] = (100, 300)
    """The household standard of a grid in a rural village (村)."""

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
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "GRIDMAP_SECRET_KEY is the development default; set a secret of your own "
                "before running with GRIDMAP_ENVIRONMENT=production"
            )
        if self.basemap == "tianditu" and not self.tianditu_key:
            raise ValueError("GRIDMAP_BASEMAP=tianditu needs GRIDMAP_TIANDITU_KEY")
        if self.basemap == "xyz" and not self.basemap_url:
            raise ValueError("GRIDMAP_BASEMAP=xyz needs GRIDMAP_BASEMAP_URL (an XYZ template)")
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
