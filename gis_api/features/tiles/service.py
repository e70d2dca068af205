"""Tile layer versions and a cache of rendered tiles, one per worker.

A layer's version lives in the database (``tile_layers``, bumped by a statement trigger on its
table), so every worker agrees on it and it goes into the tile URLs and ETags: publishing grids
makes new URLs, and old tiles are never served for the new version. A worker re-reads the
versions when PostgreSQL notifies a change (``changed``) or after ``ttl`` seconds.

While the database is unreachable, a worker that has read the versions once keeps them (and so
keeps serving the tiles it has cached); a tile it must render needs the database and gets 503.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from gis_api.core.outage import database_unreachable

log = logging.getLogger(__name__)

OUTAGE_RECHECK = 5.0
"""Seconds between attempts to re-read the versions while the database is unreachable."""

TileKey = tuple[str, int, int, int, int, str, bool, str]
"""(layer, version, z, x, y, jurisdiction, personal, crs)."""


class TileService:
    """Layer versions (cached for ``ttl`` seconds) and an LRU cache of tiles (``max_bytes``)."""

    def __init__(
        self, factory: sessionmaker[Session], *, max_bytes: int, ttl: float = 30.0
    ) -> None:
        self.factory = factory
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._versions: dict[str, int] = {}
        self._versions_until = 0.0
        self._tiles: OrderedDict[TileKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def versions_fresh(self) -> bool:
        """Whether the cached versions may be used without asking the database."""
        return time.monotonic() < self._versions_until

    def version(self, layer: str) -> int:
        """The current version of ``layer`` (reads the database when stale)."""
        if not self.versions_fresh():
            self.refresh()
        return self._versions.get(layer, 0)

    def refresh(self) -> dict[str, int]:
        """Read every layer's version from the database (keep the known ones if unreachable)."""
        try:
            with self.factory() as session:
                rows = session.execute(text("SELECT layer, version FROM tile_layers")).all()
        except Exception as exc:
            if not self._versions or not database_unreachable(exc):
                raise
            log.warning("tile versions kept: the database is unreachable (%s)", exc)
            self._versions_until = time.monotonic() + min(self.ttl, OUTAGE_RECHECK)
            return dict(self._versions)
        versions = {layer: int(version) for layer, version in rows}
        with self._lock:
            if versions != self._versions:
                self._tiles.clear()
                self._bytes = 0
            self._versions = versions
            self._versions_until = time.monotonic() + self.ttl
        return versions

    def changed(self) -> None:
        """A layer's table changed (NOTIFY): ask the database again on the next request."""
        self._versions_until = 0.0

    def get(self, key: TileKey) -> bytes | None:
        """A cached tile, or None."""
        with self._lock:
            data = self._tiles.get(key)
            if data is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return data

    def put(self, key: TileKey, data: bytes) -> None:
        """Keep a tile, dropping the least recently used beyond ``max_bytes``."""
        size = len(data) + 200  # the key and the entry's own overhead
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= len(old) + 200
            self._tiles[key] = data
            self._bytes += size
            while self._bytes > self.max_bytes and self._tiles:
                _, dropped = self._tiles.popitem(last=False)
                self._bytes -= len(dropped) + 200

    @property
    def cached_bytes(self) -> int:
        """Bytes the cache holds now."""
        return self._bytes


def tile_service(app: FastAPI) -> TileService:
    """The app's tile service (made on first use if the lifespan did not make it)."""
    tiles: TileService | None = getattr(app.state, "tiles", None)
    if tiles is None:
        settings = app.state.settings
        tiles = TileService(
            app.state.session_factory,
            max_bytes=settings.tile_cache_mb * 1024 * 1024,
            ttl=settings.tile_version_seconds,
        )
        app.state.tiles = tiles
    return tiles


def tile_url(layer: str, version: int, *, crs: str = "wgs84") -> str:
    """The URL template of a layer's tiles at a version, for a Leaflet layer."""
    url = f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf?v={version}"
    return url + "&crs=gcj02" if crs == "gcj02" else url
