"""The wall screen and the live layer: incidents as they come, refreshed without a reload.

The live layer is ``folium.plugins.Realtime`` polling a GeoJSON endpoint of ours every few
seconds; markers are coloured by status (overdue ones ringed black), and on the wall screen a
panel of counters (open, overdue, by status, the newest incidents) follows each refresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, Figure, MacroElement
from folium.plugins import Realtime
from folium.template import Template
from folium.utilities import JsCode

from map_ui.geojson import check_frame, feature_collection
from map_ui.incidents import NAMES, STATUS_COLORS, legend, new_map
from map_ui.legend import HtmlLegend
from map_ui.overview import add_area_layers, fit_to_county
from map_ui.tiles import TileSource, VectorTileLayer


@dataclass(frozen=True)
class LiveFeed:
    """The live layer's source: a GeoJSON endpoint of open incidents, polled every few seconds."""

    url: str
    interval_s: int = 10

    def __post_init__(self) -> None:
        """Check the values."""
        if not self.url.startswith("/"):
            raise ValueError(f'`url` was "{self.url}" but is expected to be a path on our server')
        if not 1 <= self.interval_s <= 3600:
            raise ValueError(f"`interval_s` was {self.interval_s} but is expected in 1..3600")


class LiveStats(MacroElement):
    """Counters and the latest incidents of a Realtime layer, refreshed on each update."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GridmapMaps.liveStats({{ this._parent.get_name() }}, {{ this.realtime.get_name() }}, {
            title: {{ this.title|tojson }}, colors: {{ this.colors|tojson }},
            order: {{ this.order|tojson }},
            names: {{ this.names|tojson }}, interval: {{ this.interval }},
            position: {{ this.position|tojson }}, latest: {{ this.latest }}
        });
        {% endmacro %}
        """
    )

    def __init__(self, realtime: Realtime, *, title: str, interval: int, position: str) -> None:
        super().__init__()
        self._name = "LiveStats"
        self.realtime = realtime
        self.title = title
        self.colors = STATUS_COLORS
        self.order = list(STATUS_COLORS)
        self.names = NAMES
        self.interval = interval
        self.position = position
        self.latest = 8


def add_live_layer(
    m: folium.Map, live: LiveFeed, *, name: str = "实时事件", show: bool = True
) -> Realtime:
    """The live layer: open and recently closed incidents, refreshed every ``interval_s``."""
    realtime = Realtime(
        live.url,
        interval=live.interval_s * 1000,
        get_feature_id=JsCode("function (f) { return f.properties.id; }"),
        # keep the marker (and an open popup) unless the status or the overdue flag changed
        update_feature=JsCode(
            "function (f, old) { var p = old && old.feature && old.feature.properties;"
            " return p && p.status === f.properties.status"
            " && p.overdue === f.properties.overdue ? old : null; }"
        ),
        point_to_layer=JsCode(
            "function (f, latlng) { return GridmapMaps.marker(f.properties, latlng, "
            f"{_js(STATUS_COLORS)}, ' gridmap-live gridmap-live-' + f.properties.id); }}"
        ),
        on_each_feature=JsCode(
            "function (f, layer) { layer.bindPopup(GridmapMaps.popup(f.properties, "
            f"{_js(NAMES)})); }}"
        ),
        remove_missing=True,
        only_run_when_added=not show,
    )
    realtime.layer_name = name
    realtime.show = show
    realtime.add_to(m)
    return realtime


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def build_wall_map(
    *,
    areas: gpd.GeoDataFrame,
    live: LiveFeed,
    grids: gpd.GeoDataFrame | None = None,
    grid_tiles: TileSource | None = None,
    village_tiles: TileSource | None = None,
    title: str = "综治中心 · 实时事件",
    basemap: dict[str, Any] | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Build the wall screen: boundaries, grid outlines, the live layer and its counters.

    The live layer asks ``live.url`` every ``live.interval_s`` seconds; new incidents appear,
    closed ones change colour, and the counters (open, overdue, by status, the newest eight)
    follow without reloading the page.
    """
    m = new_map(m, basemap)
    add_area_layers(m, areas, village_tiles=village_tiles)
    if grid_tiles is not None:
        VectorTileLayer(
            grid_tiles,
            name="网格",
            style=JsCode("function () { return {color: '#8a8a8a', weight: 0.6, fill: false}; }"),
            popup_fields=["name", "code", "leader_name"],
            popup_aliases=["网格", "编码", "网格长"],
        ).add_to(m)
    elif grids is not None:
        check_frame(grids, name="grids", required=("code", "name"))
        group = folium.FeatureGroup(name="网格").add_to(m)
        folium.GeoJson(
            feature_collection(grids, properties=["code", "name"], id_column="code"),
            style_function=lambda _: {"color": "#8a8a8a", "weight": 0.6, "fill": False},
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["网格"]),
        ).add_to(group)
    realtime = add_live_layer(m, live, name="实时事件")
    LiveStats(realtime, title=title, interval=live.interval_s, position="topright").add_to(m)
    HtmlLegend(legend(False, wall=True), position="bottomleft").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    root = m.get_root()
    if not isinstance(root, Figure):
        raise ValueError("`m` is not attached to a branca Figure; create it with folium.Map()")
    root.header.add_child(
        Element("<style>.gridmap-live-stats { font-size: 16px; }</style>"), name="gridmap_wall"
    )
    fit_to_county(m, areas)
    return m
