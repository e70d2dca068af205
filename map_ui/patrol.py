"""Patrol layers: routes coloured by team, stops numbered in visiting order, the start marked,
and what the stops came from (blind spots, incidents) underneath.

Pure: GeoDataFrames (EPSG:4490, drawn as WGS84) and a shapely point in, a ``folium.Map`` out.
"""

from __future__ import annotations

import math
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import CustomPane
from folium.template import Template

from map_ui.basemaps import add_basemap
from map_ui.geojson import check_frame, feature_collection
from map_ui.legend import HtmlLegend, LegendItem, MetricScale, legend_html
from map_ui.templating import OWN_STATIC_URL, escape, render

TEAM_COLORS = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f00",
    "#393b79",
)
BLIND_SPOT_COLOR, INCIDENT_COLOR, AREA_COLOR = "#6a6a6a", "#b2182b", "#6a3d9a"
STREET_COLOR, DEADHEAD_DASH, ROAD_COLOR = "#fdd835", "8 6", "#a8a8a8"
ROUTE_WEIGHT, ROUTE_STEP, MAX_EXTRA_WEIGHT = 4.0, 5.0, 14.0
UNDERLAY_PANE, UNDERLAY_Z = "gridmap-patrol-underlay", 380
CASING_PANE, CASING_Z = "gridmap-patrol-casing", 395
"""White edges of the routes, below every route (Leaflet's overlay pane is 400)."""
ARROWS_PER_ROUTE = 12
ROUTE_COLUMNS = ("team", "distance_m", "duration_s")
STOP_COLUMNS = ("team", "order", "name")


class PatrolStyle(JSCSSMixin, MacroElement):
    """Links ``patrol.css`` (the stop, start and arrow markers) into the page header."""

    _template = Template("")
    default_css = [("gridmap_patrol_css", f"{OWN_STATIC_URL}/patrol.css")]

    def __init__(self) -> None:
        """Create the element; add it to a map."""
        super().__init__()
        self._name = "PatrolStyle"


def team_color(team: int) -> str:
    """The colour of a team (1-based), cycling through :data:`TEAM_COLORS`."""
    return TEAM_COLORS[(int(team) - 1) % len(TEAM_COLORS)]


