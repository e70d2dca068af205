"""Files in, canonical GeoDataFrames out (EPSG:4490, validated, typed columns)."""

from importers.layers import FieldSpec, LayerSpec
from importers.prepare import Context, PreparedLayer, layer_spec, prepare

__all__ = ["Context", "FieldSpec", "LayerSpec", "PreparedLayer", "layer_spec", "prepare"]
