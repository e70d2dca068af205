"""The saved plan's map page in Chromium: log in, see the routes, stops and start."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from gis_api.features.imports.service import import_file
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.features.patrol.streets import write_streets


@pytest.mark.browser
def test_plan_page_in_chromium(
    fresh_db, mini_county, tmp_path, live_server, browser_page, artifacts_dir
):
    load_county_into(fresh_db.url, mini_county)
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with Session(engine) as s, s.begin():
        import_file(s, layer="roads", path=write_streets(tmp_path), options={"network": "driving"})
    engine.dispose()
    planner = create_key_in(fresh_db.url, "dispatcher")
    viewer = create_key_in(fresh_db.url, "viewer")
    server = live_server(fresh_db.settings(listen=False))
    body = {
        "start": {"key_site": "KS001"},
        "stops": [
            {"point": [104.0052, 30.5149], "name": "棠湖路口"},
            {"point": [104.0301, 30.5168]},
            {"relocation_site": "RS001"},
            {"key_site": "KS002"},
            {"point": [104.0376, 30.5025]},
        ],
        "teams": 2,
        "time_limit_s": 0.5,
        "save": True,
        "name": "夜间巡逻",
    }
    r = httpx.post(
        server.base_url + "/v1/patrol/routes", json=body, headers={"X-API-Key": planner}, timeout=30
    )
    assert r.status_code == 200, r.text
    url = server.base_url + r.json()["plan"]["map_url"]
    page, log = browser_page
    page.goto(url)
    assert "/login" in page.url
    page.fill("#key", viewer)
    page.click("button[type=submit]")
    page.wait_for_url(url)
    page.wait_for_selector(".gridmap-stop")
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts_dir / "patrol_page.png"))
    assert page.locator(".gridmap-stop").count() == 5
    assert page.locator(".gridmap-start").count() == 1
    numbers = sorted(int(t) for t in page.locator(".gridmap-stop").all_inner_texts())
    teams = r.json()["teams"]
    assert numbers == sorted(s["order"] for t in teams for s in t["stops"])
    layers = page.inner_text(".leaflet-control-layers")
    assert "第1组路线" in layers and "第2组路线" in layers
    assert "夜间巡逻" in page.inner_text(".gridmap-legend")
    assert log.external == [], log.external
    assert log.failed == [], log.failed
    assert log.console_errors == [], log.console_errors


def test_pages_need_a_session_and_an_unknown_plan_gets_the_nothing_page(
    app_client, loaded_county, make_key
):
    client = app_client()
    r = client.get("/map/patrol/7", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/map/patrol/7"
    client.post("/login", data={"key": make_key("viewer")})
    listing = client.get("/map/patrol")
    assert listing.status_code == 200 and "还没有保存的巡逻方案。" in listing.text
    r = client.get("/map/patrol/987654")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "暂无可显示的数据" in r.text and "no patrol plan 987654" in r.text
