"""Command-centre maps: incidents by status with filters, heat and per-grid counts; the wall.

Pure builders: GeoDataFrames in (EPSG:4490 drawn as WGS84, or already shifted to GCJ-02 by the
caller for a GCJ-02 base map), a ``folium.Map`` out. The incident layers (clustered markers
coloured by status, a heat map, a choropleth of incidents per grid) follow a filter control —
status, category, time window — in the browser, without a request. The live layer is
``folium.plugins.Realtime`` polling a JSON endpoint of ours; the wall screen shows it with
counters that change on every refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import HeatMap, MarkerCluster
from folium.template import Template

from map_ui.basemaps import add_basemap
from map_ui.geojson import check_frame, feature_collection
from map_ui.legend import HtmlLegend, LegendItem, MetricScale, legend_html
from map_ui.overview import MAX_ZOOM, add_area_layers, fit_to_county
from map_ui.templating import GRIDMAP_JS, OWN_STATIC_URL, folium_template
from map_ui.tiles import TileSource, VectorTileLayer

if TYPE_CHECKING:
    from map_ui.wall import LiveFeed

STATUS_COLORS = {
    "reported": "#e41a1c",
    "opened": "#ff7f00",
    "dispatched": "#984ea3",
    "handled": "#377eb8",
    "feedback": "#1b9e77",
    "closed": "#9e9e9e",
}
NAMES = {
    "status": {
        "reported": "上报",
        "opened": "立案",
        "dispatched": "派遣",
        "handled": "处置",
        "feedback": "反馈",
        "closed": "结案归档",
    },
    "severity": {"general": "一般", "major": "重大", "urgent": "紧急"},
    "level": {"grid": "网格", "village": "村社区", "town": "乡镇街道", "county": "区县"},
}
CATEGORIES = ("矛盾纠纷", "安全隐患", "治安", "环境", "服务诉求", "其他")
WINDOWS: tuple[tuple[str, int | None], ...] = (
    ("全部", None),
    ("近 24 小时", 24),
    ("近 7 天", 24 * 7),
    ("近 30 天", 24 * 30),
)
COUNT_STEPS = (1, 2, 4, 7, 11)
COUNT_COLORS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
HOTSPOT_COLOR = "#6a00a8"
INCIDENT_COLUMNS = (
    "id",
    "category",
    "severity",
    "status",
    "level",
    "reported_at",
    "grid_code",
    "description",
    "overdue",
)
INCIDENTS_JS = ("gridmap_incidents_js", f"{OWN_STATIC_URL}/incidents.js")
INCIDENTS_CSS = ("gridmap_incidents_css", f"{OWN_STATIC_URL}/incidents.css")


class _PageScript(JSCSSMixin, MacroElement):
    """Links our incident script (after ``gridmap.js``) and styles into the page header."""

    _template = Template("")
    default_js = [GRIDMAP_JS, INCIDENTS_JS]
    default_css = [INCIDENTS_CSS]

    def __init__(self) -> None:
        super().__init__()
        self._name = "GridmapIncidentScript"


class IncidentLayers(JSCSSMixin, MacroElement):
    """Clustered markers, heat map and per-grid choropleth following a filter control."""

    _template = folium_template("incident_layers.j2")

    # the plugins' own declarations; map_ui.assets serves each from map_ui/node_modules
    default_js = [*MarkerCluster.default_js, *HeatMap.default_js]
    default_css = list(MarkerCluster.default_css)

    def __init__(
        self,
        *,
        points: Element,
        heat: Element,
        choropleth: Element,
        grid_tiles: VectorTileLayer | None,
        **config: Any,
    ) -> None:
        """``config``: the data of ``GridmapMaps.incidents`` (JSON, camelCase keys)."""
        super().__init__()
        self._name = "IncidentLayers"
        self.points = points
        self.heat = heat
        self.choropleth = choropleth
        self.grid_tiles = grid_tiles
        self.config = config


def incident_records(incidents: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The incidents as small dicts for the page (text is escaped when drawn, not here)."""
    check_frame(incidents, name="incidents", required=INCIDENT_COLUMNS)
    geoms = np.asarray(incidents.geometry.array, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    frame = incidents.loc[ok]
    xy = shapely.get_coordinates(geoms[ok]) if ok.any() else np.empty((0, 2))
    times = pd.to_datetime(frame["reported_at"], utc=True)
    out = []
    for (lon, lat), (_, row), when in zip(xy, frame.iterrows(), times, strict=True):
        out.append(
            {
                "id": int(row["id"]),
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
                "category": str(row["category"]),
                "severity": str(row["severity"]),
                "status": str(row["status"]),
                "level": str(row["level"]),
                "reported_ms": int(when.timestamp() * 1000),
                "grid_code": None if pd.isna(row["grid_code"]) else str(row["grid_code"]),
                "description": str(row["description"]),
                "overdue": bool(row["overdue"]),
            }
        )
    return out


def new_map(m: folium.Map | None, basemap: dict[str, Any] | None) -> folium.Map:
    """A map without tiles (or ``m``), the base map, and our page script and styles."""
    if m is None:
        m = folium.Map(tiles=None, maxZoom=MAX_ZOOM)
        MetricScale().add_to(m)
    elif not isinstance(m, folium.Map):
        raise ValueError(f"`m` was a {type(m).__name__} but is expected to be a folium.Map")
    add_basemap(m, **(basemap or {}))
    m.add_child(_PageScript(), name="gridmap_incident_script")
    return m


def build_incident_map(
    incidents: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame | None = None,
    grid_tiles: TileSource | None = None,
    village_tiles: TileSource | None = None,
    hotspots: dict[str, Any] | None = None,
    live: LiveFeed | None = None,
    categories: Sequence[str] = CATEGORIES,
    total: int | None = None,
    now: datetime | None = None,
    basemap: dict[str, Any] | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Build the incident map of the command centre.

    Layers: boundaries (县界, 乡镇街道, 村社区), 网格事件数 (grids coloured by the number of
    incidents shown), 事件点 (clustered markers coloured by status, overdue ones ringed black),
    热力图, 热点（核密度） when ``hotspots`` is given, and 实时事件 (off at first) when ``live``
    is given. A filter control (status, category, time window) changes the markers, the heat
    map and the grid counts at once.

    Args:
        incidents: Columns id, category, severity, status, level, reported_at (datetime),
            grid_code, description, overdue; points.
        areas: Columns code, name, level, kind (as for the overview).
        grids: Columns code, name; polygons for the per-grid choropleth (inline).
        grid_tiles: Draw the choropleth on vector tiles instead (above the inline limit).
        village_tiles: Draw the villages from the ``areas`` tiles (above the inline limit).
        hotspots: A GeoJSON FeatureCollection of density cells (``density``, ``peak``).
        live: The live feed, shown as a layer that is off when the page opens.
        categories: The categories offered by the filter.
        total: How many incidents match in all when ``incidents`` is only the newest of them.
        now: The instant the time windows count back from (default: now).
        basemap: Keyword arguments of :func:`map_ui.basemaps.add_basemap`.
        m: A map to draw on.

    Returns:
        The map.

    Raises:
        ValueError: For frames of the wrong kind, CRS or columns.

    """
    records = incident_records(incidents)
    if grids is not None:
        check_frame(grids, name="grids", required=("code", "name"))
    if not categories:
        raise ValueError("`categories` is empty")
    m = new_map(m, basemap)
    add_area_layers(m, areas, village_tiles=village_tiles)
    choropleth = folium.FeatureGroup(name="网格事件数").add_to(m)
    tiles_layer = None
    if grid_tiles is not None:
        tiles_layer = VectorTileLayer(
            grid_tiles,
            name="网格事件数（矢量瓦片）",
            style="incidentCounts",
            popup_fields=["name", "code"],
            popup_aliases=["网格", "编码"],
        )
        tiles_layer.control = False
        tiles_layer.add_to(choropleth)
    if hotspots is not None:
        _add_hotspots(m, hotspots)
    heat = folium.FeatureGroup(name="热力图", show=False).add_to(m)
    points = folium.FeatureGroup(name="事件点").add_to(m)
    instant = now or datetime.now(UTC)
    IncidentLayers(
        incidents=records,
        colors=STATUS_COLORS,
        order=list(STATUS_COLORS),
        names=NAMES,
        categories=list(categories),
        windows=[list(w) for w in WINDOWS],
        now=int(instant.timestamp() * 1000),
        total=int(total if total is not None else len(records)),
        truncated=bool(total is not None and total > len(records)),
        steps=list(COUNT_STEPS),
        stepColors=list(COUNT_COLORS),
        points=points,
        heat=heat,
        choropleth=choropleth,
        grids=(
            feature_collection(grids, properties=["code", "name"], id_column="code")
            if grids is not None and grid_tiles is None
            else None
        ),
        grid_tiles=tiles_layer,
    ).add_to(m)
    if live is not None:
        from map_ui.wall import add_live_layer

        add_live_layer(m, live, name=f"实时事件（每 {live.interval_s} 秒刷新）", show=False)
    HtmlLegend(legend(hotspots is not None), position="bottomleft").add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    fit_to_county(m, areas)
    return m


def _add_hotspots(m: folium.Map, hotspots: dict[str, Any]) -> None:
    if hotspots.get("type") != "FeatureCollection":
        raise ValueError("`hotspots` is expected to be a GeoJSON FeatureCollection")
    group = folium.FeatureGroup(name="热点（核密度）", show=False).add_to(m)
    features = hotspots.get("features") or []
    if not features:
        return
    top = max(float(f["properties"]["density"]) for f in features) or 1.0

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        share = float(feature["properties"]["density"]) / top
        return {
            "stroke": False,
            "fill": True,
            "fillColor": HOTSPOT_COLOR,
            "fillOpacity": round(0.15 + 0.55 * share, 3),
        }

    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["density"], aliases=["每平方公里事件数"]),
    ).add_to(group)


def legend(hotspots: bool, *, wall: bool = False) -> str:
    """The legend of the incident pages: statuses, per-grid counts and hot spots."""
    status_rows = [
        LegendItem(NAMES["status"][s], "dot", "#ffffff", color)
        for s, color in STATUS_COLORS.items()
    ]
    status_rows.append(LegendItem("超期（黑圈）", "dot", "#000000", "#ffffff", weight=3))
    sections = [("事件状态", status_rows)]
    if not wall:
        labels = [
            str(a) if b - a == 1 else f"{a}–{b - 1}"
            for a, b in zip(COUNT_STEPS[:-1], COUNT_STEPS[1:], strict=True)
        ]
        labels.append(f"≥ {COUNT_STEPS[-1]}")
        count_rows = [
            LegendItem(f"{label} 起", "area", "#666666", color, weight=0.6)
            for label, color in zip(labels, COUNT_COLORS, strict=True)
        ]
        sections.append(("网格事件数（随筛选变化）", count_rows))
        if hotspots:
            sections.append(
                (
                    "热点",
                    [LegendItem("核密度（四次核，米制）", "area", HOTSPOT_COLOR, HOTSPOT_COLOR)],
                )
            )
    return legend_html(sections)
