"""The coverage layers and page map, rendered to HTML (the browser test is in tests/gis_api)."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from map_ui.assets import offline_html
from map_ui.coverage import (
    BLIND_COLOR,
    HATCH_ID,
    SHARE_COLORS,
    add_coverage_layers,
    build_coverage_map,
    share_colormap,
)
from map_ui.overview import CAMERA_COLORS, OFFLINE_COLOR

CRS = "EPSG:4490"


def frames():
    grids = gpd.GeoDataFrame(
        {
            "code": ["510116001001001", "510116001001002"],
            "name": ["一网格", "二<网格>"],
            "share": [0.1, 0.9],
        },
        geometry=[box(104.0, 30.5, 104.01, 30.51), box(104.01, 30.5, 104.02, 30.51)],
        crs=CRS,
    )
    sectors = gpd.GeoDataFrame(
        {
            "id": ["51011600001310000001", "51011600001330000002"],
            "name": ["东门", "<b>西门</b>"],
            "category": [1, 3],
            "status": ["online", "offline"],
        },
        geometry=[Point(104.005, 30.505).buffer(0.0005), Point(104.015, 30.505).buffer(0.0004)],
        crs=CRS,
    )
    blind = gpd.GeoDataFrame(
        {"grid_code": ["510116001001001"], "area_m2": [812345.6]},
        geometry=[box(104.0, 30.5, 104.004, 30.51)],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "code": ["KS1", "KS2"],
            "name": ["棠湖小学", "观音市场"],
            "kind": ["school", "market"],
            "covered": [True, False],
        },
        geometry=[Point(104.005, 30.505), box(104.012, 30.502, 104.013, 30.503)],
        crs=CRS,
    )
    return grids, sectors, blind, sites


def decoded(page: str) -> str:
    """The page with JSON's \\uXXXX escapes decoded (folium writes CJK and < > & that way)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def groups(m: folium.Map) -> list[str]:
    return [c.layer_name for c in m._children.values() if isinstance(c, folium.FeatureGroup)]


def render(m: folium.Map) -> str:
    return decoded(m.get_root().render())


def test_layers_and_styles():
    grids, sectors, blind, sites = frames()
    m = add_coverage_layers(
        folium.Map(tiles=None),
        sectors=sectors,
        blind_spots=blind,
        key_sites=sites,
        grid_shares=grids,
    )
    page = render(m)
    assert groups(m) == ["网格覆盖率", "盲区", "摄像头视域", "重点场所覆盖"]
    assert f'id="{HATCH_ID}"' in page and page.count(f'id="{HATCH_ID}"') == 1
    assert f"url(#{HATCH_ID})" in page and BLIND_COLOR in page
    assert CAMERA_COLORS[1] in page and OFFLINE_COLOR in page
    cmap = share_colormap()
    assert cmap(0.1) == cmap(0.0) and cmap(0.9) != cmap(0.1)
    assert SHARE_COLORS[0] in page
    assert (
        page.count('"icon": "exclamation"') == 1
        and "未覆盖：观音市场" in page
        and "未覆盖：棠湖小学" not in page
    )
    assert "<b>西门</b>" not in page and "&lt;b&gt;西门&lt;/b&gt;" in page
    assert "二&lt;网格&gt;" in page


def test_missing_or_empty_frames_leave_layers_out():
    grids, *_ = frames()
    empty = grids.iloc[0:0].assign(id=[], category=[], status=[])
    m = add_coverage_layers(
        folium.Map(tiles=None), grid_shares=grids, sectors=empty, blind_spots=None
    )
    assert groups(m) == ["网格覆盖率"]
    assert HATCH_ID not in render(m)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sectors": "nope"}, "`sectors` was a str"),
        (
            {"blind_spots": gpd.GeoDataFrame({"grid_code": []}, geometry=[], crs=CRS)},
            "lacks the columns",
        ),
        (
            {
                "key_sites": gpd.GeoDataFrame(
                    {"code": [], "name": [], "kind": [], "covered": []}, geometry=[], crs=3857
                )
            },
            "EPSG:4490",
        ),
    ],
)
def test_bad_frames_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_coverage_layers(folium.Map(tiles=None), **kwargs)


def test_page_map_renders_offline_with_summary():
    grids, sectors, blind, sites = frames()
    area = gpd.GeoDataFrame(
        {"code": ["510116001001"]}, geometry=[box(104.0, 30.5, 104.02, 30.51)], crs=CRS
    )
    m = build_coverage_map(
        area=area,
        summary=[("视频覆盖率", "37.5%"), ("联通率", "<50%>")],
        title="棠湖社区 视频覆盖",
        sectors=sectors,
        blind_spots=blind,
        key_sites=sites,
        grid_shares=grids,
    )
    raw = offline_html(m)
    page = decoded(raw)
    assert "视频覆盖率" in page and "&lt;50%&gt;" in page and "棠湖社区 视频覆盖" in page
    assert "https://" not in "".join(
        line for line in raw.splitlines() if "<script src" in line or "<link" in line
    )
    assert "范围" in page


def test_page_map_needs_the_area():
    area = gpd.GeoDataFrame({"code": []}, geometry=[], crs=CRS)
    with pytest.raises(ValueError, match="`area` is empty"):
        build_coverage_map(area=area, summary=[], title="x")
