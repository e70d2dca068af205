"""A plain HTML legend as a Leaflet control, and the scripts and styles our map builders share
(``static/gridmap.js``, ``static/maps.css``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from map_ui.templating import GRIDMAP_JS, MAPS_CSS, folium_template, render

POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")


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


def legend_html(sections: Sequence[tuple[str, Sequence[LegendItem]]]) -> str:
    """Render legend sections (title, rows) as HTML (``templates/legend.html``, escaped)."""
    return render("legend.html", sections=[(title, list(items)) for title, items in sections])


class PageAssets(JSCSSMixin, MacroElement):
    """Links ``gridmap.js`` (``GridmapMaps``) and ``maps.css`` into the page header, once."""

    _template = Template("")
    default_js = [GRIDMAP_JS]
    default_css = [MAPS_CSS]

    def __init__(self) -> None:
        """Create the element; add it to a map."""
        super().__init__()
        self._name = "PageAssets"


class HtmlLegend(PageAssets):
    """A Leaflet control showing a fixed HTML legend; links ``maps.css`` for its styles."""

    _template = folium_template("html_control.j2")

    def __init__(self, html_content: str, *, position: str = "bottomleft") -> None:
        """Create the legend from ready HTML (see :func:`legend_html`)."""
        super().__init__()
        if position not in POSITIONS:
            raise ValueError(f'`position` was "{position}" but is expected to be in {POSITIONS}')
        self._name = "HtmlLegend"
        self.html = html_content
        self.position = position
        self.control = {"position": position, "className": "gridmap-legend", "html": html_content}


class MetricScale(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also shows feet and miles)."""

    _template = folium_template("metric_scale.j2")

    def __init__(self) -> None:
        """Create the control; add it to a map."""
        super().__init__()
        self._name = "MetricScale"
