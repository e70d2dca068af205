"""Read models of past instants (``?at=``): one per stretch of unchanged grids, built once.

The grids valid at an instant change only where some grid's ``valid_from`` or ``valid_to``
falls. Between two such change points every instant has the same grids, so the model of an
instant is the model of the last change point at or before it (its *epoch*). Models are cached
by epoch: every instant of a day, and every day of a quiet month, share one model — a date
(``at=YYYY-MM-DD``, the end of that day) is simply the instant it stands for.

A model is built once even when many requests ask for it at once (the others wait for that
build), and at most ``builds`` are built at once per worker; a request that finds no free slot
within ``wait`` seconds gets ``ServiceUnavailable`` (503 with Retry-After). Everything is
dropped when the grids change (``clear``).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from boundaries.errors import ServiceUnavailable
from gis_api.features.lookup.model import ReadModel

CHANGE_POINTS_SQL = text(
    "SELECT valid_from AS t FROM grids "
    "UNION SELECT valid_to FROM grids WHERE valid_to IS NOT NULL ORDER BY t"
)

_BEFORE_ALL = "before-all"
"""The epoch of instants before any grid existed (no grid is valid then)."""

EpochKey = datetime | str


class PastModels:
    """An LRU of past models keyed by epoch, with single-flight builds and a bound on builds."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        build: Callable[[datetime], ReadModel],
        *,
        size: int = 8,
        builds: int = 2,
        wait: float = 10.0,
    ) -> None:
        self._factory = factory
        self._build = build
        self.size = size
        self._wait = wait
        self._slots = threading.BoundedSemaphore(builds)
        self._lock = threading.Lock()
        self._points_lock = threading.Lock()
        self._models: OrderedDict[EpochKey, ReadModel] = OrderedDict()
        self._building: dict[EpochKey, threading.Lock] = {}
        self._points: list[datetime] | None = None
        self._generation = 0
        self.builds = 0
        """How many models have been built (for tests and the readiness report)."""

    def __len__(self) -> int:
        return len(self._models)

    def clear(self) -> None:
        """Grids changed: forget the change points and every model."""
        with self._lock:
            self._models.clear()
            self._points = None
            self._generation += 1

    def epoch(self, at: datetime) -> tuple[EpochKey, datetime]:
        """The cache key of ``at`` and the instant to build its model at."""
        points = self._points
        if points is None:
            with self._points_lock:  # read once, however many requests arrive together
                points = self._points
                if points is None:
                    with self._factory() as session:
                        points = list(session.scalars(CHANGE_POINTS_SQL))
                    with self._lock:
                        self._points = points
        i = bisect.bisect_right(points, at)
        if i == 0:
            return _BEFORE_ALL, at
        return points[i - 1], points[i - 1]

    def get(self, at: datetime) -> ReadModel:
        """The model of the grids valid at ``at``."""
        generation = self._generation  # read before the change points the key comes from
        key, instant = self.epoch(at)
        with self._lock:
            hit = self._models.get(key)
            if hit is not None:
                self._models.move_to_end(key)
                return hit
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per epoch: the others wait here, then find it cached
            with self._lock:
                hit = self._models.get(key)
                if hit is not None:
                    return hit
            if not self._slots.acquire(timeout=self._wait):
                raise ServiceUnavailable(
                    "too many past models (?at=) are being built at once; retry shortly "
                    "(each date or instant of an unchanged stretch of grids shares one model)"
                )
            try:
                model = self._build(instant)
            finally:
                self._slots.release()
            with self._lock:
                self.builds += 1
                self._building.pop(key, None)
                if generation == self._generation:  # else grids changed while it was built
                    self._models[key] = model
                    while len(self._models) > self.size:
                        self._models.popitem(last=False)
        return model
