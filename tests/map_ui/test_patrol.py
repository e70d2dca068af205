"""The patrol layers: routes by team, numbered stops, the start, what lies underneath."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from map_ui.assets import offline_html
from map_ui.patrol import TEAM_COLORS, add_patrol_layers, arrow_positions, build_patrol_map

START = Point(104.0, 30.5)


def shown(html, text):
    """Whether ``text`` is in the page, as is or as a JSON string (layer control names)."""
    return text in html or json.dumps(text)[1:-1] in html


def frames():
    routes = gpd.GeoDataFrame(
        {"team": [1, 2], "distance_m": [2400.0, 1800.0], "duration_s": [1800.0, 1320.0]},
        geometry=[
            LineString([(104.0, 30.5), (104.01, 30.5), (104.01, 30.51), (104.0, 30.5)]),
            LineString([(104.0, 30.5), (104.0, 30.51), (104.005, 30.51), (104.0, 30.5)]),
        ],
        crs=4490,
    )
    stops = gpd.GeoDataFrame(
        {"team": [1, 1, 2], "order": [1, 2, 1], "name": ["小学", "市场<script>", "路口"]},
        geometry=[Point(104.01, 30.5), Point(104.01, 30.51), Point(104.0, 30.51)],
        crs=4490,
    )
    return routes, stops


def test_layers_per_team_with_colours_and_numbers():
    routes, stops = frames()
    html = offline_html(build_patrol_map(routes=routes, stops=stops, start=START))
    assert "第1组路线（2.4 km，30 分钟）" in html and "第2组路线（1.8 km，22 分钟）" in html
    assert TEAM_COLORS[0] in html and TEAM_COLORS[1] in html
    numbers = re.findall(
        r'gridmap-stop\\" style=\\"background:(#[0-9a-f]{6})\\"\\u003e(\d+)\\u003c', html
    )
    assert sorted(numbers) == sorted(
        [(TEAM_COLORS[0], "1"), (TEAM_COLORS[0], "2"), (TEAM_COLORS[1], "1")]
    )
    assert html.count('class=\\"gridmap-start\\"') == 1
    assert "第1组 第2站：市场&lt;script&gt;" in html and "市场<script>" not in html


def test_underlay_layers_when_given():
    routes, stops = frames()
    blind = gpd.GeoDataFrame(
        {"grid_code": ["510116001001001"], "area_m2": [1200.0]},
        geometry=[box(104.002, 30.502, 104.004, 30.504)],
        crs=4490,
    )
    incidents = gpd.GeoDataFrame(
        {"category": ["治安"], "reported_at": ["2026-11-20"]},
        geometry=[Point(104.003, 30.503)],
        crs=4490,
    )
    m = build_patrol_map(
        routes=routes, stops=stops, start=START, blind_spots=blind, incidents=incidents
    )
    html = offline_html(m)
    assert shown(html, "摄像头盲区") and shown(html, "事件")
    assert "gridmap-patrol-underlay" in html


def test_add_to_an_existing_map():
    routes, stops = frames()
    m = folium.Map(tiles=None)
    assert add_patrol_layers(m, routes=routes, stops=stops, start=START) is m
    assert "第2组路线" in m.get_root().render()


@pytest.mark.parametrize(
    ("line", "bearing"),
    [
        (LineString([(104.0, 30.0), (104.1, 30.0)]), 90.0),
        (LineString([(104.0, 30.0), (104.0, 30.1)]), 0.0),
        (LineString([(104.0, 30.1), (104.0, 30.0)]), 180.0),
        (LineString([(104.1, 30.0), (104.0, 30.0)]), 270.0),
    ],
)
def test_arrows_point_the_way_of_travel(line, bearing):
    arrows = arrow_positions(line, 4)
    assert len(arrows) == 4
    assert all(a[2] == pytest.approx(bearing, abs=1e-6) for a in arrows)
    # spread along the line, in order
    along = [line.project(Point(x, y)) for x, y, _ in arrows]
    assert along == sorted(along)


def test_diagonal_bearing_accounts_for_latitude():
    # at 60°N one degree of longitude is half as long as one of latitude
    ((x, y, bearing),) = arrow_positions(LineString([(25.0, 60.0), (25.02, 60.01)]), 1)
    assert bearing == pytest.approx(45.0, abs=0.2)


def test_bad_input_is_refused():
    routes, stops = frames()
    with pytest.raises(ValueError, match="routes"):
        add_patrol_layers(
            folium.Map(), routes=routes.drop(columns="team"), stops=stops, start=START
        )
    with pytest.raises(ValueError, match="EPSG:4490"):
        add_patrol_layers(folium.Map(), routes=routes.to_crs(3857), stops=stops, start=START)
    with pytest.raises(ValueError, match="start"):
        add_patrol_layers(folium.Map(), routes=routes, stops=stops, start=(104.0, 30.5))


@pytest.mark.browser
def test_patrol_map_renders_offline_in_chromium(static_server, browser_page, artifacts_dir):
    page, log = browser_page
    routes, stops = frames()
    url = static_server.add_page(
        "/patrol.html", offline_html(build_patrol_map(routes=routes, stops=stops, start=START))
    )
    page.goto(url, wait_until="load")
    page.wait_for_selector(".gridmap-stop")
    assert page.locator(".gridmap-stop").count() == 3
    assert page.locator(".gridmap-start").count() == 1
    assert page.locator(".gridmap-arrow").count() == 2 * 12
    page.screenshot(path=str(artifacts_dir / "patrol_layers.png"))
    assert log.external == [] and log.failed == [] and log.console_errors == []
