"""Real database errors, provoked against the test PostGIS, read as the domain errors they mean:
the status, the body and the retry advice, through the app's handlers and the CLI."""

from __future__ import annotations

import socket
import threading
import time

import psycopg2
import pytest
import typer
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool, QueuePool

from boundaries import errors as e
from gis_api.app import create_app
from gis_api.core.cli import errors as cli_errors
from gis_api.core.db import transaction
from gis_api.core.db_errors import RETRY_CLASH_SECONDS, RETRY_UNAVAILABLE_SECONDS, translate

SQUARE = "ST_GeomFromText('MULTIPOLYGON(((104 30.5,104.01 30.5,104.01 30.51,104 30.5)))', 4490)"
SEED = [
    "INSERT INTO admin_areas (code, name, level, kind, parent_code, geom) VALUES "
    f"('510116000000', '双流区', 'county', NULL, NULL, {SQUARE}), "
    f"('510116001000', '东升街道', 'town', NULL, '510116000000', {SQUARE}), "
    f"('510116001001', '一社区', 'village', '社区', '510116001000', {SQUARE}), "
    f"('510116001002', '二社区', 'village', '社区', '510116001000', {SQUARE})",
    "INSERT INTO grids (code, name, kind, village_code, households, geom) VALUES "
    f"('510116001001001', '第1网格', '街巷型', '510116001001', 250, {SQUARE})",
]
VILLAGE_1, VILLAGE_2 = "510116001001", "510116001002"

# What each test route runs, in one transaction of the app's own sessions.
STATEMENTS = {
    "duplicate": "INSERT INTO admin_areas (code, name, level, kind, parent_code, geom) "
    f"VALUES ('510116001001', '重复', 'village', '社区', '510116001000', {SQUARE})",
    "check": "UPDATE admin_areas SET kind = '镇' WHERE code = '510116001002'",
    "not_null": "UPDATE admin_areas SET name = NULL WHERE code = '510116001002'",
    "missing_parent": "UPDATE admin_areas SET parent_code = '510116999000' "
    "WHERE code = '510116001002'",
    "still_referred": "DELETE FROM admin_areas WHERE code = '510116001001'",
    "published": "UPDATE grids SET households = 300 WHERE code = '510116001001001'",
    "locked": "SET LOCAL lock_timeout = '100ms'; "
    "UPDATE admin_areas SET name = name WHERE code = '510116001002'",
}


@pytest.fixture
def db(fresh_db):
    """A database of the test's own with a county, two villages and one published grid."""
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with engine.begin() as conn:
        for statement in SEED:
            conn.execute(text(statement))
    yield fresh_db, engine
    engine.dispose()


@pytest.fixture
def client(db):
    """The real app, with one test route per statement above (and one on a closed port)."""
    fresh_db, _ = db
    app = create_app(fresh_db.settings(listen=False))

    def run(case: str, request: Request) -> dict[str, str]:
        with transaction(request.app.state.session_factory) as session:
            session.execute(text(STATEMENTS[case]))
        return {"ok": case}

    def closed(request: Request) -> dict[str, str]:
        engine = create_engine(f"postgresql+psycopg2://gridmap@127.0.0.1:{_closed_port()}/x")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": "connected?"}

    app.add_api_route("/_test/sql/{case}", run, methods=["POST"])
    app.add_api_route("/_test/closed", closed, methods=["POST"])
    with TestClient(app) as c:
        yield c


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free once the socket is closed: nobody listens there


def _no_leak(body: dict) -> None:
    """Neither SQL nor a row's values reach the client."""
    text_ = str(body)
    for leaked in ("INSERT", "UPDATE", "DELETE", "SELECT", "重复", "Key (", "=(", "Traceback"):
        assert leaked not in text_, (leaked, body)


def _caught(engine, statement: str) -> DBAPIError:
    with pytest.raises(DBAPIError) as info:
        with engine.begin() as conn:
            conn.execute(text(statement))
    return info.value


