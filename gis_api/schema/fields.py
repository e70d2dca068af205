"""The vocabulary of :mod:`gis_api.schema.layers`: a field, a layer, and what to ask of them.

A field says what it is (type, Chinese label, export names, whether it is personal data) and
what part it plays in its layer (``role``); consumers pick fields by role and by what the
caller may see, never by listing names. ``answer`` places a field in the nested JSON answers
(``"leader.phone"`` puts it under ``leader`` as ``phone``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from importers.layers import FieldSpec, LayerSpec
from importers.values import Parser

# Roles of a field in its layer.
KEY = "key"
"""The feature's code or id."""
PARENT = "parent"
"""The area the feature belongs to (a grid's village)."""
DETAIL = "detail"
"""What the feature records, what planners edit and what a new version compares."""
PLACE = "place"
"""Where it fell: codes found by location when it was stored."""
TIME = "time"
"""Instants of a workflow (an incident's steps)."""
VERSION = "version"
"""Which version and when it was valid."""
AUDIT = "audit"
"""Who wrote it: stored, shown in history, not served."""
DERIVED = "derived"
"""Not a column of the table: joined in for exports and pages (a grid's village name)."""

SERVED = (KEY, PARENT, DETAIL, PLACE, TIME, VERSION)
"""The roles OGC items carry."""

SHAPEFILE_NAME_BYTES = 10

PRECISION = 8
"""Decimal digits of served coordinates unless a layer says otherwise (1e-8 degrees: ~1 mm)."""


class Caller(Protocol):
    """Whoever asks: a principal that may or may not see personal data."""

    @property
    def personal(self) -> bool: ...


@dataclass(frozen=True)
class Field:
    """One field of a layer."""

    name: str
    type: str
    """SQL type: text, integer, double precision, timestamptz, text[]."""
    label: str
    """Chinese name on pages and in the Chinese GeoJSON/GeoPackage exports."""
    role: str = DETAIL
    personal: bool = False
    short: str | None = None
    """Shapefile field name (at most 10 bytes); the name itself when it fits."""
    short_label: str | None = None
    """Chinese Shapefile field name (at most 10 bytes in UTF-8: three characters); the label
    when it fits."""
    answer: str | None = None
    """Where the field sits in the lookup/incident JSON answers; None: not there."""
    # What the importer needs (passed down to ``importers`` as its FieldSpec).
    parse: Parser | None = None
    """How an imported value is read; None: not imported."""
    required: bool = False
    default: Any = None
    note: str = ""
    aliases: tuple[str, ...] = ()
    """Column names a file may use besides the shared ones of ``importers.columns``."""

    @property
    def stored(self) -> bool:
        """Whether the field is a column of the layer's table."""
        return self.role != DERIVED

    @property
    def shapefile_name(self) -> str:
        """The Shapefile field name."""
        return self.short or self.name

    @property
    def shapefile_label(self) -> str:
        """The Chinese Shapefile field name: ``short_label``, else the label if it fits."""
        if self.short_label:
            return self.short_label
        fits = len(self.label.encode("utf-8")) <= SHAPEFILE_NAME_BYTES
        return self.label if fits else self.shapefile_name


@dataclass(frozen=True)
class Layer:
    """One layer: its table, fields, the field that carries the area code, its geometry."""

    name: str
    title: str
    description: str
    table: str
    id_field: str
    area_field: str
    """The column whose code prefix a key's jurisdiction filters on."""
    geometry: str
    """polygon, point or point_or_polygon."""
    fields: tuple[Field, ...]
    precision: int = PRECISION
    """Decimal digits of the coordinates served (snap-rounded, see ``schema.geojson``)."""
    versioned: bool = False
    instant_field: str | None = None
    """Each feature happened at this instant (OGC ``datetime`` selects by it)."""
    key_prefix: str | None = None
    """Importer: a missing key is derived from the geometry (``prefix + hash``)."""
    import_title: str | None = None
    """Importer: the title ``gridmap import`` shows; None: not importable."""

    @property
    def grid_size(self) -> float:
        """The precision as a grid size in degrees, for snap rounding."""
        return float(10.0**-self.precision)

    def field(self, name: str) -> Field:
        """One field by name."""
        return next(f for f in self.fields if f.name == name)

    def select(
        self,
        roles: Iterable[str] | None = None,
        *,
        caller: Caller | None = None,
        personal: bool | None = None,
        stored: bool | None = None,
    ) -> tuple[Field, ...]:
        """The fields in declaration order with one of ``roles`` (all if None) that the caller
        may see: personal fields only for a caller who may see personal data (``caller`` or
        ``personal``; neither means everything).
        """
        wanted = None if roles is None else set(roles)
        sees = personal if personal is not None else (caller.personal if caller else True)
        return tuple(
            f
            for f in self.fields
            if (wanted is None or f.role in wanted)
            and (sees or not f.personal)
            and (stored is None or f.stored == stored)
        )

    def names(
        self,
        roles: Iterable[str] | None = None,
        *,
        caller: Caller | None = None,
        personal: bool | None = None,
        stored: bool | None = None,
    ) -> tuple[str, ...]:
        """The names of :meth:`select`'s fields."""
        picked = self.select(roles, caller=caller, personal=personal, stored=stored)
        return tuple(f.name for f in picked)

    @property
    def personal_fields(self) -> tuple[str, ...]:
        """The fields only callers allowed personal data see."""
        return tuple(f.name for f in self.fields if f.personal)

    @property
    def answered(self) -> tuple[str, ...]:
        """The fields that have a place in the JSON answers (all of them, personal too)."""
        return tuple(f.name for f in self.fields if f.answer is not None)

    def labels(self) -> dict[str, str]:
        """Field name → Chinese label."""
        return {f.name: f.label for f in self.fields}

    def answer(self, values: Mapping[str, Any], *, personal: bool) -> dict[str, Any]:
        """The nested JSON answer of the fields that have an ``answer`` place.

        A group (``leader``) holds the caller's visible fields of it; it is null when all of
        them are null, and left out when the caller may see none of them.
        """
        out: dict[str, Any] = {}
        groups: dict[str, dict[str, Any]] = {}
        for f in self.fields:
            if f.answer is None:
                continue
            group, _, key = f.answer.rpartition(".")
            if not group:
                if personal or not f.personal:
                    out[key] = values.get(f.name)
                continue
            members = groups.setdefault(group, {})
            if group not in out:
                out[group] = None
            if personal or not f.personal:
                members[key] = values.get(f.name)
        for group, members in groups.items():
            if not members:
                del out[group]
            elif any(v is not None for v in members.values()):
                out[group] = members
        return out

    def import_spec(self) -> LayerSpec:
        """The layer as ``importers`` reads it: the fields that have a parser."""
        fields = tuple(
            FieldSpec(
                f.name,
                f.parse,
                required=f.required,
                default=f.default,
                note=f.note,
                aliases=f.aliases,
            )
            for f in self.fields
            if f.parse is not None
        )
        return LayerSpec(
            name=self.name,
            title=self.import_title or self.title,
            key=self.id_field,
            fields=fields,
            geometry=self.geometry,
            key_prefix=self.key_prefix,
        )
