"""PostgreSQL LISTEN in a background thread: each worker hears when grids, areas or keys change.

The migrations put statement-level triggers on ``grids``, ``admin_areas`` and ``api_keys`` that
``NOTIFY gridmap_changes, '<table>'``. A notification is delivered when the writing transaction
commits, so a worker never reloads half a publish. After a lost connection the listener
reconnects and calls every handler once, since notifications may have been missed.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable

import psycopg2
import psycopg2.extensions

log = logging.getLogger(__name__)

CHANNEL = "gridmap_changes"


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

    def stop(self) -> None:
        """Ask the thread to end; it does within a second."""
        self._stop.set()

    def run(self) -> None:
        """Listen until stopped, reconnecting with a back-off after failures."""
        backoff = 1.0
        first = True
        while not self._stop.is_set():
            try:
                conn = psycopg2.connect(self._dsn)
            except psycopg2.Error as exc:
                log.warning("listener cannot connect (%s); retrying in %.0fs", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            try:
                conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
                with conn.cursor() as cur:
                    cur.execute(f"LISTEN {CHANNEL}")
                if not first:
                    self._dispatch(set(self._handlers))
                first = False
                self.ready.set()
                self._loop(conn)
            except (psycopg2.Error, OSError) as exc:
                log.warning("listener lost its connection (%s); reconnecting", exc)
            finally:
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
            self._dispatch(pending)

    def _dispatch(self, payloads: set[str]) -> None:
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
