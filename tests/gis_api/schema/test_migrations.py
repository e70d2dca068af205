"""The migrations are the only way the schema changes: one line of history, reversible, and in
step with the models."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

import gis_api
from gis_api.core import migrate
from gis_api.schema.models import Base


def _import_all_models() -> None:
    """Every module of gis_api, so that every model is registered on Base.metadata."""
    for module in pkgutil.walk_packages(gis_api.__path__, "gis_api."):
        importlib.import_module(module.name)


def test_one_head_in_a_single_line():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert [r.revision for r in reversed(revisions)] == ["0001", "0002", "0003", "0004", "0005"]


def test_downgrade_to_base_and_up_again(fresh_db):
    migrate.downgrade(fresh_db.url, "base")
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version", "spatial_ref_sys"}
        assert tables == set(), tables
    migrate.upgrade(fresh_db.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0005"
        assert {"grids", "drafts", "road_edges", "incidents", "sessions"} <= set(
            inspect(conn).get_table_names()
        )
    engine.dispose()


def test_models_match_the_migrated_schema(fresh_db):
    _import_all_models()
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _ours}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def _ours(obj, name, type_, reflected, compare_to):
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and reflected and compare_to is None:
        return False  # PostGIS's own tables (spatial_ref_sys), alembic_version
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
