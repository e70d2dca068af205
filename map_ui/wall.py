"""The wall screen and the live layer: incidents as they come, refreshed without a reload.

The live layer is ``folium.plugins.Realtime`` polling a GeoJSON endpoint of ours every few
seconds; markers are coloured by status (overdue ones ringed black), and on the wall screen a
panel of counters (open, overdue, by status, the newest incidents) follows each refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
from branca.element import CssLink, Figure, MacroElement
from folium.plugins import Realtime

from map_ui.geojson import check_frame, feature_collection
from map_ui.incidents import NAMES, STATUS_COLORS, legend, new_map
from map_ui.lazy import GridmapRealtime
from map_ui.legend import HtmlLegend
from map_ui.overview import add_area_layers, fit_to_county
from map_ui.templating import OWN_STATIC_URL, folium_template
from map_ui.tiles import TileSource, VectorTileLayer

WALL_CSS = f"{OWN_STATIC_URL}/wall.css"


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

    _template = folium_template("live_stats.j2")

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
        self.config = {
            "title": title,
            "colors": self.colors,
            "order": self.order,
            "names": self.names,
            "interval": interval,
            "position": position,
            "latest": self.latest,
        }


def add_live_layer(
    m: folium.Map, live: LiveFeed, *, name: str = "实时事件", show: bool = True
) -> Realtime:
    """The live layer: open and recently closed incidents, refreshed every ``interval_s``."""
    realtime = GridmapRealtime(
        live.url,
        kind="live",
        config={"colors": STATUS_COLORS, "names": NAMES},
        interval=live.interval_s * 1000,
        remove_missing=True,
        only_run_when_added=not show,
    )
    realtime.layer_name = name
    realtime.show = show
    realtime.add_to(m)
    return realtime


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
            style="fixed",
            style_config={"color": "#8a8a8a", "weight": 0.6, "fill": False},
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
    # linked now, so ahead of the stylesheets elements link while the page renders (as the
    # inline rule it replaces was)
    root.header.add_child(CssLink(WALL_CSS), name="gridmap_wall_css")
    fit_to_county(m, areas)
    return m
