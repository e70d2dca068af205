"""What an importable layer holds: its fields, how each is read, and which geometry it takes.

The layers themselves are declared in ``gis_api.schema.layers`` (with everything else the
service knows of them) and passed down here as ``LayerSpec`` values: this package imports no
project package above it, so it is handed the facts rather than holding a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from importers.columns import ALIASES
from importers.values import Parser


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a layer."""

    name: str
    parse: Parser
    required: bool = False
    default: Any = None
    note: str = ""
    aliases: tuple[str, ...] = ()
    """Column names a file may use for this field besides those of ``importers.columns``."""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Every accepted column name: the field's own, the shared aliases, its own aliases."""
        return tuple(dict.fromkeys([*ALIASES.get(self.name, (self.name,)), *self.aliases]))


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


# A layer keyed by "code" also takes a column literally named "id" as its code.
KEY_FALLBACK = {"code": ("id",)}

# Camera defaults, reported as warnings when used.
CAMERA_DEFAULT_RANGE_M = 50.0
CAMERA_DEFAULT_FOV = 90.0
