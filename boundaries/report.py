"""The validation report: rules, issues with stable ids, per-grid and per-village summaries.

An issue's id is ``<kind>:<subject>:<digest>``, where the digest hashes the kind, the subject
(grid key, pair of grids, village and rank), the issue's figure and its geometry rounded to
1e-7 degrees. The same draft validated twice gives the same ids; an edit that changes a problem
changes its id. A planner accepts warnings by sending their ids back when publishing, so an
acceptance never carries over to a problem that has since changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

ERROR, WARNING = "error", "warning"

#: kind → (severity, Chinese label shown on the map)
KINDS: dict[str, tuple[str, str]] = {
    "invalid_geometry": (ERROR, "几何无效"),
    "malformed_code": (ERROR, "编码格式错误"),
    "duplicate_code": (ERROR, "编码重复"),
    "code_village_mismatch": (ERROR, "编码与所属村社区不符"),
    "unknown_village": (ERROR, "所属村社区不在本区域"),
    "outside_village": (ERROR, "超出村社区边界"),
    "overlap": (ERROR, "网格重叠"),
    "gap": (WARNING, "未覆盖空白"),
    "multipart": (WARNING, "网格不连续"),
    "sliver": (WARNING, "碎片"),
    "households_buildings": (WARNING, "户数不符合标准（按建筑）"),
    "households_stored": (WARNING, "户数不符合标准（登记数）"),
    "buildings_unassigned": (WARNING, "建筑不在任何网格"),
    "building_in_two_grids": (WARNING, "建筑跨两个网格"),
    "no_leader": (WARNING, "未配备网格长"),
}
GEOJSON_DIGITS = 8


@dataclass(frozen=True)
class ValidationRules:
    """Thresholds of the validation; the household standards are per village kind."""

    community_households: tuple[int, int] = (200, 500)
    """Household range of a grid in an urban community (社区)."""
    village_households: tuple[int, int] = (100, 300)
    """Household range of a grid in a rural village (村)."""
    gap_min_m2: float = 10.0
    """Uncovered pieces of a village smaller than this are numerical noise, not gaps."""
    overlap_min_m2: float = 1.0
    """Shared parts of two grids smaller than this are not reported."""
    outside_min_m2: float = 1.0
    """Parts of a grid outside its village smaller than this are not reported."""
    sliver_max_area_m2: float = 200.0
    """A piece of a grid smaller than this is a sliver."""
    sliver_max_width_m: float = 5.0
    """A piece whose mean width (2 · area / perimeter) is below this is a sliver."""
    split_share: float = 0.1
    """A footprint with at least this share of its area in each of two grids is in two grids."""

    def __post_init__(self) -> None:
        """Check the figures."""
        for name in ("community_households", "village_households"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"`{name}` was {(low, high)} but needs 0 < low <= high")
        for name in ("gap_min_m2", "overlap_min_m2", "outside_min_m2", "sliver_max_area_m2"):
            if getattr(self, name) < 0:
                raise ValueError(f"`{name}` was {getattr(self, name)} but must be >= 0")
        if self.sliver_max_width_m < 0:
            raise ValueError(f"`sliver_max_width_m` was {self.sliver_max_width_m}; must be >= 0")
        if not 0 < self.split_share <= 0.5:
            raise ValueError(f"`split_share` was {self.split_share} but must be in (0, 0.5]")

    def households_range(self, kind: str | None) -> tuple[int, int]:
        """The standard for a grid in a village of this kind (社区 or 村)."""
        return self.community_households if kind == "社区" else self.village_households


def _rounded_wkb(geom: BaseGeometry | None) -> bytes:
    if geom is None or geom.is_empty:
        return b""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, 7))
    return bytes(shapely.to_wkb(shapely.normalize(rounded)))


@dataclass(frozen=True)
class Issue:
    """One problem: what, how bad, where (a geometry in EPSG:4490), which grids."""

    id: str
    kind: str
    severity: str
    message: str
    geometry: BaseGeometry | None = None
    grids: tuple[str, ...] = ()
    village_code: str | None = None
    area_m2: float | None = None
    value: float | None = None

    @property
    def label(self) -> str:
        """The Chinese name of the kind, for maps and lists."""
        return KINDS[self.kind][1]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready properties (without the geometry)."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "label": self.label,
            "message": self.message,
            "grids": list(self.grids),
        }
        if self.village_code is not None:
            out["village_code"] = self.village_code
        if self.area_m2 is not None:
            out["area_m2"] = round(float(self.area_m2), 1)
        if self.value is not None:
            out["value"] = float(self.value) if self.value % 1 else int(self.value)
        return out

    def feature(self) -> dict[str, Any]:
        """The issue as a GeoJSON Feature (geometry null when it has no place)."""
        geometry = None
        if self.geometry is not None and not self.geometry.is_empty:
            rounded = shapely.transform(self.geometry, lambda xy: np.round(xy, GEOJSON_DIGITS))
            geometry = mapping(rounded)
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": geometry,
            "properties": self.as_dict(),
        }


def make_issue(
    kind: str,
    subject: str,
    message: str,
    *,
    geometry: BaseGeometry | None = None,
    grids: tuple[str, ...] = (),
    village_code: str | None = None,
    area_m2: float | None = None,
    value: float | None = None,
) -> Issue:
    """Build an issue of a known kind, with its severity and stable id."""
    if kind not in KINDS:
        raise ValueError(f"`kind` was {kind!r} but is expected to be one of {sorted(KINDS)}")
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{kind}|{subject}|{value}|{round(area_m2 or 0.0, 0)}|".encode())
    digest.update(_rounded_wkb(geometry))
    return Issue(
        id=f"{kind}:{subject}:{digest.hexdigest()[:8]}",
        kind=kind,
        severity=KINDS[kind][0],
        message=message,
        geometry=geometry,
        grids=grids,
        village_code=village_code,
        area_m2=None if area_m2 is None else float(area_m2),
        value=value,
    )


@dataclass(frozen=True)
class GridSummary:
    """The figures of one grid."""

    key: str
    code: str | None
    name: str | None
    village_code: str | None
    area_m2: float
    parts: int
    compactness: float
    """Polsby–Popper: 4π · area / perimeter², 1 for a circle."""
    buildings: int
    households: int | None
    """Counted from the buildings it holds; None when its village has no buildings loaded."""
    households_stored: int | None
    standard: tuple[int, int] | None
    status: str
    """``ok``, ``below``, ``above`` (by the counted figure, else the stored one) or ``unknown``."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key,
            "code": self.code,
            "name": self.name,
            "village_code": self.village_code,
            "area_m2": round(self.area_m2, 1),
            "parts": self.parts,
            "compactness": round(self.compactness, 4),
            "buildings": self.buildings,
            "households": self.households,
            "households_stored": self.households_stored,
            "standard": list(self.standard) if self.standard else None,
            "status": self.status,
        }


