"""The planner page: the builder's HTML, and in Chromium: edit a vertex, submit, see the report."""

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import Point, box
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from map_ui.assets import external_asset_urls, offline_html
from map_ui.planner import build_planner_map
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.features.planning.conftest import YANGPING, load_buildings_into

INFO = {"id": 7, "revision": 3, "status": "open", "area_code": YANGPING, "base_version": 1}


def _frames():
    village = gpd.GeoDataFrame(
        {"code": [YANGPING], "name": ["羊坪<村>"], "kind": ["村"]},
        geometry=[box(104.02, 30.51, 104.04, 30.52)],
        crs=4490,
    )
    draft = gpd.GeoDataFrame(
        {
            "key": ["a", "b"],
            "code": [YANGPING + "001", None],
            "name": ["第1网格", None],
            "households": [160, 40],
            "households_stored": [150, None],
            "leader_name": ["<b>张</b>", None],
        },
        geometry=[box(104.02, 30.51, 104.037, 30.52), box(104.037, 30.51, 104.04, 30.52)],
        crs=4490,
    )
    published = gpd.GeoDataFrame(
        {"code": [YANGPING + "001"], "name": ["第1网格"], "households": [160]},
        geometry=[box(104.02, 30.51, 104.04, 30.52)],
        crs=4490,
    )
    buildings = gpd.GeoDataFrame(
        {"code": ["H1"], "households": [10]}, geometry=[Point(104.03, 30.515)], crs=4490
    )
    return village, draft, published, buildings


def test_page_loads_only_local_assets_and_carries_the_draft():
    village, draft, published, buildings = _frames()
    m = build_planner_map(
        village=village,
        draft=draft,
        published=published,
        buildings=buildings,
        draft_info=INFO,
        standard=(100, 300),
    )
    page = offline_html(m)
    assert external_asset_urls(page) == []
    assert "/static/gridmap/planner.js" in page and "leaflet-geoman" in page
    config = json.loads(re.search(r"config: (\{.*\})\s*\}\);", page).group(1))
    assert config["draft"] == INFO and config["standard"] == [100, 300]
    # folium writes the data as ASCII JSON; the leader's name arrives HTML-escaped
    assert "\\u0026lt;b\\u0026gt;\\u5f20" in page and "<b>\\u5f20" not in page
    assert '"status": "below"' in page  # the 40-household grid is coloured below the floor


def test_read_only_page_has_no_geoman_toolbar():
    village, draft, published, buildings = _frames()
    m = build_planner_map(
        village=village,
        draft=draft,
        published=published,
        buildings=buildings,
        draft_info=INFO,
        standard=(100, 300),
        editable=False,
    )
    page = offline_html(m)
    assert "leaflet-geoman" not in page and '"editable": false' in page


def test_an_empty_draft_still_has_its_layer():
    village, draft, published, buildings = _frames()
    m = build_planner_map(
        village=village,
        draft=draft.iloc[:0],
        published=published.iloc[:0],
        buildings=buildings.iloc[:0],
        draft_info=INFO,
        standard=(100, 300),
    )
    page = offline_html(m)
    assert "GridmapPlanner.start" in page and '"features": []' in page


def test_bad_input_is_refused():
    village, draft, published, buildings = _frames()
    with pytest.raises(ValueError, match="standard"):
        build_planner_map(
            village=village,
            draft=draft,
            published=published,
            buildings=buildings,
            draft_info=INFO,
            standard=(300, 100),
        )
    with pytest.raises(ValueError, match="lacks"):
        build_planner_map(
            village=village,
            draft=draft.drop(columns=["key"]),
            published=published,
            buildings=buildings,
            draft_info=INFO,
            standard=(100, 300),
        )


