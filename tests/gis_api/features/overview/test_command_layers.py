"""The command-centre pages carry the other concerns' layers — camera blind spots (issue 4)
and saved patrol routes (issue 5) — loaded only when switched on."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from boundaries import coords
from gis_api.features.imports.service import import_file
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.features.patrol.streets import write_streets

PLAN = {
    "start": {"key_site": "KS001"},
    "stops": [{"point": [104.0052, 30.5149]}, {"point": [104.0301, 30.5168]}],
    "time_limit_s": 0.3,
    "save": True,
    "name": "测试巡逻",
}


@pytest.fixture
def client(app_client, loaded_county, session, tmp_path):
    import_file(
        session, layer="roads", path=write_streets(tmp_path), options={"network": "driving"}
    )
    session.commit()
    return app_client()


def test_recent_routes_are_the_saved_plans_lines(client, make_key):
    dispatcher = {"X-API-Key": make_key("dispatcher")}
    answer = client.post("/v1/patrol/routes", json=PLAN, headers=dispatcher).json()
    viewer = {"X-API-Key": make_key("viewer")}
    body = client.get("/v1/patrol/recent-routes", headers=viewer).json()
    [feature] = body["features"]
    assert feature["properties"]["plan_id"] == answer["plan"]["id"]
    routes = [shape(t["route"]) for t in answer["teams"] if t.get("route")]
    assert shape(feature["geometry"]).equals(shapely.MultiLineString(routes))
    shifted = client.get("/v1/patrol/recent-routes?crs=gcj02", headers=viewer).json()
    a = np.array(shape(feature["geometry"]).geoms[0].coords)
    b = np.array(shape(shifted["features"][0]["geometry"]).geoms[0].coords)
    lon, lat = coords.from_wgs84(a[:, 0], a[:, 1], "gcj02")
    assert np.allclose(b[:, 0], lon, atol=1e-9) and np.allclose(b[:, 1], lat, atol=1e-9)
    other_town = {"X-API-Key": make_key("viewer", area="510116002")}
    assert client.get("/v1/patrol/recent-routes", headers=other_town).json()["features"] == []


def test_blind_spots_in_gcj02_line_up_with_shifted_tiles(client, make_key):
    viewer = {"X-API-Key": make_key("viewer")}
    plain = client.get("/v1/coverage/blind-spots?area=510116001000", headers=viewer).json()
    shifted = client.get(
        "/v1/coverage/blind-spots?area=510116001000&crs=gcj02", headers=viewer
    ).json()
    assert [f["properties"] for f in plain["features"]] == [
        f["properties"] for f in shifted["features"]
    ]
    a = shapely.get_coordinates(shape(plain["features"][0]["geometry"]))
    b = shapely.get_coordinates(shape(shifted["features"][0]["geometry"]))
    lon, lat = coords.from_wgs84(a[:, 0], a[:, 1], "gcj02")
    assert np.allclose(b[:, 0], lon, atol=1e-8) and np.allclose(b[:, 1], lat, atol=1e-8)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/map", "/map/incidents"])
def test_pages_load_blind_spots_and_routes_when_switched_on(
    path, fresh_db, mini_county, tmp_path, live_server, browser_page, artifacts_dir
):
    load_county_into(fresh_db.url, mini_county)
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with Session(engine) as s, s.begin():
        import_file(s, layer="roads", path=write_streets(tmp_path), options={"network": "driving"})
    engine.dispose()
    dispatcher = create_key_in(fresh_db.url, "dispatcher")
    server = live_server(fresh_db.settings(listen=False))
    r = httpx.post(
        server.base_url + "/v1/patrol/routes",
        json=PLAN,
        headers={"X-API-Key": dispatcher},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    page, log = browser_page
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.goto(server.base_url + "/login?next=" + path)
    page.fill("#key", dispatcher)
    page.click("button[type=submit]")
    page.wait_for_url("**" + path)
    page.wait_for_selector(".leaflet-control-layers")
    page.wait_for_timeout(300)
    assert not any(
        "/v1/coverage/blind-spots" in u or "/v1/patrol/recent-routes" in u for u in requested
    )
    before = page.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length")
    for name in ("摄像头盲区", "巡逻路线（最近保存）"):
        page.locator(".leaflet-control-layers-overlays label", has_text=name).locator(
            "input"
        ).check()
    page.wait_for_function(
        f"() => document.querySelectorAll('path.leaflet-interactive').length > {before}",
        timeout=15000,
    )
    page.wait_for_timeout(500)
    assert any("/v1/coverage/blind-spots" in u for u in requested)
    assert any("/v1/patrol/recent-routes" in u for u in requested)
    name = "layers_" + path.strip("/").replace("/", "_")
    page.screenshot(path=str(artifacts_dir / f"{name}.png"))
    assert log.failed == [] and log.console_errors == [] and log.external == []