def add_patrol_layers(
    m: folium.Map,
    *,
    routes: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    start: shapely.Point,
    blind_spots: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    deadhead: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    patrol_area: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Draw patrol routes on ``m`` and return it.

    Args:
        m: The map.
        routes: One row per team: team (1-based), distance_m, duration_s, geometry
            (LineString along the roads). Each team is a layer of its own colour, with arrows
            showing the direction of travel.
        stops: team, order (visiting order within the team), name, geometry (Points); drawn as
            numbered markers in the team's colour.
        start: Where the routes start, marked 起.
        blind_spots: Optional polygons drawn underneath (摄像头盲区); grid_code and area_m2 are
            shown when present.
        incidents: Optional points drawn underneath (事件); category and reported_at shown when
            present.
        streets: Optional lines to be walked (street patrols), drawn under the route.
        deadhead: Optional lines walked a second time, drawn dashed.
        roads: Optional road lines drawn thin and grey under everything (道路), for context.
        patrol_area: Optional polygons the patrol covers (a grid), outlined (巡逻范围).

    Returns:
        ``m``.

    Raises:
        ValueError: A frame that is not a GeoDataFrame in EPSG:4490/4326 or lacks its columns,
            or a ``start`` that is not a point.

    """
    check_frame(routes, name="routes", required=ROUTE_COLUMNS)
    check_frame(stops, name="stops", required=STOP_COLUMNS)
    if not isinstance(start, shapely.Point) or start.is_empty:
        raise ValueError(f"`start` was {start!r} but is expected to be a shapely Point")
    PatrolStyle().add_to(m)
    CustomPane(UNDERLAY_PANE, z_index=UNDERLAY_Z, pointer_events=True).add_to(m)
    CustomPane(CASING_PANE, z_index=CASING_Z, pointer_events=False).add_to(m)
    if roads is not None:
        frame = check_frame(roads, name="roads", required=())
        _lines(m, "道路", frame, color=ROAD_COLOR, weight=1.5, opacity=0.9, pane=UNDERLAY_PANE)
    if patrol_area is not None:
        frame = check_frame(patrol_area, name="patrol_area", required=())
        _outline(m, frame)
    if blind_spots is not None:
        _blind_spots(m, check_frame(blind_spots, name="blind_spots", required=()))
    if incidents is not None:
        _incidents(m, check_frame(incidents, name="incidents", required=()))
    if streets is not None:
        frame = check_frame(streets, name="streets", required=())
        _lines(m, "应巡街巷", frame, color=STREET_COLOR, weight=9, opacity=0.8)
    ordered = routes.sort_values("team")
    for rank, (_, route) in enumerate(ordered.iterrows()):
        # earlier teams are drawn wider and below, so a street two teams share shows both
        step = min(ROUTE_STEP, MAX_EXTRA_WEIGHT / max(len(ordered) - 1, 1))
        _route(m, route, weight=ROUTE_WEIGHT + step * (len(ordered) - 1 - rank))
    if deadhead is not None:
        frame = check_frame(deadhead, name="deadhead", required=())
        _lines(m, "重复路段", frame, color="#222222", weight=2, opacity=0.9, dash=DEADHEAD_DASH)
    _stops(m, stops)
    folium.Marker(
        [start.y, start.x],
        icon=folium.DivIcon(
            html=render("patrol_marks.html", mark="start"), icon_size=(28, 28), icon_anchor=(14, 14)
        ),
        tooltip="起点",
        z_index_offset=1000,
    ).add_to(m)
    return m


def build_patrol_map(
    *,
    routes: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    start: shapely.Point,
    title: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
    basemap: dict[str, Any] | None = None,
    **extra: gpd.GeoDataFrame | None,
) -> folium.Map:
    """A map of one patrol plan: base map, area outlines, the patrol layers, a legend.

    ``extra`` takes the optional frames of :func:`add_patrol_layers` (blind_spots, incidents,
    streets, deadhead). The map is fitted to the routes, stops and start.
    """
    m = folium.Map(tiles=None, maxZoom=19)
    MetricScale().add_to(m)
    add_basemap(m, **(basemap or {}))
    if areas is not None and not areas.empty:
        check_frame(areas, name="areas", required=("code", "name"))
        data = feature_collection(areas, properties=["code", "name"], id_column="code")
        folium.GeoJson(
            data,
            name="村社区",
            style_function=lambda _: {"color": "#5e3c99", "weight": 1.2, "fill": False},
            tooltip=folium.GeoJsonTooltip(fields=["name", "code"], aliases=["名称", "编码"]),
        ).add_to(m)
    add_patrol_layers(m, routes=routes, stops=stops, start=start, **extra)
    HtmlLegend(_legend(routes, stops, title, extra), position="bottomleft").add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    parts = [*routes.geometry, *stops.geometry, start]
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(parts, dtype=object))
    m.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]], padding=(30, 30))
    return m


def _route(m: folium.Map, route: Any, *, weight: float) -> None:
    team = int(route["team"])
    color = team_color(team)
    minutes = float(route["duration_s"]) / 60.0
    name = f"第{team}组路线（{float(route['distance_m']) / 1000:.1f} km，{minutes:.0f} 分钟）"
    group = folium.FeatureGroup(name=name).add_to(m)
    line = route.geometry
    if line is None or line.is_empty:
        return
    latlon = [[y, x] for x, y in shapely.get_coordinates(line)]
    folium.PolyLine(
        latlon, color="#ffffff", weight=weight + 3, opacity=0.9, pane=CASING_PANE, interactive=False
    ).add_to(group)
    folium.PolyLine(latlon, color=color, weight=weight, opacity=1.0, tooltip=escape(name)).add_to(
        group
    )
    for lon, lat, bearing in arrow_positions(line, ARROWS_PER_ROUTE):
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=render("patrol_marks.html", mark="arrow", color=color, angle=bearing - 90.0),
                icon_size=(18, 18),
                icon_anchor=(9, 9),
            ),
            interactive=False,
        ).add_to(group)


def arrow_positions(line: shapely.LineString, count: int) -> list[tuple[float, float, float]]:
    """Points spread along ``line`` with the bearing of travel there (degrees from north,
    clockwise; longitudes scaled by cos(latitude) so the angle is true on the map).
    """
    if line.length == 0 or count < 1:
        return []
    out = []
    for k in range(count):
        at = (k + 0.5) / count
        here = line.interpolate(at, normalized=True)
        ahead = line.interpolate(min(at + 0.002, 1.0), normalized=True)
        behind = line.interpolate(max(at - 0.002, 0.0), normalized=True)
        dx = (ahead.x - behind.x) * math.cos(math.radians(here.y))
        dy = ahead.y - behind.y
        if dx == 0 and dy == 0:
            continue
        out.append((here.x, here.y, math.degrees(math.atan2(dx, dy)) % 360.0))
    return out


def _stops(m: folium.Map, stops: gpd.GeoDataFrame) -> None:
    if stops.empty:
        return  # a street patrol has no stops: no empty layer in the control
    group = folium.FeatureGroup(name="巡逻点（按顺序编号）").add_to(m)
    for _, stop in stops.sort_values(["team", "order"]).iterrows():
        point = stop.geometry
        if point is None or point.is_empty:
            continue
        color = team_color(int(stop["team"]))
        label = f"第{int(stop['team'])}组 第{int(stop['order'])}站：{stop['name']}"
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=render(
                    "patrol_marks.html", mark="stop", color=color, order=int(stop["order"])
                ),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
            ),
            tooltip=escape(label),
        ).add_to(group)


def _blind_spots(m: folium.Map, frame: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="摄像头盲区").add_to(m)
    if frame.empty:
        return
    fields = [c for c in ("grid_code", "area_m2") if c in frame.columns]
    data = feature_collection(frame, properties=fields)
    folium.GeoJson(
        data,
        style_function=lambda _: {
            "color": BLIND_SPOT_COLOR,
            "weight": 1,
            "fillColor": BLIND_SPOT_COLOR,
            "fillOpacity": 0.3,
            "dashArray": "3 3",
        },
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=["网格", "面积 m²"][: len(fields)])
        if fields
        else None,
        pane=UNDERLAY_PANE,
    ).add_to(group)


def _outline(m: folium.Map, frame: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="巡逻范围").add_to(m)
    if frame.empty:
        return
    folium.GeoJson(
        feature_collection(frame, properties=[]),
        style_function=lambda _: {
            "color": AREA_COLOR,
            "weight": 2.5,
            "dashArray": "8 5",
            "fillColor": AREA_COLOR,
            "fillOpacity": 0.06,
        },
        pane=UNDERLAY_PANE,
        interactive=False,
    ).add_to(group)


def _incidents(m: folium.Map, frame: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="事件").add_to(m)
    if frame.empty:
        return
    fields = [c for c in ("category", "severity", "reported_at") if c in frame.columns]
    data = feature_collection(frame, properties=fields)
    folium.GeoJson(
        data,
        marker=folium.CircleMarker(
            radius=4,
            color="#ffffff",
            weight=1,
            fill=True,
            fill_color=INCIDENT_COLOR,
            fill_opacity=0.85,
            pane=UNDERLAY_PANE,
        ),
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=["类别", "等级", "上报时间"][: len(fields)]
        )
        if fields
        else None,
        pane=UNDERLAY_PANE,
    ).add_to(group)


def _lines(
    m: folium.Map,
    layer: str,
    frame: gpd.GeoDataFrame,
    *,
    color: str,
    weight: float,
    opacity: float,
    dash: str | None = None,
    pane: str = "overlayPane",
) -> None:
    group = folium.FeatureGroup(name=layer).add_to(m)
    if frame.empty:
        return
    style = {"color": color, "weight": weight, "opacity": opacity}
    if dash:
        style["dashArray"] = dash
    folium.GeoJson(feature_collection(frame, properties=[]), style_function=lambda _: style).add_to(
        group
    )


def _legend(
    routes: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, title: str | None, extra: dict[str, Any]
) -> str:
    rows = [
        LegendItem(
            f"第{int(r['team'])}组：{float(r['distance_m']) / 1000:.1f} km，"
            f"{float(r['duration_s']) / 60:.0f} 分钟",
            "line",
            team_color(int(r["team"])),
            weight=4,
        )
        for _, r in routes.sort_values("team").iterrows()
    ]
    marks = [LegendItem("起点（起）", "area", "#111111", "#111111", None, 1)]
    if not stops.empty:
        marks.append(LegendItem("巡逻点，数字为到达顺序", "dot", "#ffffff", TEAM_COLORS[0]))
    if extra.get("patrol_area") is not None:
        marks.append(LegendItem("巡逻范围", "area", AREA_COLOR, "#efeaf5", "8 5", 2))
    if extra.get("streets") is not None:
        marks.append(LegendItem("应巡街巷", "line", STREET_COLOR, weight=6))
    if extra.get("deadhead") is not None:
        marks.append(LegendItem("重复路段", "line", "#222222", dash=DEADHEAD_DASH, weight=2))
    if extra.get("blind_spots") is not None:
        marks.append(LegendItem("摄像头盲区", "area", BLIND_SPOT_COLOR, "#c8c8c8", "3 3", 1))
    if extra.get("incidents") is not None:
        marks.append(LegendItem("事件", "dot", "#ffffff", INCIDENT_COLOR))
    return legend_html([(title or "巡逻路线", rows), ("图例", marks)])