def test_duplicate_key_is_409_naming_the_key_not_the_row(client):
    r = client.post("/_test/sql/duplicate")
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "conflict"
    assert body["message"] == "a row of admin_areas with the same (code) already exists " + (
        "[pk_admin_areas]"
    )
    assert body["details"] == {
        "sqlstate": "23505",
        "constraint": "pk_admin_areas",
        "table": "admin_areas",
        "columns": ["code"],
    }
    assert "Retry-After" not in r.headers
    assert "510116001001" not in r.text  # the row's key is not echoed
    _no_leak(body)


def test_check_violation_is_422_naming_the_rule(client):
    r = client.post("/_test/sql/check")
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_input"
    assert body["details"]["constraint"] == "ck_admin_areas_kind"
    assert body["details"]["sqlstate"] == "23514"
    assert "ck_admin_areas_kind" in body["message"] and "admin_areas" in body["message"]
    _no_leak(body)


def test_not_null_is_422_naming_the_column(client):
    r = client.post("/_test/sql/not_null")
    assert r.status_code == 422
    body = r.json()
    assert body["details"]["sqlstate"] == "23502"
    assert body["message"] == "a required value of admin_areas (name) is missing"


def test_foreign_keys_a_missing_target_is_422_a_row_still_referred_to_is_409(client):
    missing = client.post("/_test/sql/missing_parent")
    assert missing.status_code == 422
    assert missing.json()["details"]["sqlstate"] == "23503"
    assert "refers to something that does not exist" in missing.json()["message"]
    assert "510116999000" not in missing.text
    referred = client.post("/_test/sql/still_referred")
    assert referred.status_code == 409
    assert "other rows still refer to this row" in referred.json()["message"]
    _no_leak(referred.json())


def test_the_immutability_trigger_is_409_with_its_meaning(client):
    r = client.post("/_test/sql/published")
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "conflict"
    assert body["message"].startswith("a published grid version is history")
    assert body["details"] == {
        "sqlstate": "23000",
        "rule": "gridmap_grids_immutable",
    }
    assert "510116001001001" not in r.text  # the trigger's own text names the grid; not passed on


def test_a_lock_held_elsewhere_is_409_with_retry_after(client, db):
    _, engine = db
    with engine.connect() as holder:
        holder.begin()
        holder.execute(text(f"SELECT 1 FROM admin_areas WHERE code = '{VILLAGE_2}' FOR UPDATE"))
        r = client.post("/_test/sql/locked")
    assert r.status_code == 409
    assert r.headers["Retry-After"] == str(RETRY_CLASH_SECONDS)
    body = r.json()
    assert body["details"] == {"sqlstate": "55P03", "retry_after": RETRY_CLASH_SECONDS}
    assert "another request holds a lock" in body["message"]
    assert f"send the request again in {RETRY_CLASH_SECONDS} s" in body["message"]
    # the lock released, the same request goes through
    assert client.post("/_test/sql/locked").status_code == 200


def test_a_deadlock_is_a_retry_later(db):
    eng = create_engine(db[0].url, poolclass=NullPool)
    with eng.begin() as conn:  # rows of their own: admin_areas' triggers take locks of theirs
        conn.execute(text("CREATE TABLE probe (id int PRIMARY KEY, n int)"))
        conn.execute(text("INSERT INTO probe VALUES (1, 0), (2, 0)"))
    a, b = eng.connect(), eng.connect()
    a.begin()
    b.begin()
    a.execute(text("UPDATE probe SET n = n + 1 WHERE id = 1"))
    b.execute(text("UPDATE probe SET n = n + 1 WHERE id = 2"))
    caught: list[BaseException] = []

    def cross(conn, row):
        try:
            conn.execute(text(f"UPDATE probe SET n = n + 1 WHERE id = {row}"))
        except DBAPIError as exc:
            caught.append(exc)
            conn.rollback()

    t = threading.Thread(target=cross, args=(a, 2))
    t.start()
    time.sleep(0.2)  # a waits on b; b now waits on a
    cross(b, 1)
    t.join(timeout=30)
    for conn in (a, b):
        conn.close()
    eng.dispose()
    assert len(caught) == 1, caught  # PostgreSQL broke the cycle by aborting exactly one
    assert caught[0].orig.pgcode == "40P01"
    domain = translate(caught[0])
    assert isinstance(domain, e.RetryLater)
    assert domain.retry_after == RETRY_CLASH_SECONDS
    assert "deadlock" in domain.message
    assert "probe" not in domain.message