def _pixel(page, lat: float, lon: float) -> list[float]:
    """Where a lon/lat is on the page, in CSS pixels."""
    return page.evaluate(
        """([lat, lon]) => {
            const map = window.gridmapPlanner.map;
            const p = map.latLngToContainerPoint(L.latLng(lat, lon));
            const r = map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [lat, lon],
    )


def _open_draft(fresh_db, mini_county, tmp_path, live_server, browser_page):
    """A county with buildings, a planner logged in, the page of a fresh draft open."""
    load_county_into(fresh_db.url, mini_county)
    load_buildings_into(fresh_db.url, tmp_path)
    key = create_key_in(fresh_db.url, "planner")
    draft_id = _draft_in(fresh_db.url)
    server = live_server(fresh_db.settings(listen=False))
    page, log = browser_page
    page.goto(f"{server.base_url}/planner/drafts/{draft_id}")
    assert "/login" in page.url
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/planner/drafts/{draft_id}")
    page.wait_for_selector("#gridmap-planner-panel h3")
    return page, log


def _draft_in(url: str) -> int:
    from gis_api.core.auth import Principal
    from gis_api.features.planning.drafts import create_draft

    engine = create_engine(url, poolclass=NullPool)
    principal = Principal(key_id=0, prefix="gm_test", role="planner", jurisdiction="")
    with Session(engine) as s, s.begin():
        draft_id = create_draft(s, area_code=YANGPING, principal=principal, title="测试").id
    engine.dispose()
    return draft_id


@pytest.mark.browser
def test_edit_a_vertex_submit_and_see_the_report(
    fresh_db, mini_county, tmp_path, live_server, browser_page, artifacts_dir
):
    page, log = _open_draft(fresh_db, mini_county, tmp_path, live_server, browser_page)
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "planner_before.png"))

    page.click("#gridmap-edit")
    page.wait_for_selector(".marker-icon")

    x0, y0 = _pixel(page, 30.52, 104.02)  # the village's north-west corner: a vertex of grid 001
    x1, y1 = _pixel(page, 30.5212, 104.0185)  # pulled outside the village
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    page.wait_for_function("Object.keys(window.gridmapPlanner.dirty).length === 1")
    page.click("#gridmap-edit")
    page.click("#gridmap-validate")
    page.wait_for_selector("#gridmap-planner-issues li")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "planner_report.png"))

    kinds = page.eval_on_selector_all(
        "#gridmap-planner-issues li", "els => els.map(e => e.dataset.kind)"
    )
    assert "outside_village" in kinds and "gap" not in kinds
    assert "错误" in page.inner_text("#gridmap-planner-summary")
    hatched = page.eval_on_selector_all(
        "path.gridmap-problem-outside_village", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert hatched == ["url(#gridmap-hatch-outside)"]
    assert page.is_disabled("#gridmap-publish")  # errors are never accepted
    # the edit was saved in the draft: its revision moved on
    revision = page.evaluate("window.gridmapPlanner.revision")
    assert revision == 2
    assert log.external == [] and log.console_errors == [], (log.external, log.console_errors)


@pytest.mark.browser
def test_split_accept_warnings_and_publish_in_the_browser(
    fresh_db, mini_county, tmp_path, live_server, browser_page, artifacts_dir
):
    page, log = _open_draft(fresh_db, mini_county, tmp_path, live_server, browser_page)

    page.click("#gridmap-split")
    start, end = _pixel(page, 30.5215, 104.037), _pixel(page, 30.5085, 104.037)
    page.mouse.click(*start)
    page.mouse.click(*end)
    page.mouse.click(*end)  # clicking the last vertex again finishes the line
    page.wait_for_load_state("load")
    page.wait_for_function(
        "window.gridmapPlanner && window.gridmapPlanner.layer.getLayers().length === 3"
    )
    page.click("#gridmap-validate")
    page.wait_for_selector("#gridmap-planner-issues li")
    kinds = page.eval_on_selector_all(
        "#gridmap-planner-issues li", "els => els.map(e => e.dataset.kind)"
    )
    assert "households_buildings" in kinds and "no_leader" in kinds
    assert page.is_disabled("#gridmap-publish")  # warnings not accepted yet
    for box_ in page.query_selector_all("input.gridmap-accept"):
        box_.check()
    assert page.is_enabled("#gridmap-publish")
    page.screenshot(path=str(artifacts_dir / "planner_accept.png"))
    page.click("#gridmap-publish")
    page.wait_for_selector("#gridmap-planner-status.ok >> text=已发布")
    assert "版本 2" in page.inner_text("#gridmap-planner-status")
    assert log.external == [] and log.console_errors == [], (log.external, log.console_errors)
