"""Alembic's autogenerate, run as ``migrations/env.py`` runs it, finds nothing to do on a freshly
migrated database: the models (every table, imported by env.py) and the migrations agree."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

import migrations
from gis_api.core.migrate import COMPARE_OPTIONS
from gis_api.schema import models
from gis_api.schema.models import Base

ENV = Path(migrations.__file__).parent / "env.py"


def test_env_imports_every_table_from_the_models():
    tree = ast.parse(ENV.read_text("utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "gis_api.schema.models" in imported
    assert "COMPARE_OPTIONS" in ENV.read_text("utf-8")
    # every table module's tables are on the metadata env.py compares with
    tables = {cls.__table__.name for cls in vars(models).values() if hasattr(cls, "__table__")}
    assert tables == set(Base.metadata.tables), set(Base.metadata.tables) ^ tables
    assert {"grids", "drafts", "road_edges", "incidents", "api_keys"} <= tables


def test_autogenerate_finds_nothing_on_a_freshly_migrated_database(db_url):
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"target_metadata": Base.metadata, **COMPARE_OPTIONS},  # as env.py has them
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], "\n".join(map(str, diff))
