"""Test fixtures: a real PostGIS database built by the migrations, never by ``create_all``.

A template database is created and migrated once per run. Most tests work in a clone of it,
inside a transaction rolled back at the end (``join_transaction_mode="create_savepoint"``), so
nothing is cleaned up with DELETE. Tests that need committed data (LISTEN/NOTIFY, the CLI) get
a fresh clone of their own, dropped afterwards.

Without a reachable PostgreSQL a database test skips, unless ``GRIDMAP_REQUIRE_DB=1`` (set by
``make test`` and CI), in which case it fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from gis_api.core import migrate
from gis_api.core.auth import create_key
from gis_api.core.settings import Settings

DEFAULT_URL = "postgresql+psycopg2://gridmap:gridmap@localhost:5432/gridmap"


def _base_url() -> URL:
    return make_url(
        os.environ.get("GRIDMAP_TEST_DATABASE_URL")
        or os.environ.get("GRIDMAP_DATABASE_URL")
        or DEFAULT_URL
    )


def _require_db() -> bool:
    return os.environ.get("GRIDMAP_REQUIRE_DB", "") not in ("", "0", "false")


def _admin_engine() -> Engine:
    url = _base_url().set(database="postgres")
    return create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def create_database(name: str, *, template: str | None = None) -> str:
    """Create a database (optionally from a template) and return its URL."""
    engine = _admin_engine()
    with engine.connect() as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return _base_url().set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    """Drop a test database, closing whatever still holds it.

    A backend the test role may not terminate (an autovacuum worker that has just started on
    the database) makes ``WITH (FORCE)`` fail for a moment: the drop is tried again.
    """
    import time

    from sqlalchemy.exc import ProgrammingError

    engine = _admin_engine()
    try:
        for attempt in range(20):
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except ProgrammingError:
                if attempt == 19:
                    raise
                time.sleep(0.5)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def template_db() -> Iterator[str]:
    """Name of a database migrated to head, used only as a template for clones."""
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no database here"
        message = f"no PostgreSQL at {_base_url().render_as_string()}: {exc.__class__.__name__}"
        if _require_db():
            pytest.fail(message + " (GRIDMAP_REQUIRE_DB=1: database tests must not skip)")
        pytest.skip(message)
    name = f"gridmap_test_tpl_{os.getpid()}"
    drop_database(name)
    url = create_database(name)
    migrate.upgrade(url)
    yield name
    drop_database(name)


@pytest.fixture(scope="session")
def db_url(template_db: str) -> Iterator[str]:
    """URL of the database that transactional tests share."""
    name = f"gridmap_test_{os.getpid()}"
    drop_database(name)
    url = create_database(name, template=template_db)
    yield url
    drop_database(name)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the shared test database."""
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's connection; their commits become savepoints."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in the test's transaction."""
    with factory() as s:
        yield s


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings for an app on the shared test database (no LISTEN: nothing is committed)."""
    return Settings(database_url=db_url, environment="test", listen=False)


@dataclass
class FreshDatabase:
    """A database of a test's own, where commits are real."""

    name: str
    url: str

    def settings(self, **overrides: object) -> Settings:
        """Settings pointing at this database."""
        return Settings(database_url=self.url, environment="test", **overrides)  # type: ignore[arg-type]


@pytest.fixture
def fresh_db(template_db: str) -> Iterator[FreshDatabase]:
    """A migrated database cloned for one test, dropped afterwards."""
    name = f"gridmap_test_{os.getpid()}_{secrets.token_hex(4)}"
    url = create_database(name, template=template_db)
    yield FreshDatabase(name=name, url=url)
    drop_database(name)


KeyMaker = Callable[..., str]


@pytest.fixture
def make_key(factory: sessionmaker[Session]) -> KeyMaker:
    """Create an API key in the test's transaction and return it."""

    def make(role: str = "admin", area: str | None = None) -> str:
        with factory() as s, s.begin():
            _, key = create_key(s, role=role, area=area)
        return key

    return make


@pytest.fixture
def mini_county(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Files of the small hand-drawn county (see tests/gis_api/county.py)."""
    from tests.gis_api.county import write_mini_county

    return write_mini_county(tmp_path_factory.mktemp("county"))


@pytest.fixture
def loaded_county(session: Session, mini_county):  # type: ignore[no-untyped-def]
    """The small county imported, through the importers, in the test's transaction."""
    from gis_api.features.imports.service import import_file

    for layer in ("admin-areas", "grids", "cameras", "key-sites", "relocation-sites"):
        import_file(session, layer=layer, path=mini_county.files[layer], actor="test")
    session.commit()
    return mini_county


@pytest.fixture
def app_client(settings: Settings, factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Build an app on the test's transaction; call it with setting overrides."""
    from fastapi.testclient import TestClient

    from gis_api.app import create_app

    clients = []

    def build(**overrides: object) -> TestClient:
        app = create_app(settings.model_copy(update=overrides), session_factory=factory)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


from tests.browser import artifacts_dir, browser_page, chromium  # noqa: E402,F401 - fixtures


@dataclass
class LiveServer:
    """A real uvicorn server in a thread, on 127.0.0.1."""

    base_url: str
    app: object


@pytest.fixture
def live_server():  # type: ignore[no-untyped-def]
    """Start the app with given settings on a free port; stopped after the test."""
    import socket
    import threading
    import time

    import uvicorn

    from gis_api.app import create_app

    servers = []

    def start(settings: Settings) -> LiveServer:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        servers.append((server, thread))
        return LiveServer(base_url=f"http://127.0.0.1:{port}", app=app)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def load_county_into(url: str, county) -> None:  # type: ignore[no-untyped-def]
    """Import the small county into a database of its own (committed)."""
    from gis_api.features.imports.service import import_file

    eng = create_engine(url, poolclass=NullPool)
    with Session(eng) as s, s.begin():
        for layer in ("admin-areas", "grids", "cameras", "key-sites", "relocation-sites"):
            import_file(s, layer=layer, path=county.files[layer], actor="test")
    eng.dispose()


def create_key_in(url: str, role: str, area: str | None = None) -> str:
    """Create a key in a database of its own (committed)."""
    eng = create_engine(url, poolclass=NullPool)
    with Session(eng) as s, s.begin():
        _, key = create_key(s, role=role, area=area)
    eng.dispose()
    return key
