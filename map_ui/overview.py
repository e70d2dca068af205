"""The county overview map: boundaries, grids by households, cameras, key and relocation sites.

Pure: GeoDataFrames in (EPSG:4490, drawn as WGS84), a ``folium.Map`` out. Render it for a
browser with :func:`map_ui.assets.offline_html`, which loads every asset from our server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.colormap import StepColormap
from folium.map import CustomPane
from folium.utilities import JsCode

from map_ui.basemaps import add_basemap
from map_ui.geojson import check_frame, feature_collection
from map_ui.legend import HtmlLegend, LegendItem, MetricScale, PageAssets, legend_html
from map_ui.tiles import TileSource

COMMUNITY, VILLAGE = "社区", "村"
# Household steps of the grid colours; 100/200/300/500 are the limits of the two standards.
HOUSEHOLD_STEPS = (0, 100, 200, 300, 400, 500)
HOUSEHOLD_COLORS = ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d")
ABOVE_COLOR, BELOW_COLOR = "#d7191c", "#ff8c00"
OUT_OF_STANDARD_DASH = "6 4"
COMMUNITY_COLOR, VILLAGE_COLOR = "#1f5fa8", "#2e8b3a"
CAMERA_COLORS = {1: "#c51b7d", 2: "#1b9e77", 3: "#7570b3"}
CAMERA_CATEGORY_NAMES = {1: "一类", 2: "二类", 3: "三类"}
OFFLINE_COLOR = "#9e9e9e"
KEY_SITE_COLOR, RELOCATION_COLOR = "#e6ab02", "#8c510a"
MANAGEMENT_NAMES = {"own_committee": "独立社区", "attached": "挂靠村"}

AREA_COLUMNS = ("code", "name", "level", "kind")
GRID_COLUMNS = (
    "code",
    "name",
    "kind",
    "village_code",
    "households",
    "population",
    "leader_name",
)
GRID_POPUP = (
    ("code", "网格编码"),
    ("name", "网格名称"),
    ("kind", "网格类型"),
    ("village_code", "所属村社区"),
    ("households", "户数"),
    ("population", "人口"),
    ("leader_name", "网格长"),
)
"""The grid popup's (column, label) pairs unless the caller gives its own."""
CAMERA_COLUMNS = ("id", "name", "category", "status", "heading", "fov", "range_m")
KEY_SITE_COLUMNS = ("code", "kind", "name")
RELOCATION_COLUMNS = ("code", "name", "households", "management")

MAX_ZOOM = 19  # without tiles Leaflet has no maximum, which MarkerCluster refuses
# Panes above Leaflet's overlayPane (400, the grids), bottom to top: villages, towns, county,
# points; so a town line is not hidden under the village lines along it.
PANES = {
    "gridmap-villages": 420,
    "gridmap-towns": 425,
    "gridmap-county": 430,
    "gridmap-points": 440,
}
VILLAGE_PANE, TOWN_PANE, COUNTY_PANE, POINT_PANE = PANES


