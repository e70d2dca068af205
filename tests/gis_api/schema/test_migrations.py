"""The migrations are the only way the schema changes: one line of history, reversible, and in
step with the models."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from gis_api.core import migrate


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
