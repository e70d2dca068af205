"""The coverage map page: login keeps the area, layers drawn, works offline in Chromium."""

from __future__ import annotations

import re

import pytest
import shapely
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tests.conftest import create_key_in, load_county_into
from tests.gis_api.features.coverage.helpers import add_building, add_camera, offset


def add_scene(session: Session) -> None:
    """Three more cameras (one of each category) and a building casting a shadow."""
    add_camera(session, 301, 104.01, 30.515, heading=None, fov=360.0, range_m=120.0, category=2)
    add_camera(session, 302, 104.025, 30.505, heading=45.0, fov=90.0, range_m=150.0, category=3)
    add_camera(
        session, 303, 104.015, 30.505, heading=None, fov=360.0, range_m=90.0, status="offline"
    )
    lon, lat = offset(104.01, 30.515, 30, -15)
    far = offset(104.01, 30.515, 50, 15)
    add_building(session, "B-PAGE", shapely.box(lon, lat, far[0], far[1]), "510116001001")


@pytest.fixture
def client(app_client, session, loaded_county):
    add_scene(session)
    session.commit()
    return app_client()


def test_page_needs_a_login_and_comes_back_to_the_area(client, make_key):
    r = client.get("/map/coverage", params={"area": "510116001001"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/map/coverage%3Farea%3D510116001001"
    login = client.post(
        "/login",
        data={"key": make_key("viewer"), "next": "/map/coverage?area=510116001001"},
        follow_redirects=False,
    )
    assert login.headers["location"] == "/map/coverage?area=510116001001"


def test_page_serves_local_assets_and_respects_jurisdiction(client, make_key):
    client.post("/login", data={"key": make_key("viewer", area="510116001000")})
    r = client.get("/map/coverage", params={"area": "510116001001"})
    assert r.status_code == 200
    sources = [
        s
        for s in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', r.text)
        if s != "data:,"
    ]
    assert sources and all(s.startswith("/static/") for s in sources)
    # the camera of the other town (51011600001330000302) is not drawn for this town's key
    assert "51011600001330000302" not in r.text
    assert client.get("/map/coverage", params={"area": "510116002001"}).status_code == 403


@pytest.mark.browser
def test_coverage_page_in_chromium(fresh_db, mini_county, live_server, browser_page, artifacts_dir):
    load_county_into(fresh_db.url, mini_county)
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with Session(engine) as s, s.begin():
        add_scene(s)
    engine.dispose()
    key = create_key_in(fresh_db.url, "viewer")
    server = live_server(fresh_db.settings(listen=False))
    page, log = browser_page
    page.goto(server.base_url + "/map/coverage?area=510116000000")
    assert "/login" in page.url
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**/map/coverage?area=510116000000")
    page.wait_for_selector("path.gridmap-blind")
    page.wait_for_timeout(500)
    counts = page.evaluate(
        """() => ({
            grids: document.querySelectorAll('path.gridmap-coverage-grid').length,
            blind: document.querySelectorAll('path.gridmap-blind').length,
            views: document.querySelectorAll('path.gridmap-view').length,
            markers: document.querySelectorAll('.leaflet-marker-pane .awesome-marker-icon-red').length,
            hatch: document.querySelectorAll('pattern#gridmap-hatch').length,
            fill: getComputedStyle(document.querySelector('path.gridmap-blind')).fill,
        })"""
    )
    assert counts["grids"] == 8 and counts["blind"] == 8
    assert counts["views"] == 5  # every camera with a view, the two offline ones greyed
    assert counts["markers"] == 2  # both key sites are uncovered
    assert counts["hatch"] == 1 and "gridmap-hatch" in counts["fill"]
    layers = page.inner_text(".leaflet-control-layers")
    for name in ("网格覆盖率", "盲区", "摄像头视域", "重点场所覆盖", "建筑遮挡", "范围"):
        assert name in layers
    summary = page.inner_text(".gridmap-summary")
    assert "视频覆盖率" in summary and "联通率" in summary
    page.screenshot(path=str(artifacts_dir / "coverage_page.png"))
    # one community, closer: the building's shadow in camera 301's disc
    page.goto(server.base_url + "/map/coverage?area=510116001001")
    page.wait_for_selector("path.gridmap-view")
    page.wait_for_timeout(500)
    assert (
        page.evaluate("() => document.querySelectorAll('path.gridmap-coverage-grid').length") == 2
    )
    page.screenshot(path=str(artifacts_dir / "coverage_page_village.png"))
    assert log.external == [], log.external
    assert log.failed == [], log.failed
    assert log.console_errors == [], log.console_errors


def test_unknown_area_gets_the_nothing_page(client, make_key):
    """render_page's answer when there is nothing to show: an HTML page saying why, 404."""
    client.post("/login", data={"key": make_key("viewer")})
    r = client.get("/map/coverage", params={"area": "510116009999"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "暂无可显示的数据" in r.text and "no administrative area 510116009999" in r.text
    assert r.headers["cache-control"] == "private, no-store"