def build_overview_map(
    *,
    areas: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame | None = None,
    key_sites: gpd.GeoDataFrame | None = None,
    relocation_sites: gpd.GeoDataFrame | None = None,
    basemap: dict[str, Any] | None = None,
    community_households: tuple[int, int] = (200, 500),
    village_households: tuple[int, int] = (100, 300),
    grid_tiles: TileSource | None = None,
    village_tiles: TileSource | None = None,
    grid_popup: Sequence[tuple[str, str]] = GRID_POPUP,
    m: folium.Map | None = None,
) -> folium.Map:
    """Build the county overview map.

    Layers (Chinese names in the layer control): county outline (县界), towns with their
    names (乡镇街道), villages and communities in two line styles (村社区), grids coloured by
    households with out-of-standard grids outlined red (above) or orange (below) (网格),
    cameras coloured by category with offline ones grey (摄像头), key sites (重点场所) and
    relocation sites (安置点). A colour legend and a symbol legend explain the styles. The map
    is fitted to the county (or to all areas if there is no county row).

    Args:
        areas: Columns code, name, level (county/town/village), kind (社区/村 for villages).
        grids: Columns code, name, kind, village_code, households, population, leader_name,
            and any other column ``grid_popup`` names.
        cameras: Columns id, name, category (1/2/3), status (online/offline), heading, fov,
            range_m.
        key_sites: Columns code, kind, name.
        relocation_sites: Columns code, name, households, management (own_committee/attached).
        basemap: Keyword arguments of :func:`map_ui.basemaps.add_basemap`; no tiles if None.
        community_households: The household standard (low, high) of grids in a community.
        village_households: The household standard of grids in a village (also used for grids
            whose village is not in ``areas``).
        grid_tiles: Draw the grids from these vector tiles instead of ``grids`` (for layers
            above the inline limit; pass an empty ``grids`` frame). Same colours and popup.
        village_tiles: Draw villages from these tiles (the ``areas`` tile layer) instead of
            the village rows of ``areas``; ``areas`` still gives the villages' kinds if present.
        grid_popup: (column, label) of the grid fields the popup lists, in order; the
            village's name and the household standard and status are shown in place of
            ``village_code`` and after ``households``. Give only what the viewer may see.
        m: A map to draw on; a new one without tiles is created if None.

    Returns:
        The map.

    Raises:
        ValueError: For a frame that is not a GeoDataFrame in EPSG:4490/4326, lacks columns,
            or an empty ``areas``; for a malformed household standard or ``basemap``.

    """
    check_frame(areas, name="areas", required=AREA_COLUMNS)
    check_frame(grids, name="grids", required=GRID_COLUMNS)
    if areas.empty:
        raise ValueError("`areas` is empty; the overview needs at least the county")
    for name, standard in (
        ("community_households", community_households),
        ("village_households", village_households),
    ):
        if len(standard) != 2 or not 0 <= standard[0] <= standard[1]:
            raise ValueError(f"`{name}` was {standard!r} but is expected to be (low, high)")
    if m is None:
        m = folium.Map(tiles=None, maxZoom=MAX_ZOOM)
        MetricScale().add_to(m)
    elif not isinstance(m, folium.Map):
        raise ValueError(f"`m` was a {type(m).__name__} but is expected to be a folium.Map")
    add_basemap(m, **(basemap or {}))
    villages = add_area_layers(m, areas, village_tiles=village_tiles)
    if grid_tiles is not None:
        from map_ui.overview_tiles import add_grid_tiles

        kinds = dict(zip(villages["code"], villages["kind"], strict=True))
        add_grid_tiles(
            m,
            grid_tiles,
            kinds,
            community_households,
            village_households,
            popup=grid_popup,
        )
    else:
        _add_grids(m, grids, villages, community_households, village_households, grid_popup)
    if cameras is not None:
        _add_cameras(m, check_frame(cameras, name="cameras", required=CAMERA_COLUMNS))
    if key_sites is not None:
        frame = check_frame(key_sites, name="key_sites", required=KEY_SITE_COLUMNS)
        _add_sites(
            m,
            "重点场所",
            frame,
            ["name", "kind", "code"],
            ["名称", "类别", "编码"],
            color=KEY_SITE_COLOR,
        )
    if relocation_sites is not None:
        frame = check_frame(relocation_sites, name="relocation_sites", required=RELOCATION_COLUMNS)
        frame = frame.assign(
            management=frame["management"].map(MANAGEMENT_NAMES).fillna(frame["management"])
        )
        _add_sites(
            m,
            "安置点",
            frame,
            ["name", "households", "management", "code"],
            ["名称", "户数", "管理方式", "编码"],
            color=RELOCATION_COLOR,
        )
    HtmlLegend(_legend(community_households, village_households), position="bottomleft").add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    fit_to_county(m, areas)
    return m


def add_area_layers(
    m: folium.Map, areas: gpd.GeoDataFrame, *, village_tiles: TileSource | None = None
) -> gpd.GeoDataFrame:
    """Add the panes and the county, town and village layers of ``areas``; returns the villages.

    Used by every map page so that they all draw the boundaries alike.
    """
    check_frame(areas, name="areas", required=AREA_COLUMNS)
    for pane, z_index in PANES.items():
        CustomPane(pane, z_index=z_index, pointer_events=True).add_to(m)
    level = areas["level"]
    _add_outlines(
        m, "县界", areas[level == "county"], color="#222222", weight=3.5, pane=COUNTY_PANE
    )
    _add_towns(m, areas[level == "town"])
    villages = areas[level == "village"]
    if village_tiles is not None:
        from map_ui.overview_tiles import add_village_tiles

        add_village_tiles(m, village_tiles)
    else:
        drawn = np.asarray(villages.geometry.array, dtype=object)
        _add_villages(m, villages[~(shapely.is_missing(drawn) | shapely.is_empty(drawn))])
    return villages


