"""Layers that load only when switched on: a GeoJSON endpoint of ours behind a layer-control
entry. Heavy layers of other concerns (camera blind spots, patrol routes) go on the pages this
way, so a page costs nothing for them until someone asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import folium
from folium.plugins import Realtime
from folium.utilities import JsCode


@dataclass(frozen=True)
class LazyLayer:
    """A GeoJSON layer fetched from ``url`` when first shown, then every ``refresh_s``."""

    name: str
    url: str
    id_property: str
    tooltip: dict[str, str] = field(default_factory=dict)
    """Property → label shown on hover."""
    style: dict[str, Any] = field(default_factory=dict)
    """Leaflet path options (color, weight, fillColor, fillOpacity, dashArray, …)."""
    refresh_s: int = 300


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def add_lazy_layer(m: folium.Map, layer: LazyLayer) -> Realtime:
    """Add ``layer`` to ``m``, off at first (its data is fetched when it is switched on)."""
    if not layer.url.startswith("/"):
        raise ValueError(f"`url` was {layer.url!r} but is expected to be a path of this server")
    if layer.refresh_s < 1:
        raise ValueError(f"`refresh_s` was {layer.refresh_s} but is expected to be ≥ 1")
    realtime = Realtime(
        layer.url,
        interval=layer.refresh_s * 1000,
        get_feature_id=JsCode(f"function (f) {{ return f.properties[{_js(layer.id_property)}]; }}"),
        style=JsCode(f"function (f) {{ return {_js(layer.style)}; }}"),
        on_each_feature=JsCode(
            "function (f, l) { var labels = " + _js(layer.tooltip) + ", rows = [];"
            " for (var k in labels) { var v = f.properties[k];"
            " if (v === null || v === undefined) continue;"
            " var d = document.createElement('div'); d.textContent = labels[k] + '：' + v;"
            " rows.push(d.innerHTML); }"
            " if (rows.length) { l.bindTooltip(rows.join('<br>'), {sticky: true}); } }"
        ),
        remove_missing=True,
        only_run_when_added=True,
    )
    realtime.layer_name = layer.name
    realtime.show = False
    realtime.add_to(m)
    _layer_control_last(m)
    return realtime


def _layer_control_last(m: folium.Map) -> None:
    """Move the layer control after every layer: its script names the layers' variables, so
    it must come after the scripts that create them.
    """
    for name, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            m._children.move_to_end(name)
