from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from map_ui.assets import offline_html
from map_ui.overview import GRID_POPUP, build_overview_map

CRS = "EPSG:4490"
LAYER_NAMES = ["县界", "乡镇街道", "村社区", "网格", "摄像头", "重点场所", "安置点"]
# (village code, kind, grid households): communities 200–500, villages 100–300.
GRID_PLAN = {
    "510116001001": ("社区", [250, 480, 620]),  # 620 above
    "510116001002": ("村", [150, 90, 260]),  # 90 below
    "510116002001": ("社区", [180, 300, 420]),  # 180 below
    "510116002002": ("村", [120, 310, 200]),  # 310 above
}
OUT_OF_STANDARD = {"above": 2, "below": 2}


def synthetic_county(*, with_phone: bool = True):
    """A 2×2 km-ish county: 2 towns side by side, 2 villages each, 3 grids per village."""
    x0, y0 = 103.90, 30.50
    areas = [("510116000000", "测试区", "county", None, box(x0, y0, x0 + 0.08, y0 + 0.04))]
    grids, cameras = [], []
    for t in range(2):
        tx = x0 + 0.04 * t
        town_code = f"510116{t + 1:03d}000"
        areas.append((town_code, f"第{t + 1}街道", "town", None, box(tx, y0, tx + 0.04, y0 + 0.04)))
        for v in range(2):
            vy = y0 + 0.02 * v
            code = f"510116{t + 1:03d}{v + 1:03d}"
            kind, households = GRID_PLAN[code]
            areas.append(
                (code, f"{kind}{t + 1}-{v + 1}", "village", kind, box(tx, vy, tx + 0.04, vy + 0.02))
            )
            for g, hh in enumerate(households):
                gx = tx + g * 0.04 / 3
                grids.append(
                    {
                        "code": f"{code}{g + 1:03d}",
                        "name": f"{kind}{t + 1}-{v + 1} 第{g + 1}网格",
                        "kind": "楼院型" if kind == "社区" else "村组型",
                        "village_code": code,
                        "households": hh,
                        "population": hh * 3,
                        "leader_name": f"网格长{t}{v}{g}",
                        "leader_phone": f"1380000{t}{v}{g:02d}",
                        "geometry": box(gx, vy, gx + 0.04 / 3, vy + 0.02),
                    }
                )
            cameras.append(
                {
                    "id": f"51011600001320{t}{v}0001",
                    "name": f"摄像头{t}{v}",
                    "category": 1 + (t + v) % 3,
                    "status": "offline" if (t, v) == (1, 1) else "online",
                    "heading": 90.0,
                    "fov": 60.0,
                    "range_m": 80.0,
                    "geometry": Point(tx + 0.02, vy + 0.01),
                }
            )
    areas_gdf = gpd.GeoDataFrame(
        [dict(zip(["code", "name", "level", "kind", "geometry"], a, strict=True)) for a in areas],
        crs=CRS,
    )
    grids_gdf = gpd.GeoDataFrame(grids, crs=CRS)
    if not with_phone:
        grids_gdf = grids_gdf.drop(columns="leader_phone")
    key_sites = gpd.GeoDataFrame(
        [{"code": "KS1", "kind": "学校", "name": "实验小学", "geometry": Point(103.93, 30.53)}],
        crs=CRS,
    )
    relocation = gpd.GeoDataFrame(
        [
            {
                "code": "RS1",
                "name": "幸福安置点",
                "households": 120,
                "management": "attached",
                "geometry": box(103.965, 30.505, 103.972, 30.51),
            }
        ],
        crs=CRS,
    )
    return areas_gdf, grids_gdf, gpd.GeoDataFrame(cameras, crs=CRS), key_sites, relocation


def build(with_phone: bool = True):
    areas, grids, cameras, key_sites, relocation = synthetic_county(with_phone=with_phone)
    popup = [*GRID_POPUP, ("leader_phone", "联系电话")] if with_phone else GRID_POPUP
    return build_overview_map(
        areas=areas,
        grids=grids,
        cameras=cameras,
        key_sites=key_sites,
        relocation_sites=relocation,
        grid_popup=popup,
    )


def geojson_payloads(html: str) -> list[dict]:
    """The FeatureCollections embedded in the page (one `<layer>_add({...});` line each)."""
    lines = re.findall(r"^\s*\w+_add\((\{.*\})\);$", html, re.M)
    return [p for p in map(json.loads, lines) if p.get("type") == "FeatureCollection"]


