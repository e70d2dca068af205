"""Vector tile layers for Leaflet (Leaflet.VectorGrid), for layers too large to put in a page.

The app serves Mapbox Vector Tiles at ``/tiles/{layer}/{z}/{x}/{y}.pbf``; a
:class:`VectorTileLayer` draws one of them on a canvas, styles each feature with a JavaScript
function of its properties, and opens a popup with chosen properties on click. Tiles are
fetched with the page's cookies (same origin), so the session and jurisdiction apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode

VECTORGRID_JS = "https://unpkg.com/leaflet.vectorgrid@1.3.0/dist/Leaflet.VectorGrid.bundled.min.js"
"""Served from map_ui/node_modules (pinned in package.json) by ``offline_html``."""

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
        style: A JavaScript function ``(properties, zoom) -> Leaflet path options``.
        popup_fields: Properties shown in the click popup, in order (values are escaped).
        popup_aliases: Their labels (Chinese on our maps); the field names if None.
        pane: The map pane to draw in.
        show: Whether the layer is on when the page opens.
        interactive: Whether features answer clicks. A canvas takes every click over it, so
            a layer drawn above another interactive one (village outlines over grids) must not.

    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (!L.DomEvent.fakeStop) {
            // VectorGrid 1.3's canvas click handler calls fakeStop, which Leaflet 1.8 removed
            L.DomEvent.fakeStop = function (e) { e._stopped = true; };
        }
        var {{ this.get_name() }} = L.vectorGrid.protobuf({{ this.source.url|tojson }}, {
            rendererFactory: L.canvas.tile,
            interactive: {{ this.interactive|tojson }},
            minZoom: {{ this.source.minzoom }},
            maxZoom: 22,
            pane: {{ this.pane|tojson }},
            fetchOptions: {credentials: "same-origin"},
            getFeatureId: function (f) {
                return f.properties[{{ this.source.id_property|tojson }}];
            },
            vectorTileLayerStyles: {
                {{ this.source.layer|tojson }}: {{ this.style.js_code }}
            }
        });
        {{ this.get_name() }}.on("click", function (e) {
            var props = e.layer.properties || {};
            var fields = {{ this.popup_fields|tojson }};
            var aliases = {{ this.popup_aliases|tojson }};
            var rows = fields.map(function (f, i) {
                var v = props[f];
                v = (v === undefined || v === null) ? "" : String(v);
                v = v.replace(/[&<>"']/g, function (c) {
                    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
                });
                return "<tr><th>" + aliases[i] + "</th><td>" + v + "</td></tr>";
            });
            L.popup().setLatLng(e.latlng)
                .setContent("<table>" + rows.join("") + "</table>")
                .openOn({{ this.get_name() }}._map);
        });
        {% endmacro %}
        """
    )

    default_js = [("leaflet_vectorgrid", VECTORGRID_JS)]

    def __init__(
        self,
        source: TileSource,
        *,
        name: str,
        style: JsCode,
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
        if not isinstance(style, JsCode):
            raise ValueError("`style` is expected to be a folium JsCode function")
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
