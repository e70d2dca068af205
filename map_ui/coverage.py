"""Camera coverage layers: views by category, blind spots hatched, key sites, covered share.

Pure: GeoDataFrames in (EPSG:4490, drawn as WGS84), a ``folium.Map`` out. Layer names are
Chinese, as the command centres read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.colormap import StepColormap
from branca.element import MacroElement
from folium.map import CustomPane

from map_ui.basemaps import add_basemap
from map_ui.geojson import check_frame, feature_collection
from map_ui.legend import HtmlLegend, LegendItem, MetricScale, legend_html
from map_ui.overview import CAMERA_CATEGORY_NAMES, CAMERA_COLORS, MAX_ZOOM, OFFLINE_COLOR
from map_ui.templating import escape, folium_template, render

SHARE_STEPS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
SHARE_COLORS = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60")
BLIND_COLOR = "#67001f"
COVERED_SITE_COLOR, UNCOVERED_SITE_COLOR = "#1a9850", "#d7191c"
FOOTPRINT_COLOR = "#8c8c8c"
HATCH_ID = "gridmap-hatch"
PANES = {
    "gridmap-coverage-blind": 410,
    "gridmap-coverage-views": 415,
    "gridmap-coverage-sites": 445,
}
BLIND_PANE, VIEW_PANE, SITE_PANE = PANES

SECTOR_COLUMNS = ("id", "name", "category", "status")
BLIND_COLUMNS = ("grid_code", "area_m2")
KEY_SITE_COLUMNS = ("code", "name", "kind", "covered")
GRID_SHARE_COLUMNS = ("code", "name", "share")


class HatchPattern(MacroElement):
    """An SVG pattern (diagonal red lines) that paths reference as ``url(#gridmap-hatch)``."""

    _template = folium_template("hatch_pattern.j2")

    def __init__(self, *, color: str = BLIND_COLOR, pattern_id: str = HATCH_ID) -> None:
        """Create the pattern; add it to a map once."""
        super().__init__()
        self._name = "HatchPattern"
        self.color = color
        self.pattern_id = pattern_id


def share_colormap() -> StepColormap:
    """The colour scale of the covered share: red (0–20 %) to green (80–100 %)."""
    return StepColormap(
        list(SHARE_COLORS), index=list(SHARE_STEPS), vmin=0.0, vmax=1.0, caption="网格视频覆盖率"
    )


def _empty(frame: gpd.GeoDataFrame | None) -> bool:
    return frame is None or frame.empty


def add_coverage_layers(
    m: folium.Map,
    *,
    sectors: gpd.GeoDataFrame | None = None,
    blind_spots: gpd.GeoDataFrame | None = None,
    key_sites: gpd.GeoDataFrame | None = None,
    grid_shares: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Add the coverage layers to ``m`` and return it.

    Layers: 网格覆盖率 (grids coloured by the share in view), 盲区 (blind spots, hatched red),
    摄像头视域 (each camera's view coloured by category, offline ones grey and dashed),
    重点场所覆盖 (key sites: green when covered, a red marker when not). Any frame may be None or
    empty; its layer is then left out.

    Args:
        m: The map.
        sectors: Columns id, name, category (1/2/3), status (online/offline); polygons.
        blind_spots: Columns grid_code, area_m2; polygons.
        key_sites: Columns code, name, kind, covered (bool), optionally share_in_view and
            nearest_camera_m; points or polygons.
        grid_shares: Columns code, name, share (0–1), optionally covered_m2, area_m2, cameras.

    Raises:
        ValueError: For a frame that is not a GeoDataFrame in EPSG:4490/4326 or lacks columns.

    """
    if not isinstance(m, folium.Map):
        raise ValueError(f"`m` was a {type(m).__name__} but is expected to be a folium.Map")
    for name, frame, columns in (
        ("sectors", sectors, SECTOR_COLUMNS),
        ("blind_spots", blind_spots, BLIND_COLUMNS),
        ("key_sites", key_sites, KEY_SITE_COLUMNS),
        ("grid_shares", grid_shares, GRID_SHARE_COLUMNS),
    ):
        if frame is not None:
            check_frame(frame, name=name, required=columns)
    for pane, z_index in PANES.items():
        CustomPane(pane, z_index=z_index, pointer_events=True).add_to(m)
    if not _empty(grid_shares):
        _add_grid_shares(m, grid_shares)  # type: ignore[arg-type]
    if not _empty(blind_spots):
        HatchPattern().add_to(m)
        _add_blind_spots(m, blind_spots)  # type: ignore[arg-type]
    if not _empty(sectors):
        _add_sectors(m, sectors)  # type: ignore[arg-type]
    if not _empty(key_sites):
        _add_key_sites(m, key_sites)  # type: ignore[arg-type]
    return m


def _percent(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "—" if pd.isna(v) else f"{100 * float(v):.1f}%")


def _add_grid_shares(m: folium.Map, grids: gpd.GeoDataFrame) -> None:
    colormap = share_colormap()
    colormap.add_to(m)
    frame = grids.assign(share_text=_percent(grids["share"]))
    fields, aliases = ["name", "code", "share_text"], ["网格", "编码", "覆盖率"]
    for column, alias in (
        ("covered_m2", "覆盖面积 m²"),
        ("area_m2", "网格面积 m²"),
        ("cameras", "摄像头"),
    ):
        if column in frame.columns:
            frame[column] = frame[column].round(0) if column != "cameras" else frame[column]
            fields.append(column)
            aliases.append(alias)
    data = feature_collection(frame, properties=[*fields, "share"], id_column="code")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        share = feature["properties"]["share"]
        fill = OFFLINE_COLOR if share is None else colormap(min(max(share, 0.0), 1.0))
        return {"fillColor": fill, "fillOpacity": 0.45, "color": "#555555", "weight": 0.8}

    group = folium.FeatureGroup(name="网格覆盖率").add_to(m)
    folium.GeoJson(
        data,
        style_function=style,
        highlight_function=lambda _: {"weight": 3, "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        class_name="gridmap-coverage-grid",
    ).add_to(group)


def _add_blind_spots(m: folium.Map, blind: gpd.GeoDataFrame) -> None:
    frame = blind.assign(area_m2=blind["area_m2"].round(0))
    data = feature_collection(frame, properties=["grid_code", "area_m2"])
    group = folium.FeatureGroup(name="盲区").add_to(m)
    folium.GeoJson(
        data,
        style_function=lambda _: {
            "fillColor": f"url(#{HATCH_ID})",
            "fillOpacity": 1.0,
            "color": BLIND_COLOR,
            "weight": 0.6,
            "opacity": 0.6,
        },
        tooltip=folium.GeoJsonTooltip(fields=["grid_code", "area_m2"], aliases=["网格", "盲区 m²"]),
        pane=BLIND_PANE,
        class_name="gridmap-blind",
    ).add_to(group)


def _add_sectors(m: folium.Map, sectors: gpd.GeoDataFrame) -> None:
    frame = sectors.assign(
        category_name=sectors["category"].map(CAMERA_CATEGORY_NAMES).fillna("未分类"),
        status_name=sectors["status"].map({"online": "在线", "offline": "离线"}),
    )
    data = feature_collection(
        frame,
        properties=["id", "name", "category_name", "status_name", "category", "status"],
        id_column="id",
    )

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        props = feature["properties"]
        if props["status"] != "online":
            return {
                "color": OFFLINE_COLOR,
                "fillColor": OFFLINE_COLOR,
                "fillOpacity": 0.45,
                "weight": 1.5,
                "dashArray": "4 3",
            }
        color = CAMERA_COLORS.get(props["category"], OFFLINE_COLOR)
        return {"color": color, "fillColor": color, "fillOpacity": 0.6, "weight": 1.5}

    group = folium.FeatureGroup(name="摄像头视域").add_to(m)
    folium.GeoJson(
        data,
        style_function=style,
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "id", "category_name", "status_name"],
            aliases=["摄像头", "编号", "类别", "状态"],
        ),
        pane=VIEW_PANE,
        class_name="gridmap-view",
    ).add_to(group)


def _add_key_sites(m: folium.Map, sites: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="重点场所覆盖").add_to(m)
    frame = sites.assign(
        covered_name=sites["covered"].map({True: "已覆盖", False: "未覆盖"}),
        share_text=_percent(sites["share_in_view"]) if "share_in_view" in sites else "—",
    )
    fields = ["name", "kind", "covered_name", "share_text"]
    aliases = ["名称", "类别", "覆盖", "视域内比例"]
    if "nearest_camera_m" in frame.columns:
        frame["nearest_camera_m"] = frame["nearest_camera_m"].round(0)
        fields.append("nearest_camera_m")
        aliases.append("最近摄像头 m")
    data = feature_collection(frame, properties=[*fields, "covered"], id_column="code")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        ok = feature["properties"]["covered"]
        color = COVERED_SITE_COLOR if ok else UNCOVERED_SITE_COLOR
        return {"color": color, "weight": 2.5, "fillColor": color, "fillOpacity": 0.35}

    folium.GeoJson(
        data,
        style_function=style,
        marker=folium.CircleMarker(radius=6, pane=SITE_PANE),
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        pane=SITE_PANE,
        class_name="gridmap-key-site",
    ).add_to(group)
    uncovered = frame[~frame["covered"].astype(bool)]
    for row in uncovered.itertuples(index=False):
        point = row.geometry.representative_point()
        folium.Marker(
            [point.y, point.x],
            icon=folium.Icon(color="red", icon="exclamation", prefix="fa"),
            tooltip=escape(f"未覆盖：{row.name}"),
        ).add_to(group)


def coverage_legend() -> str:
    """The legend's HTML: view colours, offline, blind-spot hatch, key-site symbols."""
    views = [
        *(
            LegendItem(
                f"{CAMERA_CATEGORY_NAMES[c]}摄像头视域", "area", CAMERA_COLORS[c], CAMERA_COLORS[c]
            )
            for c in (1, 2, 3)
        ),
        LegendItem("离线摄像头视域（不计入）", "area", OFFLINE_COLOR, OFFLINE_COLOR, "4 3", 1),
    ]
    views.append(LegendItem("建筑（遮挡视线）", "area", "#4d4d4d", FOOTPRINT_COLOR, None, 1))
    sites = [
        LegendItem("重点场所：已覆盖", "dot", "#333333", COVERED_SITE_COLOR),
        LegendItem("重点场所：未覆盖（红色标记）", "dot", "#333333", UNCOVERED_SITE_COLOR),
    ]
    hatch = LegendItem("盲区（无摄像头视域）", "area", BLIND_COLOR, f"url(#{HATCH_ID})", None, 1)
    return legend_html([("视域", views), ("盲区", [hatch]), ("重点场所", sites)])


def build_coverage_map(
    *,
    area: gpd.GeoDataFrame,
    summary: Sequence[tuple[str, str]],
    title: str,
    sectors: gpd.GeoDataFrame | None = None,
    blind_spots: gpd.GeoDataFrame | None = None,
    key_sites: gpd.GeoDataFrame | None = None,
    grid_shares: gpd.GeoDataFrame | None = None,
    footprints: gpd.GeoDataFrame | None = None,
    basemap: dict[str, Any] | None = None,
) -> folium.Map:
    """Build the coverage page's map: the area's outline, the coverage layers, the building
    footprints that hide things (建筑遮挡, if given), a legend, a summary panel (``summary``
    rows of label and value) and a layer control; fitted to the area.
    """
    check_frame(area, name="area", required=())
    if area.empty:
        raise ValueError("`area` is empty; the coverage map needs the area's outline")
    m = folium.Map(tiles=None, maxZoom=MAX_ZOOM)
    MetricScale().add_to(m)
    add_basemap(m, **(basemap or {}))
    add_coverage_layers(
        m, sectors=sectors, blind_spots=blind_spots, key_sites=key_sites, grid_shares=grid_shares
    )
    if not _empty(footprints):
        check_frame(footprints, name="footprints", required=())
        group = folium.FeatureGroup(name="建筑遮挡").add_to(m)
        folium.GeoJson(
            feature_collection(footprints, properties=[]),
            style_function=lambda _: {
                "color": "#4d4d4d",
                "weight": 0.8,
                "fillColor": FOOTPRINT_COLOR,
                "fillOpacity": 0.9,
            },
            interactive=False,
            pane=VIEW_PANE,
            class_name="gridmap-footprint",
        ).add_to(group)
    outline = folium.FeatureGroup(name="范围").add_to(m)
    folium.GeoJson(
        feature_collection(area, properties=[]),
        style_function=lambda _: {"color": "#222222", "weight": 3, "fill": False},
        interactive=False,
    ).add_to(outline)
    if _empty(blind_spots):
        HatchPattern().add_to(m)  # the legend's hatch swatch uses the pattern too
    HtmlLegend(coverage_legend(), position="bottomleft").add_to(m)
    HtmlLegend(
        render("summary.html", title=title, rows=list(summary)),
        position="topleft",
    ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    minx, miny, maxx, maxy = area.total_bounds
    # keep the area clear of the summary (top left) and the legend (bottom left)
    m.fit_bounds(
        [[float(miny), float(minx)], [float(maxy), float(maxx)]],
        padding_top_left=(250, 20),
        padding_bottom_right=(20, 20),
    )
    return m
