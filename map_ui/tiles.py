"""Vector tile layers for Leaflet (Leaflet.VectorGrid), for layers too large to put in a page.

The app serves Mapbox Vector Tiles at ``/tiles/{layer}/{z}/{x}/{y}.pbf``; a
:class:`VectorTileLayer` draws one of them on a canvas (``GridmapMaps.vectorTiles`` in
``static/gridmap.js``), styles each feature with a JavaScript function of its properties, and
opens a popup with chosen properties on click. Tiles are fetched with the page's cookies (same
origin), so the session and jurisdiction apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import VectorGridProtobuf

from map_ui.templating import GRIDMAP_JS, folium_template

_TEMPLATE_PARTS = ("{z}", "{x}", "{y}")


@dataclass(frozen=True)
class TileSource:
    """Where a layer's tiles are and what they hold.

    Attributes:
        url: URL template with ``{z}``, ``{x}``, ``{y}``
            (e.g. ``/tiles/grids/{z}/{x}/{y}.pbf?v=3``).
        layer: The layer name inside the tiles.
        minzoom: The lowest zoom the server has tiles for.
        id_property: A property unique per feature (for hover and popups).
        count: How many features the layer has (shown in the layer's notice).

    """

    url: str
    layer: str
    minzoom: int = 0
    id_property: str = "code"
    count: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check the template."""
        missing = [p for p in _TEMPLATE_PARTS if p not in self.url]
        if missing:
            raise ValueError(f'`url` was "{self.url}" but lacks the placeholders {missing}')
        if not re.fullmatch(r"[\w-]+", self.layer):
            raise ValueError(f'`layer` was "{self.layer}" but is expected to be a plain name')
        if not 0 <= self.minzoom <= 22:
            raise ValueError(f"`minzoom` was {self.minzoom} but is expected in 0..22")


class VectorTileLayer(JSCSSMixin, Layer):
    """A layer of vector tiles drawn by Leaflet.VectorGrid on a canvas.

    Args:
        source: The tiles.
        name: The name in the layer control.
        style: The name of a style in ``GridmapMaps.tileStyles`` (``static/gridmap.js``,
            ``static/incidents.js``): a function of ``style_config`` that returns the
            function ``(properties, zoom) -> Leaflet path options``.
        style_config: Its configuration (JSON).
        popup_fields: Properties shown in the click popup, in order (values are escaped).
        popup_aliases: Their labels (Chinese on our maps); the field names if None.
        pane: The map pane to draw in.
        show: Whether the layer is on when the page opens.
        interactive: Whether features answer clicks. A canvas takes every click over it, so
            a layer drawn above another interactive one (village outlines over grids) must not.

    """

    _template = folium_template("vector_tiles.j2")

    # folium's own declaration (``@latest``); map_ui.assets serves the version package.json pins
    default_js = [*VectorGridProtobuf.default_js, GRIDMAP_JS]

    def __init__(
        self,
        source: TileSource,
        *,
        name: str,
        style: str,
        style_config: Any = None,
        popup_fields: Sequence[str] = (),
        popup_aliases: Sequence[str] | None = None,
        pane: str = "overlayPane",
        show: bool = True,
        interactive: bool = True,
    ) -> None:
        """Create the layer; add it to a map or a feature group."""
        super().__init__(name=name, overlay=True, control=True, show=show)
        if not isinstance(source, TileSource):
            raise ValueError(f"`source` was a {type(source).__name__}; expected a TileSource")
        if not isinstance(style, str) or not re.fullmatch(r"[A-Za-z]\w*", style):
            raise ValueError(
                f"`style` was {style!r} but is expected to name a style of GridmapMaps.tileStyles"
            )
        aliases = list(popup_aliases) if popup_aliases is not None else list(popup_fields)
        if len(aliases) != len(popup_fields):
            raise ValueError(
                f"`popup_aliases` has {len(aliases)} labels for {len(popup_fields)} fields"
            )
        self._name = "VectorTileLayer"
        self.source = source
        self.style = style
        self.popup_fields = list(popup_fields)
        self.popup_aliases = [str(a) for a in aliases]
        self.pane = pane
        self.interactive = interactive
        self.config = {
            "url": source.url,
            "layer": source.layer,
            "interactive": interactive,
            "minZoom": source.minzoom,
            "pane": pane,
            "idProperty": source.id_property,
            "style": style,
            "styleConfig": style_config,
            "popupFields": self.popup_fields,
            "popupAliases": self.popup_aliases,
        }
