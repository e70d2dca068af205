"""Answering lookups from the read model, with the caller's jurisdiction applied."""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from boundaries.errors import ServiceUnavailable
from gis_api.core.auth import Principal
from gis_api.features.lookup.model import Located, ReadModel, load_read_model
from gis_api.features.lookup.past import PastModels

log = logging.getLogger(__name__)

FIELDS = ("grid", "village", "town", "county")


@dataclass
class BatchAnswer:
    """Codes per point (``None`` where none) and the details of each grid and area named."""

    grid: np.ndarray
    village: np.ndarray
    town: np.ndarray
    county: np.ndarray
    grids: dict[str, dict[str, object]]
    areas: dict[str, dict[str, object]]
    located: Located

    def rows(self) -> list[tuple[object, ...]]:
        """One ``(grid, village, town, county)`` tuple of codes per point."""
        return list(
            zip(
                self.grid.tolist(),
                self.village.tolist(),
                self.town.tolist(),
                self.county.tolist(),
                strict=True,
            )
        )


def _masked(model: ReadModel, located: Located, principal: Principal) -> Located:
    if not principal.jurisdiction:
        return located
    masks = model.masks(principal.jurisdiction)
    return Located(
        grid=np.where(masks.grid[located.grid], located.grid, -1),
        village=np.where(masks.area[located.village], located.village, -1),
        town=np.where(masks.area[located.town], located.town, -1),
        county=np.where(masks.area[located.county], located.county, -1),
    )


def answer_one(model: ReadModel, *, x: float, y: float, principal: Principal) -> dict[str, object]:
    """The grid, village, town and county of one point, as JSON-ready dicts (or ``None``)."""
    g, v, t, c = model.locate_one(x, y)
    if principal.jurisdiction:
        masks = model.masks(principal.jurisdiction)
        g = g if masks.grid[g] else -1
        v, t, c = (i if masks.area[i] else -1 for i in (v, t, c))
    personal = principal.personal
    return {
        "grid": model.grids[g].as_dict(personal=personal) if g >= 0 else None,
        "village": model.areas[v].as_dict() if v >= 0 else None,
        "town": model.areas[t].as_dict() if t >= 0 else None,
        "county": model.areas[c].as_dict() if c >= 0 else None,
    }


def answer_one_json(model: ReadModel, *, x: float, y: float, principal: Principal) -> bytes:
    """``answer_one`` as the JSON members ``"grid":…,"village":…,"town":…,"county":…``.

    The members are cached per (grid, village, town, county, personal): after the first
    request for a grid, answering is a point location and a dictionary look-up.
    """
    g, v, t, c = model.locate_one(x, y)
    if principal.jurisdiction:
        masks = model.masks(principal.jurisdiction)
        g = g if masks.grid[g] else -1
        v, t, c = (i if masks.area[i] else -1 for i in (v, t, c))
    return model.fragment(g, v, t, c, principal.personal)


def answer_many(
    model: ReadModel, *, x: np.ndarray, y: np.ndarray, principal: Principal, threads: int = 1
) -> BatchAnswer:
    """The same for many points at once."""
    located = _masked(model, model.locate(x, y, threads=threads), principal)
    personal = principal.personal
    grids = {
        model.grids[i].code: model.grids[i].as_dict(personal=personal)
        for i in np.unique(located.grid)
        if i >= 0
    }
    area_ids = np.unique(np.concatenate([located.village, located.town, located.county]))
    areas = {
        model.areas[i].code: {**model.areas[i].as_dict(), "level": model.areas[i].level}
        for i in area_ids
        if i >= 0
    }
    return BatchAnswer(
        grid=model.grid_codes[located.grid],
        village=model.area_codes[located.village],
        town=model.area_codes[located.town],
        county=model.area_codes[located.county],
        grids=grids,
        areas=areas,
        located=located,
    )