def js_strings(html: str) -> list[str]:
    """Every double-quoted string literal of the page, decoded (folium writes CJK as \\uXXXX)."""
    out = []
    for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', html):
        try:
            out.append(json.loads(literal))
        except json.JSONDecodeError:
            continue
    return out


def grid_payload(html: str) -> dict:
    (grids,) = [
        p
        for p in geojson_payloads(html)
        if p["features"]
        and "households" in p["features"][0]["properties"]
        and "standard" in p["features"][0]["properties"]
    ]
    return grids


def test_page_names_every_layer_and_has_both_legends():
    html = offline_html(build())
    overlays = re.search(r"overlays :\s*\{(.*?)\}", html, re.S).group(1)
    assert js_strings(overlays) == LAYER_NAMES
    strings = js_strings(html)
    assert "网格户数" in strings  # the colormap's caption
    (legend,) = [s for s in strings if s.startswith("<h4>")]
    assert "高于标准" in legend and "低于标准" in legend
    assert "网格户数标准：社区 200–500 户，村 100–300 户" in legend


def test_grids_are_flagged_against_their_villages_standard():
    html = offline_html(build())
    features = grid_payload(html)["features"]
    assert len(features) == sum(len(hh) for _, hh in GRID_PLAN.values())
    status = [f["properties"]["status"] for f in features]
    assert status.count("高于标准") == OUT_OF_STANDARD["above"]
    assert status.count("低于标准") == OUT_OF_STANDARD["below"]


def test_phone_shown_only_when_the_popup_names_it():
    with_phone = offline_html(build(with_phone=True))
    without = offline_html(build(with_phone=False))
    assert "联系电话" in js_strings(with_phone) and "13800000000" in with_phone
    assert "联系电话" not in js_strings(without) and "1380000" not in without


def test_coordinates_rounded_to_six_decimals():
    html = offline_html(build())
    for payload in geojson_payloads(html):
        text = json.dumps(payload["features"])
        assert not re.search(r"\d+\.\d{7,}", text)


def test_text_is_escaped_for_tooltips():
    areas, grids, *_ = synthetic_county()
    grids.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    html = offline_html(build_overview_map(areas=areas, grids=grids))
    assert "<img src=x" not in html
    assert "&lt;img src=x" in grid_payload(html)["features"][0]["properties"]["name"]


def test_wrong_crs_and_missing_column_are_refused():
    areas, grids, *_ = synthetic_county()
    with pytest.raises(ValueError, match="EPSG:4490"):
        build_overview_map(areas=areas.to_crs(3857), grids=grids)
    with pytest.raises(ValueError, match="households"):
        build_overview_map(areas=areas, grids=grids.drop(columns="households"))


def test_map_is_fitted_to_the_county():
    areas, *_ = synthetic_county()
    minx, miny, maxx, maxy = areas[areas["level"] == "county"].total_bounds
    html = offline_html(build())
    bounds = json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    assert bounds[0] == pytest.approx([miny, minx])
    assert bounds[1] == pytest.approx([maxy, maxx])


@pytest.mark.browser
def test_overview_renders_offline_in_chromium(static_server, browser_page, artifacts_dir):
    page, log = browser_page
    areas, grids, cameras, key_sites, relocation = synthetic_county()
    url = static_server.add_page("/overview.html", offline_html(build()))
    page.goto(url, wait_until="load")
    page.wait_for_selector("path.gridmap-grid")
    page.wait_for_timeout(300)  # let the legend's d3 and tooltips settle before the screenshot
    page.screenshot(path=str(artifacts_dir / "overview.png"))

    assert log.external == []
    assert log.failed == []
    assert log.console_errors == []
    assert page.locator("path.gridmap-grid").count() == len(grids)
    assert page.locator("path.gridmap-camera").count() == len(cameras)
    expected_paths = len(areas) + len(grids) + len(cameras) + len(key_sites) + len(relocation)
    assert page.locator("path.leaflet-interactive").count() == expected_paths
    # Out-of-standard grids carry the dashed border.
    dashed = page.locator("path.gridmap-grid[stroke-dasharray]").count()
    assert dashed == OUT_OF_STANDARD["above"] + OUT_OF_STANDARD["below"]
    assert page.locator(".gridmap-label").count() == (areas["level"] == "town").sum()
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [label.strip() for label in labels] == LAYER_NAMES
