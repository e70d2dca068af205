"""The lookup read model: grids and areas of one instant, indexed in memory.

Built from PostGIS (the truth) at start and again whenever grids or areas change. It answers
"which grid, village, town and county is this point in" without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import orjson
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from boundaries.codes import significant_prefix
from boundaries.pointindex import PolygonIndex
from gis_api.schema.layers import GRIDS

LEVELS = ("village", "town", "county")
FRAGMENT_CACHE = 200_000


@dataclass(frozen=True)
class AreaRecord:
    """One administrative area as the lookup answers it."""

    code: str
    name: str
    level: str
    kind: str | None
    parent_code: str | None

    def as_dict(self) -> dict[str, object]:
        """The JSON form: code, name (and kind for villages)."""
        if self.level == "village":
            return {"code": self.code, "name": self.name, "kind": self.kind}
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class GridRecord:
    """One grid as the lookup answers it: the fields the layer declares an answer place for."""

    code: str
    village_code: str
    values: dict[str, object]

    @property
    def name(self) -> str:
        """The grid's name (the batch answer's name column)."""
        return str(self.values["name"])

    def as_dict(self, *, personal: bool) -> dict[str, object]:
        """The JSON form; personal fields only when ``personal``."""
        return GRIDS.answer(self.values, personal=personal)


ANSWERED = GRIDS.answered
"""The grid fields a lookup answers with."""


@dataclass
class Located:
    """Indices into the model's grids and areas for a batch of points (-1: none)."""

    grid: np.ndarray
    village: np.ndarray
    town: np.ndarray
    county: np.ndarray


@dataclass
class _Masks:
    grid: np.ndarray
    area: np.ndarray


class ReadModel:
    """Grids and areas valid at one instant, with one polygon index per level."""

    def __init__(
        self,
        *,
        grids: list[GridRecord],
        grid_geoms: np.ndarray,
        areas: list[AreaRecord],
        area_geoms: np.ndarray,
        loaded_at: datetime,
        valid_at: datetime | None = None,
    ) -> None:
        self.grids = grids
        self.areas = areas
        self.loaded_at = loaded_at
        self.valid_at = valid_at
        self.area_pos = {a.code: i for i, a in enumerate(areas)}
        self.grid_pos = {g.code: i for i, g in enumerate(grids)}
        ranks = np.argsort(np.argsort(np.array([g.code for g in grids], dtype=object)))
        self.grid_index = PolygonIndex(grid_geoms, priority=ranks)
        self.grid_village = np.array(
            [self.area_pos.get(g.village_code, -1) for g in grids], dtype=np.int64
        )
        self.area_parent = np.array(
            [self.area_pos.get(a.parent_code or "", -1) for a in areas], dtype=np.int64
        )
        self.area_codes = np.array([a.code for a in areas] + [None], dtype=object)
        self.grid_codes = np.array([g.code for g in grids] + [None], dtype=object)
        self.level_index: dict[str, tuple[PolygonIndex, np.ndarray]] = {}
        for level in LEVELS:
            members = np.array([i for i, a in enumerate(areas) if a.level == level], dtype=np.int64)
            codes = np.array([areas[i].code for i in members], dtype=object)
            level_ranks = np.argsort(np.argsort(codes)) if len(codes) else None
            self.level_index[level] = (
                PolygonIndex(area_geoms[members] if len(members) else [], priority=level_ranks),
                members,
            )
        self._masks: dict[str, _Masks] = {}
        self._fragments: dict[tuple[int, int, int, int, bool], bytes] = {}

    @property
    def grid_count(self) -> int:
        """How many grids the model holds."""
        return len(self.grids)

    def _parents(self, below: np.ndarray) -> np.ndarray:
        if len(self.area_parent) == 0:
            return np.full(len(below), -1, dtype=np.int64)
        return np.where(below >= 0, self.area_parent[np.maximum(below, 0)], -1)

    def _fill(
        self, found: np.ndarray, level: str, x: np.ndarray, y: np.ndarray, threads: int
    ) -> None:
        """Where ``found`` is -1, locate the point among the areas of ``level`` directly."""
        missing = np.flatnonzero(found < 0)
        index, members = self.level_index[level]
        if len(missing) == 0 or len(members) == 0:
            return
        hit = index.locate(x[missing], y[missing], threads=threads)
        found[missing] = np.where(hit >= 0, members[np.maximum(hit, 0)], -1)

    def locate(self, x: np.ndarray, y: np.ndarray, *, threads: int = 1) -> Located:
        """Grid, village, town and county of every point (indices, -1 for none).

        The village of a point in a grid is the grid's village; only points in no grid (or
        no village, or no town) are located among the areas themselves.
        """
        g = self.grid_index.locate(x, y, threads=threads)
        if len(self.grid_village):
            village = np.where(g >= 0, self.grid_village[np.maximum(g, 0)], -1)
        else:
            village = np.full(len(g), -1, dtype=np.int64)
        self._fill(village, "village", x, y, threads)
        town = self._parents(village)
        self._fill(town, "town", x, y, threads)
        county = self._parents(town)
        self._fill(county, "county", x, y, threads)
        return Located(grid=g, village=village, town=town, county=county)

    def locate_one(self, x: float, y: float) -> tuple[int, int, int, int]:
        """The same for one point, without array overhead."""
        g = self.grid_index.locate_one(x, y)
        found: list[int] = []
        below = self.grid_village[g] if g >= 0 else -1
        for level in LEVELS:
            if below < 0:
                index, members = self.level_index[level]
                hit = index.locate_one(x, y)
                below = int(members[hit]) if hit >= 0 else -1
            found.append(int(below))
            below = int(self.area_parent[below]) if below >= 0 else -1
        return g, found[0], found[1], found[2]

    def fragment(self, g: int, v: int, t: int, c: int, personal: bool) -> bytes:
        """The JSON members of one answer (indices -1 for none), built once and cached."""
        key = (g, v, t, c, personal)
        hit = self._fragments.get(key)
        if hit is not None:
            return hit
        members = {
            "grid": self.grids[g].as_dict(personal=personal) if g >= 0 else None,
            "village": self.areas[v].as_dict() if v >= 0 else None,
            "town": self.areas[t].as_dict() if t >= 0 else None,
            "county": self.areas[c].as_dict() if c >= 0 else None,
        }
        body = orjson.dumps(members)[1:-1]  # without the braces: the caller adds its members
        if len(self._fragments) < FRAGMENT_CACHE:
            self._fragments[key] = body
        return body

    def masks(self, jurisdiction: str) -> _Masks:
        """Which grids a jurisdiction sees, and which areas it may name (inside or above it)."""
        hit = self._masks.get(jurisdiction)
        if hit is not None:
            return hit
        grid = np.array([g.code.startswith(jurisdiction) for g in self.grids] + [False])
        area = np.array(
            [
                a.code.startswith(jurisdiction)
                or jurisdiction.startswith(significant_prefix(a.code))
                for a in self.areas
            ]
            + [False]
        )
        masks = _Masks(grid=grid, area=area)
        self._masks[jurisdiction] = masks
        return masks


