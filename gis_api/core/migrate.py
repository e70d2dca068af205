"""Run the Alembic migrations from code: the CLI, the tests and the benchmarks all come here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from sqlalchemy.engine import Connection

import migrations

COMPARE_OPTIONS: dict[str, object] = {
    "compare_type": True,
    "include_object": alembic_helpers.include_object,
}
"""How autogenerate compares the models with a database: ``migrations/env.py`` and the test
that expects no differences both use these."""


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config pointing at the installed ``migrations`` package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database at ``database_url`` to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def upgrade_connection(connection: Connection, revision: str = "heads") -> None:
    """Upgrade using an open connection (its transaction is the caller's)."""
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the database at ``database_url`` down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)
