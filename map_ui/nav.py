"""A small bar of links between the map pages (and to log out), as a Leaflet control."""

from __future__ import annotations

import html
from collections.abc import Sequence

from branca.element import MacroElement
from folium.template import Template


class PageNav(MacroElement):
    """Links shown at the top of a map page; the current page is marked, not linked."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
            .gridmap-nav { background: rgba(255,255,255,.92); padding: 4px 10px; border-radius: 4px;
              box-shadow: 0 1px 4px rgba(0,0,0,.35); font: 13px/1.6 "Noto Sans CJK SC",
              "Microsoft YaHei", sans-serif; }
            .gridmap-nav a, .gridmap-nav b { margin-right: 12px; }
            .gridmap-nav a { color: #1f5fa8; text-decoration: none; }
            </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: "bottomright"});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", "gridmap-nav leaflet-control");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, links: Sequence[tuple[str, str]], *, current: str) -> None:
        """``links`` are (label, path) pairs; ``current`` is the path of this page."""
        super().__init__()
        self._name = "PageNav"
        parts = []
        for label, path in links:
            if not path.startswith("/"):
                raise ValueError(f'link "{path}" is expected to be a path on our server')
            text = html.escape(label)
            if path == current:
                parts.append(f"<b>{text}</b>")
            else:
                parts.append(f'<a href="{html.escape(path)}">{text}</a>')
        self.html = "".join(parts)
