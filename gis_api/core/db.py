"""Engine and sessions. Made by whoever starts (the app's lifespan, the CLI), never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import shapely
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from gis_api.core.settings import Settings
from gis_api.schema.tables import SRID

MAX_OFFSET = 2**63 - 1
"""The largest ``OFFSET`` PostgreSQL takes (a BIGINT): a paging parameter's upper bound."""
MAX_INTEGER = 2**31 - 1
"""The largest INTEGER column value (versions, revisions): a number naming one is at most this."""


def make_engine(settings: Settings, **kwargs: object) -> Engine:
    """An engine for the configured database (pre-ping, so a restarted server is survived)."""
    options: dict[str, object] = {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
        # an unreachable host fails within seconds (a 503), not after the kernel's TCP timeout
        "connect_args": {"connect_timeout": 5},
    }
    options.update(kwargs)
    return create_engine(settings.database_url, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def ewkb(geom: shapely.Geometry) -> str:
    """Hex EWKB with SRID 4490: exact, and what ST_GeomFromEWKT accepts."""
    return str(shapely.to_wkb(shapely.set_srid(geom, SRID), hex=True, include_srid=True))