GRIDS_SQL = text(
    f"""
    SELECT {", ".join(dict.fromkeys(["code", "village_code", *ANSWERED]))}, ST_AsBinary(geom) AS wkb
    FROM grids
    WHERE CASE WHEN CAST(:at AS timestamptz) IS NULL THEN valid_to IS NULL
               ELSE valid_from <= CAST(:at AS timestamptz)
                    AND (valid_to IS NULL OR valid_to > CAST(:at AS timestamptz)) END
    ORDER BY code
    """
)
AREAS_SQL = text(
    "SELECT code, name, level, kind, parent_code, ST_AsBinary(geom) AS wkb "
    "FROM admin_areas ORDER BY code"
)


def load_read_model(session: Session, *, at: datetime | None = None) -> ReadModel:
    """Read grids (current, or valid at ``at``) and all areas, and index them."""
    loaded_at = session.execute(text("SELECT now()")).scalar_one()
    grid_rows = session.execute(GRIDS_SQL, {"at": at}).all()
    area_rows = session.execute(AREAS_SQL).all()
    grids = [
        GridRecord(
            code=r.code,
            village_code=r.village_code,
            values={name: getattr(r, name) for name in ANSWERED},
        )
        for r in grid_rows
    ]
    areas = [
        AreaRecord(code=r.code, name=r.name, level=r.level, kind=r.kind, parent_code=r.parent_code)
        for r in area_rows
    ]
    grid_geoms = shapely.from_wkb([bytes(r.wkb) for r in grid_rows]) if grid_rows else np.array([])
    area_geoms = shapely.from_wkb([bytes(r.wkb) for r in area_rows]) if area_rows else np.array([])
    return ReadModel(
        grids=grids,
        grid_geoms=np.asarray(grid_geoms, dtype=object),
        areas=areas,
        area_geoms=np.asarray(area_geoms, dtype=object),
        loaded_at=loaded_at,
        valid_at=at,
    )
