"""The planner's map of one draft: the draft's grids (editable with Geoman) over the published
grids and the buildings, and the controls that split, merge, validate and publish.

Pure: GeoDataFrames in (EPSG:4490), a ``folium.Map`` out. The editing logic runs in the
browser (``map_ui/static/planner.js``, served at ``/static/gridmap/planner.js``); it talks to
the draft endpoints of the API with the page's session cookie and draws the validation report
on the map: gaps and overlaps hatched, grids out of the household range coloured.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.map import CustomPane
from folium.plugins import GeoMan

from map_ui.basemaps import add_basemap
from map_ui.geojson import check_frame, feature_collection
from map_ui.legend import HtmlLegend, LegendItem, MetricScale, legend_html
from map_ui.templating import OWN_STATIC_URL, folium_template, render

STATUS_COLORS = {"ok": "#4daf4a", "below": "#ff8c00", "above": "#d7191c", "unknown": "#9e9e9e"}
STATUS_NAMES = {"ok": "符合标准", "below": "低于标准", "above": "高于标准", "unknown": "未知"}
PUBLISHED_COLOR, VILLAGE_COLOR, BUILDING_COLOR = "#555555", "#1f5fa8", "#6a3d9a"
DRAFT_COLUMNS = ("key", "code", "name", "households", "households_stored", "leader_name")
PUBLISHED_COLUMNS = ("code", "name", "households")
BUILDING_COLUMNS = ("code", "households")
MAX_ZOOM = 20
DRAFT_STATUS_NAMES = {"open": "编辑中", "published": "已发布", "discarded": "已放弃"}
# Above the draft grids (overlayPane, 400) so they stay visible; references take no clicks.
REFERENCE_PANE, BUILDING_PANE = "gridmap-planner-reference", "gridmap-planner-buildings"
PANEL_WIDTH = 350
SCRIPT_URL = f"{OWN_STATIC_URL}/planner.js"
STYLE_URL = f"{OWN_STATIC_URL}/planner.css"


class PlannerScript(MacroElement):
    """Starts ``planner.js`` once the map and its layers exist (rendered last)."""

    _template = folium_template("planner_script.j2")

    def __init__(
        self, draft: folium.GeoJson, group: folium.FeatureGroup, config: dict[str, Any]
    ) -> None:
        """Remember the layers and the config (passed to the script as JSON)."""
        super().__init__()
        self._name = "PlannerScript"
        self.draft = draft
        self.group = group
        self.config = config


def _status(households: Any, standard: tuple[int, int]) -> str:
    if households is None or households != households:
        return "unknown"
    if households < standard[0]:
        return "below"
    return "above" if households > standard[1] else "ok"


def build_planner_map(
    *,
    village: gpd.GeoDataFrame,
    draft: gpd.GeoDataFrame,
    published: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    draft_info: dict[str, Any],
    standard: tuple[int, int],
    editable: bool = True,
    basemap: dict[str, Any] | None = None,
) -> folium.Map:
    """Build the planner's map of a draft.

    Args:
        village: The village or community (one row: code, name, kind).
        draft: The draft's grids: key, code, name, households (counted), households_stored,
            leader_name.
        published: The published grids of the village: code, name, households.
        buildings: The village's buildings: code, households (points or footprints).
        draft_info: id, revision, status, area_code and base_version of the draft, passed to
            the page's script.
        standard: The household range (low, high) of a grid in this village.
        editable: Whether the caller may edit (planners on an open draft): the Geoman toolbar
            and the split, merge and publish buttons are shown only then.
        basemap: Keyword arguments of :func:`map_ui.basemaps.add_basemap`.

    Returns:
        The map, fitted to the village.

    """
    check_frame(village, name="village", required=("code", "name", "kind"))
    check_frame(draft, name="draft", required=DRAFT_COLUMNS)
    check_frame(published, name="published", required=PUBLISHED_COLUMNS)
    check_frame(buildings, name="buildings", required=BUILDING_COLUMNS)
    if len(village) != 1:
        raise ValueError(f"`village` has {len(village)} rows; the planner shows one village")
    if len(standard) != 2 or not 0 < standard[0] <= standard[1]:
        raise ValueError(f"`standard` was {standard!r} but is expected to be (low, high)")
    missing = [k for k in ("id", "revision", "status", "area_code") if k not in draft_info]
    if missing:
        raise ValueError(f"`draft_info` lacks {missing}")
    m = folium.Map(tiles=None, maxZoom=MAX_ZOOM, zoomSnap=0.25, zoom_control=True)
    MetricScale().add_to(m)
    add_basemap(m, **(basemap or {}))
    root = m.get_root()
    if not isinstance(root, Figure):
        raise ValueError("`m` is not attached to a branca Figure")
    root.header.add_child(CssLink(STYLE_URL), name="gridmap_planner_css")
    root.header.add_child(JavascriptLink(SCRIPT_URL), name="gridmap_planner_js")
    CustomPane(REFERENCE_PANE, z_index=450, pointer_events=False).add_to(m)
    CustomPane(BUILDING_PANE, z_index=460, pointer_events=True).add_to(m)

    outline = folium.FeatureGroup(name="村社区边界").add_to(m)
    folium.GeoJson(
        feature_collection(village, properties=["code", "name", "kind"]),
        style_function=lambda _: {"color": VILLAGE_COLOR, "weight": 3, "fill": False},
        interactive=False,
        pane=REFERENCE_PANE,
    ).add_to(outline)

    old = folium.FeatureGroup(name="已发布网格").add_to(m)
    if not published.empty:
        folium.GeoJson(
            feature_collection(published, properties=list(PUBLISHED_COLUMNS), id_column="code"),
            style_function=lambda _: {
                "color": PUBLISHED_COLOR,
                "weight": 1.5,
                "dashArray": "6 4",
                "fill": False,
            },
            interactive=False,
            pane=REFERENCE_PANE,
        ).add_to(old)

    houses = folium.FeatureGroup(name="建筑").add_to(m)
    if not buildings.empty:
        folium.GeoJson(
            feature_collection(buildings, properties=list(BUILDING_COLUMNS), id_column="code"),
            # folium's marker template drops ``pane``; the style is merged into its options
            style_function=lambda _: {
                "color": "#ffffff",
                "weight": 1,
                "fill": True,
                "fillColor": BUILDING_COLOR,
                "fillOpacity": 0.9,
                "pane": BUILDING_PANE,
            },
            marker=folium.CircleMarker(radius=4),
            tooltip=folium.GeoJsonTooltip(fields=["code", "households"], aliases=["建筑", "户数"]),
            pane=BUILDING_PANE,
        ).add_to(houses)

    frame = draft.copy()
    frame["status"] = [_status(h, standard) for h in frame["households"]]
    frame["status_name"] = frame["status"].map(STATUS_NAMES)
    group = folium.FeatureGroup(name="草稿网格")
    group.add_to(m)
    layer = folium.GeoJson(
        feature_collection(
            frame, properties=[*DRAFT_COLUMNS, "status", "status_name"], id_column="key"
        ),
        style_function=lambda f: {
            "color": "#222222",
            "weight": 2,
            "fillColor": STATUS_COLORS[f["properties"]["status"]],
            "fillOpacity": 0.35,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["key", "code", "households", "status_name", "leader_name"],
            aliases=["草稿编号", "原网格编码", "户数（按建筑）", "状态", "网格长"],
        )
        if len(frame)
        else None,  # folium refuses a tooltip on no features; the layer must exist anyway
        name="draft-grids",
    )
    layer.add_to(group)
    if editable:
        GeoMan(
            position="topleft",
            drawMarker=False,
            drawCircleMarker=False,
            drawCircle=False,
            drawRectangle=False,
            drawText=False,
            drawPolyline=False,
            dragMode=False,
            rotateMode=False,
            removalMode=False,
            cutPolygon=False,
        ).add_to(m)
    config = {
        "draft": draft_info,
        "standard": list(standard),
        "editable": editable,
        "statusColors": STATUS_COLORS,
        "statusNames": STATUS_NAMES,
        "draftStatusNames": DRAFT_STATUS_NAMES,
    }
    HtmlLegend(_legend(standard), position="bottomleft").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    root.html.add_child(Element(render("planner_panel.html")))
    PlannerScript(layer, group, config).add_to(m)
    minx, miny, maxx, maxy = village.total_bounds
    m.fit_bounds(
        [[float(miny), float(minx)], [float(maxy), float(maxx)]],
        padding_top_left=(60, 20),
        padding_bottom_right=(PANEL_WIDTH + 60, 20),
    )
    return m


def _legend(standard: tuple[int, int]) -> str:
    rows = [
        LegendItem(
            f"{STATUS_NAMES['ok']}（{standard[0]}–{standard[1]} 户）",
            "area",
            "#222222",
            STATUS_COLORS["ok"],
            None,
            1.5,
        ),
        LegendItem(STATUS_NAMES["below"], "area", "#222222", STATUS_COLORS["below"], None, 1.5),
        LegendItem(STATUS_NAMES["above"], "area", "#222222", STATUS_COLORS["above"], None, 1.5),
    ]
    problems = [
        LegendItem("网格重叠（斜线）", "area", "#b2182b", "#f4a582", None, 2),
        LegendItem("未覆盖空白（斜线）", "area", "#2166ac", "#92c5de", None, 2),
        LegendItem("超出村社区边界", "area", "#7b3294", "#c2a5cf", None, 2),
    ]
    other = [
        LegendItem("已发布网格", "line", PUBLISHED_COLOR, dash="6 4", weight=1.5),
        LegendItem("村社区边界", "line", VILLAGE_COLOR, weight=3),
        LegendItem("建筑", "dot", BUILDING_COLOR, BUILDING_COLOR),
    ]
    return legend_html([("草稿网格户数", rows), ("校验问题", problems), ("参考", other)])
