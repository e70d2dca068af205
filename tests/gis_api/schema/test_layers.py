"""The layer declarations: sound in themselves, and the only place personal fields are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gis_api.features.ogc.collections import COLLECTIONS
from gis_api.features.planning.export import SHAPEFILE_CHINESE, SHAPEFILE_NAMES
from gis_api.schema.fields import SHAPEFILE_NAME_BYTES
from gis_api.schema.layers import IMPORT_LAYERS, LAYERS
from gis_api.schema.models import Base

ROOT = Path(__file__).resolve().parents[3]
# Where a personal field may be named: its declaration, the tables and migrations, the demo
# generator that invents the values, and the tests.
ALLOWED = ("gis_api/schema/", "migrations/", "gis_api/features/demo/", "tests/")
SOURCES = ("boundaries", "importers", "gis_api", "map_ui", "benchmarks", "migrations")


@pytest.mark.parametrize("layer", LAYERS.values(), ids=list(LAYERS))
def test_every_stored_field_is_a_column_of_the_layers_table(layer):
    columns = set(Base.metadata.tables[layer.table].columns.keys())
    stored = {f.name for f in layer.fields if f.stored}
    assert stored <= columns, stored - columns
    assert {layer.id_field, layer.area_field} <= columns


@pytest.mark.parametrize("layer", LAYERS.values(), ids=list(LAYERS))
def test_shapefile_names_fit_in_ten_bytes_and_are_unique(layer):
    for names in ({f.name: f.shapefile_name for f in layer.fields},
                  {f.name: f.shapefile_label for f in layer.fields}):  # fmt: skip
        too_long = [n for n in names.values() if len(n.encode("utf-8")) > SHAPEFILE_NAME_BYTES]
        assert not too_long
        assert len(set(names.values())) == len(names)


def test_the_grid_exports_keep_their_names():
    assert SHAPEFILE_NAMES["village_code"] == "village_cd"
    assert SHAPEFILE_CHINESE["village_code"] == "村编码"
    assert SHAPEFILE_CHINESE["households"] == "户数"


def test_personal_fields_are_never_the_key_or_the_area():
    for layer in LAYERS.values():
        for name in layer.personal_fields:
            assert name not in (layer.id_field, layer.area_field)


def test_a_caller_without_personal_rights_gets_no_personal_field():
    for layer in LAYERS.values():
        assert not set(layer.names(personal=False)) & set(layer.personal_fields)
        assert set(layer.personal_fields) <= set(layer.names(personal=True))


def test_importers_are_handed_the_declared_fields():
    for name, spec in IMPORT_LAYERS.items():
        declared = [f.name for f in LAYERS[name].fields if f.parse is not None]
        assert spec.field_names == declared
        assert spec.key == LAYERS[name].id_field


def test_every_collection_is_a_declared_layer():
    assert set(COLLECTIONS) == set(LAYERS)


def test_no_code_outside_the_schema_names_a_personal_field():
    names = {n for layer in LAYERS.values() for n in layer.personal_fields}
    assert names
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    found = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(ALLOWED):
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "ask gis_api.schema.layers instead:\n" + "\n".join(found)
