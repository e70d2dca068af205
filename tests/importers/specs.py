"""The importers are handed their layer specs; the tests hand them the service's declaration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gis_api.schema.layers import IMPORT_LAYERS
from importers import PreparedLayer, layer_spec
from importers import prepare as prepare_spec


def prepare(layer: str, path: str | Path, **kw: Any) -> PreparedLayer:
    """``importers.prepare`` for a layer named as ``gridmap import`` names it."""
    return prepare_spec(layer_spec(layer, IMPORT_LAYERS), path, **kw)
