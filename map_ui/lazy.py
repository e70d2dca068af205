"""Layers that load only when switched on: a GeoJSON endpoint of ours behind a layer-control
entry. Heavy layers of other concerns (camera blind spots, patrol routes) go on the pages this
way, so a page costs nothing for them until someone asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
from folium.plugins import Realtime

from map_ui.templating import GRIDMAP_JS, folium_template


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


class GridmapRealtime(Realtime):
    """folium's Realtime whose JavaScript functions are ``GridmapMaps.realtimeKinds[kind]``
    (``static/gridmap.js``, ``static/incidents.js``) made from ``config`` (JSON).
    """

    _template = folium_template("realtime.j2")
    default_js = [*Realtime.default_js, GRIDMAP_JS]

    def __init__(self, source: str, *, kind: str, config: dict[str, Any], **kwargs: Any) -> None:
        """``kwargs`` are folium Realtime's options (interval, remove_missing, …)."""
        super().__init__(source, **kwargs)
        self.kind = kind
        self.config = config


def add_lazy_layer(m: folium.Map, layer: LazyLayer) -> Realtime:
    """Add ``layer`` to ``m``, off at first (its data is fetched when it is switched on)."""
    if not layer.url.startswith("/"):
        raise ValueError(f"`url` was {layer.url!r} but is expected to be a path of this server")
    if layer.refresh_s < 1:
        raise ValueError(f"`refresh_s` was {layer.refresh_s} but is expected to be ≥ 1")
    realtime = GridmapRealtime(
        layer.url,
        kind="lazy",
        config={"idProperty": layer.id_property, "style": layer.style, "tooltip": layer.tooltip},
        interval=layer.refresh_s * 1000,
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