class LookupService:
    """Holds the current read model of one worker and rebuilds it on demand.

    A rebuild reads PostGIS in the caller's thread, then swaps the model in one assignment,
    so requests never see a half-built index and never wait for a rebuild. A rebuild that
    fails (the database away) keeps the old model and is retried in the background
    (``reload_or_retry``) until one succeeds.
    """

    RETRY_MAX = 30.0
    """Longest pause, in seconds, between retries of a failed reload."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        at_cache: int = 8,
        at_builds: int = 2,
        at_wait: float = 10.0,
    ) -> None:
        self._factory = factory
        self._model: ReadModel | None = None
        self._lock = threading.Lock()
        self.reloads = 0
        self.loaded_monotonic: float | None = None
        """When (``time.monotonic``) the current model was swapped in."""
        self.past = PastModels(
            factory, self.model_at, size=at_cache, builds=at_builds, wait=at_wait
        )
        self._retry_lock = threading.Lock()
        self._retry: threading.Timer | None = None
        self._retry_delay = 1.0
        self._closed = False

    @property
    def model(self) -> ReadModel:
        """The current model; ``ServiceUnavailable`` before the first load."""
        model = self._model
        if model is None:
            raise ServiceUnavailable(
                "the lookup index is not loaded yet (the database has not been reachable "
                "since the service started); retry shortly"
            )
        return model

    @property
    def loaded(self) -> bool:
        """Whether a model has been loaded."""
        return self._model is not None

    @property
    def retrying(self) -> bool:
        """Whether a failed reload is waiting to be retried."""
        return self._retry is not None

    def reload(self) -> ReadModel:
        """Read grids and areas from PostGIS and swap in a new model."""
        with self._lock:
            with self._factory() as session:
                model = load_read_model(session)
            self._model = model
            self.loaded_monotonic = time.monotonic()
            self.reloads += 1
            # The model lives until the next reload and holds no reference cycles: keep its
            # objects out of the garbage collector's scans, which otherwise walk them over
            # and over on the hot path (measured: ~10 µs of CPU per lookup under load).
            gc.freeze()
        # a change can concern any instant not yet ended (a publish in progress at a
        # cached instant commits later): models of instants are rebuilt on demand
        self.past.clear()
        log.info("lookup index loaded: %d grids, %d areas", model.grid_count, len(model.areas))
        return model

    def reload_or_retry(self) -> bool:
        """``reload``; when it fails, keep the current model, log, and retry in the background
        with a growing pause (1 s, 2 s, … up to ``RETRY_MAX``). Returns whether it succeeded.
        """
        try:
            self.reload()
        except Exception as exc:  # the database away, or anything else: never lose the index
            with self._retry_lock:
                if self._closed:
                    return False
                delay = self._retry_delay
                self._retry_delay = min(delay * 2, self.RETRY_MAX)
                if self._retry is None:
                    self._retry = threading.Timer(delay, self._retry_now)
                    self._retry.daemon = True
                    self._retry.start()
            log.warning(
                "lookup index reload failed (%s); %s, retrying in %.0f s",
                exc,
                "keeping the current index" if self.loaded else "no index yet",
                delay,
            )
            return False
        with self._retry_lock:
            self._retry_delay = 1.0
        return True

    def _retry_now(self) -> None:
        with self._retry_lock:
            self._retry = None
        self.reload_or_retry()

    def close(self) -> None:
        """Stop retrying (the app is shutting down)."""
        with self._retry_lock:
            self._closed = True
            if self._retry is not None:
                self._retry.cancel()
                self._retry = None

    def model_at(self, at: datetime) -> ReadModel:
        """A model of the grids valid at ``at`` (built now, not cached)."""
        with self._factory() as session:
            return load_read_model(session, at=at)

    def model_at_cached(self, at: datetime) -> ReadModel:
        """The model of the grids valid at ``at``, from the cache of past models (built once
        per stretch of unchanged grids, see ``past.PastModels``); emptied on every reload.
        """
        return self.past.get(at)
