"""Answering lookups from the read model, with the caller's jurisdiction applied."""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from boundaries.errors import ServiceUnavailable
from gis_api.core.auth import Principal
from gis_api.features.lookup.model import Located, ReadModel, load_read_model

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
    so requests never see a half-built index and never wait for a rebuild.
    """

    AT_CACHE = 8
    """Models of past instants kept per worker (least recently used dropped first)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._model: ReadModel | None = None
        self._lock = threading.Lock()
        self.reloads = 0
        self._at: OrderedDict[datetime, ReadModel] = OrderedDict()
        self._at_lock = threading.Lock()
        self._at_building: dict[datetime, threading.Lock] = {}
        self._generation = 0

    @property
    def model(self) -> ReadModel:
        """The current model; ``ServiceUnavailable`` before the first load."""
        model = self._model
        if model is None:
            raise ServiceUnavailable("the lookup index is not loaded yet")
        return model

    @property
    def loaded(self) -> bool:
        """Whether a model has been loaded."""
        return self._model is not None

    def reload(self) -> ReadModel:
        """Read grids and areas from PostGIS and swap in a new model."""
        with self._lock:
            with self._factory() as session:
                model = load_read_model(session)
            self._model = model
            self.reloads += 1
            # The model lives until the next reload and holds no reference cycles: keep its
            # objects out of the garbage collector's scans, which otherwise walk them over
            # and over on the hot path (measured: ~10 µs of CPU per lookup under load).
            gc.freeze()
        with self._at_lock:
            # a change can concern any instant not yet ended (a publish in progress at a
            # cached instant commits later): models of instants are rebuilt on demand
            self._at.clear()
            self._generation += 1
        log.info("lookup index loaded: %d grids, %d areas", model.grid_count, len(model.areas))
        return model

    def model_at(self, at: datetime) -> ReadModel:
        """A model of the grids valid at ``at`` (built on demand, not cached here)."""
        with self._factory() as session:
            return load_read_model(session, at=at)

    def model_at_cached(self, at: datetime) -> ReadModel:
        """The model of the grids valid at ``at``, from a small LRU cache (one build per
        instant even when many requests ask at once). The cache is emptied on every reload.
        """
        with self._at_lock:
            hit = self._at.get(at)
            if hit is not None:
                self._at.move_to_end(at)
                return hit
            building = self._at_building.setdefault(at, threading.Lock())
        with building:
            with self._at_lock:
                hit = self._at.get(at)
                if hit is not None:
                    return hit
                generation = self._generation
            model = self.model_at(at)
            with self._at_lock:
                if generation != self._generation:  # grids changed while it was built
                    self._at_building.pop(at, None)
                    return model
                self._at[at] = model
                self._at.move_to_end(at)
                while len(self._at) > self.AT_CACHE:
                    self._at.popitem(last=False)
                self._at_building.pop(at, None)
        return model