def test_a_serialization_failure_is_a_retry_later(db):
    eng = create_engine(db[0].url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    a, b = eng.connect(), eng.connect()
    a.begin()
    b.begin()
    a.execute(text("SELECT count(*) FROM admin_areas"))  # a's snapshot is taken
    b.execute(text(f"UPDATE admin_areas SET name = '改' WHERE code = '{VILLAGE_2}'"))
    b.commit()
    with pytest.raises(DBAPIError) as info:
        a.execute(text(f"UPDATE admin_areas SET name = '又改' WHERE code = '{VILLAGE_2}'"))
    for conn in (a, b):
        conn.close()
    eng.dispose()
    assert info.value.orig.pgcode == "40001"
    domain = translate(info.value)
    assert isinstance(domain, e.RetryLater) and domain.retry_after == RETRY_CLASH_SECONDS


def test_a_closed_port_is_503_with_retry_after(client):
    r = client.post("/_test/closed")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == str(RETRY_UNAVAILABLE_SECONDS)
    body = r.json()
    assert body["error"] == "unavailable"
    assert body["message"].startswith("the database is unavailable")
    assert body["details"] == {"reason": "connection", "retry_after": RETRY_UNAVAILABLE_SECONDS}
    _no_leak(body)


def test_connection_failures_pool_timeout_and_raw_psycopg2_are_unavailable(db):
    port = _closed_port()
    closed = create_engine(f"postgresql+psycopg2://gridmap@127.0.0.1:{port}/x", poolclass=NullPool)
    with pytest.raises(OperationalError) as info:
        closed.connect()
    assert info.value.orig.pgcode is None
    assert isinstance(translate(info.value), e.ServiceUnavailable)
    with pytest.raises(psycopg2.OperationalError) as raw:
        psycopg2.connect(host="127.0.0.1", port=port, dbname="x", user="gridmap")
    assert isinstance(translate(raw.value), e.ServiceUnavailable)

    small = create_engine(
        db[0].url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.1
    )
    held = small.connect()
    with pytest.raises(PoolTimeout) as timeout:
        small.connect()
    held.close()
    small.dispose()
    unavailable = translate(timeout.value)
    assert isinstance(unavailable, e.ServiceUnavailable)
    assert unavailable.details == {"reason": "pool_timeout", "retry_after": 5}


def test_an_error_of_ours_is_not_translated(db):
    _, engine = db
    exc = _caught(engine, "SELECT no_such_column FROM admin_areas")
    assert exc.orig.pgcode == "42703"
    assert translate(exc) is None
    assert translate(ValueError("not a database error")) is None


def test_the_cli_prints_the_translation_and_exits_1(db, capsys):
    _, engine = db
    with pytest.raises(typer.Exit) as info:
        with cli_errors():
            with engine.begin() as conn:
                conn.execute(text(STATEMENTS["published"]))
    assert info.value.exit_code == 1
    printed = capsys.readouterr().err
    assert "a published grid version is history" in printed
    assert "Traceback" not in printed and "UPDATE" not in printed
    with pytest.raises(DBAPIError):  # a bug is not dressed up as a domain error
        with cli_errors():
            with engine.begin() as conn:
                conn.execute(text("SELECT no_such_column FROM admin_areas"))
