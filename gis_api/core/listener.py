"""PostgreSQL LISTEN in a background thread: each worker hears when grids, areas or keys change.

The migrations put statement-level triggers on ``grids``, ``admin_areas`` and ``api_keys`` that
``NOTIFY gridmap_changes, '<table>'``. A notification is delivered when the writing transaction
commits, so a worker never reloads half a publish. After a lost connection (or a failed
first connection) the listener reconnects with a growing pause (1 s, 2 s, … 30 s) and then calls
every handler once, since notifications sent while it was away are lost. TCP keepalives notice a
connection that died silently. ``status()`` reports all this for the readiness check.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions

log = logging.getLogger(__name__)

CHANNEL = "gridmap_changes"
CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
BACKOFF_MAX = 30.0


class ChangeListener(threading.Thread):
    """Calls ``handlers[payload]()`` for each notified table, coalescing bursts."""

    def __init__(
        self,
        dsn: str,
        handlers: dict[str, Callable[[], object]],
        *,
        debounce: float = 0.2,
    ) -> None:
        super().__init__(name="gridmap-listener", daemon=True)
        self._dsn = dsn
        self._handlers = handlers
        self._debounce = debounce
        self._stop = threading.Event()
        self.ready = threading.Event()
        self.connected = False
        self.connected_at: float | None = None
        """Wall-clock time (``time.time``) of the current connection, or None."""
        self.last_event_at: float | None = None
        self.last_event: list[str] = []
        """The tables of the last notification handled, and when (``time.time``)."""
        self.last_error: str | None = None
        self.reconnects = 0

    def status(self) -> dict[str, Any]:
        """Connected or not, since when, the last event and the last error (JSON-ready)."""
        return {
            "connected": self.connected,
            "connected_at": self.connected_at,
            "last_event_at": self.last_event_at,
            "last_event": self.last_event,
            "reconnects": self.reconnects,
            "last_error": self.last_error,
        }

    def stop(self) -> None:
        """Ask the thread to end; it does within a second."""
        self._stop.set()

    def run(self) -> None:
        """Listen until stopped, reconnecting with a back-off after failures."""
        backoff = 1.0
        missed = False  # whether notifications may have been lost (a failure came before)
        while not self._stop.is_set():
            try:
                conn = psycopg2.connect(self._dsn, **CONNECT_OPTIONS)
            except psycopg2.Error as exc:
                self.last_error = str(exc).strip()
                log.warning("listener cannot connect (%s); retrying in %.0fs", exc, backoff)
                missed = True
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            try:
                conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
                with conn.cursor() as cur:
                    cur.execute(f"LISTEN {CHANNEL}")
                self.connected, self.connected_at = True, time.time()
                if missed:
                    self.reconnects += 1
                    log.warning("listener reconnected; refreshing everything it may have missed")
                    self._dispatch(set(self._handlers))
                missed = False
                backoff = 1.0
                self.ready.set()
                self._loop(conn)
            except (psycopg2.Error, OSError) as exc:
                self.last_error = str(exc).strip()
                log.warning("listener lost its connection (%s); reconnecting", exc)
                missed = True
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                self.connected, self.connected_at = False, None
                try:
                    conn.close()
                except psycopg2.Error:
                    pass

    def _loop(self, conn: psycopg2.extensions.connection) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([conn], [], [], 1.0)
            if not readable:
                continue
            pending: set[str] = set()
            deadline = time.monotonic() + self._debounce
            while True:
                conn.poll()
                while conn.notifies:
                    pending.add(conn.notifies.pop(0).payload)
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([conn], [], [], left)[0]:
                    break
            conn.poll()
            while conn.notifies:
                pending.add(conn.notifies.pop(0).payload)
            if pending:
                self._dispatch(pending)

    def _dispatch(self, payloads: set[str]) -> None:
        self.last_event, self.last_event_at = sorted(payloads), time.time()
        done: set[int] = set()
        for payload in sorted(payloads):
            handler = self._handlers.get(payload)
            if handler is None or id(handler) in done:
                continue
            done.add(id(handler))
            try:
                handler()
            except Exception:  # a failed reload must not kill the listener
                log.exception("handling change of %s failed", payload)