def fit_to_county(m: folium.Map, areas: gpd.GeoDataFrame) -> None:
    """Fit the map to the county (or to all areas if there is no county row)."""
    county = areas[areas["level"] == "county"]
    minx, miny, maxx, maxy = (county if not county.empty else areas).total_bounds
    m.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])


def household_colormap(max_households: float) -> StepColormap:
    """Make the grid colour scale: steps at 0/100/200/300/400/500 up to ``max_households``."""
    top = max(float(max_households), HOUSEHOLD_STEPS[-1] + 100.0)
    return StepColormap(
        list(HOUSEHOLD_COLORS),
        index=[*HOUSEHOLD_STEPS, top],
        vmin=0,
        vmax=top,
        caption="网格户数",
    )


def _add_outlines(
    m: folium.Map, layer: str, frame: gpd.GeoDataFrame, *, color: str, weight: float, pane: str
) -> None:
    group = folium.FeatureGroup(name=layer).add_to(m)
    if frame.empty:
        return
    data = feature_collection(frame, properties=["code", "name"], id_column="code")
    folium.GeoJson(
        data,
        style_function=lambda _: {"color": color, "weight": weight, "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["name", "code"], aliases=["名称", "编码"]),
        pane=pane,
    ).add_to(group)


def _add_towns(m: folium.Map, towns: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="乡镇街道").add_to(m)
    if towns.empty:
        return
    data = feature_collection(towns, properties=["code", "name"], id_column="code")
    PageAssets().add_to(m)  # GridmapMaps.featureLabels
    label = JsCode("GridmapMaps.featureLabels.townName")
    folium.GeoJson(
        data,
        style_function=lambda _: {
            "color": "#5e3c99",
            "weight": 2.5,
            "dashArray": "10 5",
            "fill": False,
        },
        on_each_feature=label,
        pane=TOWN_PANE,
    ).add_to(group)


def _add_villages(m: folium.Map, villages: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="村社区").add_to(m)
    if villages.empty:
        return
    data = feature_collection(villages, properties=["code", "name", "kind"], id_column="code")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        if feature["properties"]["kind"] == COMMUNITY:
            return {"color": COMMUNITY_COLOR, "weight": 1.5, "fill": False}
        return {"color": VILLAGE_COLOR, "weight": 1.5, "dashArray": "4 3", "fill": False}

    folium.GeoJson(
        data,
        style_function=style,
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "kind", "code"], aliases=["名称", "类型", "编码"]
        ),
        pane=VILLAGE_PANE,
    ).add_to(group)


def _add_grids(
    m: folium.Map,
    grids: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    community: tuple[int, int],
    village: tuple[int, int],
    popup: Sequence[tuple[str, str]],
) -> None:
    group = folium.FeatureGroup(name="网格").add_to(m)
    colormap = household_colormap(grids["households"].max() if not grids.empty else 0)
    colormap.add_to(m)
    if grids.empty:
        return
    kind_of = dict(zip(villages["code"], villages["kind"], strict=True))
    name_of = dict(zip(villages["code"], villages["name"], strict=True))
    frame = grids.copy()
    is_community = frame["village_code"].map(kind_of).eq(COMMUNITY)
    low = is_community.map({True: community[0], False: village[0]})
    high = is_community.map({True: community[1], False: village[1]})
    frame["village"] = frame["village_code"].map(name_of)
    frame["standard"] = low.astype(str) + "–" + high.astype(str)
    frame["status"] = "符合标准"
    frame.loc[frame["households"] > high, "status"] = "高于标准"
    frame.loc[frame["households"] < low, "status"] = "低于标准"
    fields: list[str] = []
    aliases: list[str] = []
    for column, label in popup:
        if column == "village_code":
            column, label = "village", "所属村社区"
        fields.append(column)
        aliases.append(label)
        if column == "households":
            fields += ["standard", "status"]
            aliases += ["户数标准", "状态"]
    data = feature_collection(frame, properties=fields, id_column="code")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        props = feature["properties"]
        households = props["households"]
        fill = OFFLINE_COLOR if households is None else colormap(households)
        out = {"fillColor": fill, "fillOpacity": 0.65, "color": "#555555", "weight": 0.8}
        if props["status"] != "符合标准":
            border = ABOVE_COLOR if props["status"] == "高于标准" else BELOW_COLOR
            out.update(color=border, weight=3, dashArray=OUT_OF_STANDARD_DASH)
        return out

    folium.GeoJson(
        data,
        style_function=style,
        highlight_function=lambda _: {"weight": 3.5, "fillOpacity": 0.85},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "households", "status"], aliases=["网格", "户数", "状态"]
        ),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
        class_name="gridmap-grid",
    ).add_to(group)


