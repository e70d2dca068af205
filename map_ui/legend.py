"""A plain HTML legend as a Leaflet control, and the page styles our map builders share."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from branca.element import MacroElement
from folium.template import Template

POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")

# Inline, so a page works without any stylesheet of ours being linked.
PAGE_STYLE = """
.leaflet-container { background: #f7f7f4; }
.gridmap-legend {
  background: rgba(255, 255, 255, 0.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.35); font: 12px/1.5 "Noto Sans CJK SC", "Noto Sans SC",
  "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; max-width: 260px;
}
.gridmap-legend h4 { margin: 4px 0 2px; font-size: 13px; font-weight: bold; }
.gridmap-legend .gridmap-legend-row { display: flex; align-items: center; gap: 6px; margin: 0; }
.gridmap-legend svg { flex: none; }
.gridmap-label {
  background: transparent; border: none; box-shadow: none; padding: 0;
  font: bold 13px "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  color: #3f2a66; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff;
}
.gridmap-label::before { display: none; }
.leaflet-tooltip table th, .leaflet-popup-content table th { padding-right: 8px; }
"""


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a symbol and its text.

    ``shape`` is ``"line"`` (a stroke, optionally dashed), ``"area"`` (a filled box with a
    border) or ``"dot"`` (a filled circle).
    """

    label: str
    shape: str
    color: str
    fill: str | None = None
    dash: str | None = None
    weight: float = 2.0

    def __post_init__(self) -> None:
        """Check the shape."""
        if self.shape not in ("line", "area", "dot"):
            raise ValueError(
                f'`shape` was "{self.shape}" but is expected to be one of line, area, dot'
            )

    def svg(self) -> str:
        """Draw the symbol as a small inline SVG."""
        color = html.escape(self.color)
        fill = html.escape(self.fill or "none")
        dash = f' stroke-dasharray="{html.escape(self.dash)}"' if self.dash else ""
        if self.shape == "line":
            body = (
                f'<line x1="1" y1="7" x2="25" y2="7" stroke="{color}" '
                f'stroke-width="{self.weight}"{dash}/>'
            )
        elif self.shape == "area":
            body = (
                f'<rect x="2" y="2" width="22" height="10" fill="{fill}" stroke="{color}" '
                f'stroke-width="{self.weight}"{dash}/>'
            )
        else:
            body = f'<circle cx="13" cy="7" r="5" fill="{fill}" stroke="{color}" stroke-width="1"/>'
        return f'<svg width="26" height="14" aria-hidden="true">{body}</svg>'


def legend_html(sections: Sequence[tuple[str, Sequence[LegendItem]]]) -> str:
    """Render legend sections (title, rows) as HTML, escaping all text."""
    parts: list[str] = []
    for title, items in sections:
        parts.append(f"<h4>{html.escape(title)}</h4>")
        parts.extend(
            f'<p class="gridmap-legend-row">{item.svg()}<span>{html.escape(item.label)}</span></p>'
            for item in items
        )
    return "".join(parts)


class HtmlLegend(MacroElement):
    """A Leaflet control showing a fixed HTML legend; also adds :data:`PAGE_STYLE` to the page."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.style }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function (map) {
                var div = L.DomUtil.create('div', 'gridmap-legend leaflet-control');
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_content: str, *, position: str = "bottomleft") -> None:
        """Create the legend from ready HTML (see :func:`legend_html`)."""
        super().__init__()
        if position not in POSITIONS:
            raise ValueError(f'`position` was "{position}" but is expected to be in {POSITIONS}')
        self._name = "HtmlLegend"
        self.html = html_content
        self.position = position
        self.style = PAGE_STYLE


class MetricScale(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also shows feet and miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.control.scale({imperial: false, position: "bottomright"})
                .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        """Create the control; add it to a map."""
        super().__init__()
        self._name = "MetricScale"
