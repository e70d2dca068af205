"""What each layer holds: its fields, how each is read, and which geometry it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from importers import values as v
from importers.values import Parser


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a layer."""

    name: str
    parse: Parser
    required: bool = False
    default: Any = None
    note: str = ""


@dataclass(frozen=True)
class LayerSpec:
    """A layer that ``gridmap import`` accepts."""

    name: str
    title: str
    key: str
    fields: tuple[FieldSpec, ...]
    geometry: str
    key_prefix: str | None = None
    """When set, a missing key is derived from the geometry (``prefix + hash``)."""

    @property
    def field_names(self) -> list[str]:
        """Canonical field names, key first."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        """The spec of one field."""
        return next(f for f in self.fields if f.name == name)


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            name="admin-areas",
            title="administrative areas (county, town, village/community)",
            key="code",
            geometry="polygon",
            fields=(
                FieldSpec("code", v.area_code, required=True, note="12-digit division code"),
                FieldSpec("name", v.text, required=True),
                FieldSpec(
                    "level", v.level, note="county/town/village; derived from the code if absent"
                ),
                FieldSpec(
                    "kind", v.village_kind, note="社区 or 村 for villages; from the name if absent"
                ),
                FieldSpec("parent_code", v.area_code, note="derived from the code if absent"),
            ),
        ),
        LayerSpec(
            name="grids",
            title="grids (网格)",
            key="code",
            geometry="polygon",
            fields=(
                FieldSpec("code", v.grid_code, required=True, note="15 digits: village code + 3"),
                FieldSpec("name", v.text, required=True),
                FieldSpec("kind", v.grid_kind, required=True, note="街巷型/楼院型/单位型/村组型"),
                FieldSpec(
                    "village_code", v.village_code, note="must equal the code's first 12 digits"
                ),
                FieldSpec("households", v.count, default=0),
                FieldSpec("population", v.count),
                FieldSpec("leader_name", v.text),
                FieldSpec("leader_phone", v.phone, note="personal data"),
            ),
        ),
        LayerSpec(
            name="buildings",
            title="buildings (points or footprints)",
            key="code",
            key_prefix="B-",
            geometry="point_or_polygon",
            fields=(
                FieldSpec("code", v.free_code, note="derived from the geometry if absent"),
                FieldSpec("village_code", v.village_code, note="found by location if absent"),
                FieldSpec("households", v.count, default=0),
                FieldSpec("address", v.text),
            ),
        ),
        LayerSpec(
            name="cameras",
            title="cameras (GB/T 28181 ids)",
            key="id",
            geometry="point",
            fields=(
                FieldSpec("id", v.camera_id, required=True, note="20-digit GB/T 28181 id"),
                FieldSpec("name", v.text, required=True),
                FieldSpec(
                    "category", v.camera_category, required=True, note="1/2/3 or 一类/二类/三类"
                ),
                FieldSpec(
                    "heading",
                    v.number(0, 360, wrap=360),
                    note="degrees from north; empty for 360° cameras",
                ),
                FieldSpec(
                    "fov",
                    v.number(0, 360, low_open=True),
                    note="degrees; 360 if absent and no heading",
                ),
                FieldSpec("range_m", v.number(0, 5000, low_open=True), note="metres"),
                FieldSpec(
                    "status", v.camera_status, default="online", note="online/offline, 在线/离线"
                ),
                FieldSpec("owner", v.text),
            ),
        ),
        LayerSpec(
            name="key-sites",
            title="key public places",
            key="code",
            key_prefix="KS-",
            geometry="point_or_polygon",
            fields=(
                FieldSpec("code", v.free_code, note="derived from the geometry if absent"),
                FieldSpec(
                    "kind", v.key_site_kind, required=True, note="school, hospital, market, …"
                ),
                FieldSpec("name", v.text, required=True),
            ),
        ),
        LayerSpec(
            name="relocation-sites",
            title="relocation sites (易地搬迁安置点)",
            key="code",
            geometry="point_or_polygon",
            fields=(
                FieldSpec("code", v.free_code, required=True),
                FieldSpec("name", v.text, required=True),
                FieldSpec("households", v.count),
                FieldSpec("population", v.count),
                FieldSpec(
                    "managing_area_code", v.area_code, note="the community or village managing it"
                ),
                FieldSpec(
                    "management", v.management, required=True, note="own_committee / attached"
                ),
                FieldSpec(
                    "origin_village_codes", v.village_codes, default=(), note="separated by ;"
                ),
            ),
        ),
    )
}

# A layer keyed by "code" also takes a column literally named "id" as its code.
KEY_FALLBACK = {"code": ("id",)}

# Camera defaults, reported as warnings when used.
CAMERA_DEFAULT_RANGE_M = 50.0
CAMERA_DEFAULT_FOV = 90.0
