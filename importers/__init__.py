"""Files in, canonical GeoDataFrames out (EPSG:4490, validated, typed columns)."""

from importers.layers import LAYERS
from importers.prepare import Context, PreparedLayer, layer_spec, prepare

__all__ = ["LAYERS", "Context", "PreparedLayer", "layer_spec", "prepare"]