@dataclass(frozen=True)
class VillageSummary:
    """The figures of one village or community."""

    code: str
    name: str | None
    kind: str | None
    area_m2: float
    gap_m2: float
    grids: int
    buildings: int
    households: int
    buildings_unassigned: int
    standard: tuple[int, int]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "area_m2": round(self.area_m2, 1),
            "gap_m2": round(self.gap_m2, 1),
            "grids": self.grids,
            "buildings": self.buildings,
            "households": self.households,
            "buildings_unassigned": self.buildings_unassigned,
            "standard": list(self.standard),
        }


@dataclass
class ValidationReport:
    """Everything the validation found."""

    issues: list[Issue]
    grids: list[GridSummary]
    villages: list[VillageSummary]
    rules: ValidationRules = field(default_factory=ValidationRules)

    @property
    def errors(self) -> list[Issue]:
        """Issues that forbid publishing."""
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """Issues a planner may accept explicitly."""
        return [i for i in self.issues if i.severity == WARNING]

    def unaccepted(self, accepted: set[str] | frozenset[str]) -> list[Issue]:
        """Warnings whose ids are not in ``accepted``."""
        return [i for i in self.warnings if i.id not in accepted]

    def counts(self) -> dict[str, int]:
        """Issues per kind."""
        out: dict[str, int] = {}
        for issue in self.issues:
            out[issue.kind] = out.get(issue.kind, 0) + 1
        return dict(sorted(out.items()))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: summary, issues as a GeoJSON FeatureCollection, grids, villages."""
        return {
            "valid": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "counts": self.counts(),
            "problems": {
                "type": "FeatureCollection",
                "features": [issue.feature() for issue in self.issues],
            },
            "grids": [g.as_dict() for g in self.grids],
            "villages": [v.as_dict() for v in self.villages],
            "rules": {
                "community_households": list(self.rules.community_households),
                "village_households": list(self.rules.village_households),
                "gap_min_m2": self.rules.gap_min_m2,
                "overlap_min_m2": self.rules.overlap_min_m2,
                "outside_min_m2": self.rules.outside_min_m2,
                "sliver_max_area_m2": self.rules.sliver_max_area_m2,
                "sliver_max_width_m": self.rules.sliver_max_width_m,
                "split_share": self.rules.split_share,
            },
        }