def _add_cameras(m: folium.Map, cameras: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="摄像头").add_to(m)
    if cameras.empty:
        return
    frame = cameras.assign(
        category_name=cameras["category"].map(CAMERA_CATEGORY_NAMES),
        status_name=cameras["status"].map({"online": "在线", "offline": "离线"}),
    )
    fields = ["id", "name", "category_name", "status_name", "heading", "fov", "range_m"]
    data = feature_collection(frame, properties=[*fields, "category", "status"], id_column="id")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        props = feature["properties"]
        offline = props["status"] != "online"
        fill = OFFLINE_COLOR if offline else CAMERA_COLORS.get(props["category"], OFFLINE_COLOR)
        return {
            "color": "#222222",
            "weight": 1,
            "fill": True,
            "fillColor": fill,
            "fillOpacity": 0.95,
        }

    folium.GeoJson(
        data,
        style_function=style,
        marker=folium.CircleMarker(radius=5, pane=POINT_PANE, class_name="gridmap-camera"),
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=["编号", "名称", "类别", "状态", "朝向°", "视角°", "距离 m"]
        ),
    ).add_to(group)


def _add_sites(
    m: folium.Map,
    layer: str,
    frame: gpd.GeoDataFrame,
    fields: list[str],
    aliases: list[str],
    *,
    color: str,
) -> None:
    group = folium.FeatureGroup(name=layer).add_to(m)
    if frame.empty:
        return
    data = feature_collection(frame, properties=fields, id_column="code")
    folium.GeoJson(
        data,
        style_function=lambda _: {
            "color": "#333333",
            "weight": 1.5,
            "fill": True,
            "fillColor": color,
            "fillOpacity": 0.9,
        },
        marker=folium.CircleMarker(radius=7, pane=POINT_PANE),
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        pane=POINT_PANE,
    ).add_to(group)


def _legend(community: tuple[int, int], village: tuple[int, int]) -> str:
    title = f"网格户数标准：社区 {community[0]}–{community[1]} 户，村 {village[0]}–{village[1]} 户"
    grid_rows = [
        LegendItem("高于标准", "area", ABOVE_COLOR, "#ffffff", OUT_OF_STANDARD_DASH, 3),
        LegendItem("低于标准", "area", BELOW_COLOR, "#ffffff", OUT_OF_STANDARD_DASH, 3),
        LegendItem(
            "符合标准：填色见右上「网格户数」", "area", "#555555", HOUSEHOLD_COLORS[3], None, 1
        ),
    ]
    boundary_rows = [
        LegendItem("县界", "line", "#222222", weight=3.5),
        LegendItem("乡镇街道", "line", "#5e3c99", dash="10 5", weight=2.5),
        LegendItem("社区", "line", COMMUNITY_COLOR, weight=1.5),
        LegendItem("村", "line", VILLAGE_COLOR, dash="4 3", weight=1.5),
    ]
    point_rows = [
        *(
            LegendItem(f"{CAMERA_CATEGORY_NAMES[c]}摄像头", "dot", "#222222", CAMERA_COLORS[c])
            for c in (1, 2, 3)
        ),
        LegendItem("离线摄像头", "dot", "#222222", OFFLINE_COLOR),
        LegendItem("重点场所", "dot", "#333333", KEY_SITE_COLOR),
        LegendItem("安置点", "dot", "#333333", RELOCATION_COLOR),
    ]
    return legend_html([(title, grid_rows), ("边界", boundary_rows), ("点位", point_rows)])
