"""The command-centre pages served by the app: login, layers, tiles above the limit, GCJ-02,
and in Chromium: no failed request or console error, and the live layer picking up a report."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from boundaries.coords import from_wgs84
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.features.incidents.conftest import EAST_POINT, WEST_POINT, report_body

PAGES = ("/map", "/map/incidents", "/map/wall")


@pytest.fixture
def logged_in(client, headers):
    def login(role: str = "viewer", area: str | None = None):
        r = client.post(
            "/login", data={"key": headers(role, area)["X-API-Key"]}, follow_redirects=False
        )
        assert r.status_code == 303
        return client

    return login


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_session_and_load_assets_locally(client, logged_in, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"
    logged_in()
    page = client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page.text)
    sources = [s for s in sources if s != "data:,"]
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "/logout" in page.text  # the page links to the others and to logging out


def test_incident_page_holds_the_callers_incidents_only(report, client, logged_in):
    west = report(description="西边的事")["id"]
    east = report(lon=EAST_POINT[0], lat=EAST_POINT[1], description="东边的事")["id"]
    logged_in("viewer", "510116002")
    html = client.get("/map/incidents").text
    config = re.search(r"GridmapMaps\.incidents\([^,]+, L\.extend\((.*), \{$", html, re.M)
    ids = [i["id"] for i in json.loads(config.group(1))["incidents"]]
    assert ids == [east] and west not in ids


def test_pages_switch_to_vector_tiles_above_the_inline_limit(app_client, loaded_county, headers):
    client = app_client(inline_feature_limit=5)  # 8 grids: over the limit
    client.post("/login", data={"key": headers("viewer")["X-API-Key"]})
    html = client.get("/map").text
    assert "GridmapMaps.vectorTiles(" in html
    version = client.get("/tiles", headers=headers("viewer")).json()["grids"]["version"]
    assert f'"/tiles/grids/{{z}}/{{x}}/{{y}}.pbf?v={version}"' in html
    assert "510116001001001" not in html  # no grid inline
    inline = app_client().get("/map", headers=headers("viewer")).text
    assert "GridmapMaps.vectorTiles(" not in inline and "510116001001001" in inline


def test_gcj02_base_map_shifts_our_layers_and_the_live_feed(app_client, loaded_county, headers):
    client = app_client(
        basemap="xyz",
        basemap_url="https://tiles.example/{z}/{x}/{y}.png",
        basemap_attribution="test",
        basemap_gcj02=True,
    )
    h = headers("viewer")
    html = client.get("/map/wall", headers=h).text
    assert "/v1/incidents/live?hours=24\\u0026crs=gcj02" in html or "crs=gcj02" in html
    # the county's corner (104.00, 30.50) is drawn where GCJ-02 puts it
    gx, gy = (round(float(v), 6) for v in from_wgs84(104.0, 30.5, "gcj02"))
    assert f"[{gx}, {gy}]" in client.get("/map", headers=h).text
    assert "[104.0, 30.5]" not in client.get("/map", headers=h).text


def test_live_feed_renews_an_hour_old_session(client, headers, session):
    r = client.post("/login", data={"key": headers("viewer")["X-API-Key"]}, follow_redirects=False)
    assert r.status_code == 303
    # the session was opened two hours ago: 10 of its 12 hours are left
    session.execute(text("UPDATE sessions SET expires_at = now() + interval '10 hours'"))
    r = client.get("/v1/incidents/live")
    assert r.status_code == 200
    assert (
        "gridmap_session=" in r.headers.get("set-cookie", "")
        and "HttpOnly" in r.headers["set-cookie"]
    )
    left = session.scalar(text("SELECT expires_at - now() FROM sessions"))
    assert left.total_seconds() > 11.9 * 3600
    fresh = client.get("/v1/incidents/live")
    assert "set-cookie" not in fresh.headers  # renewed a moment ago: nothing to do


def _committed_incidents(url: str) -> None:
    """A few incidents in the fresh database, through the service (committed)."""
    from gis_api.core.auth import Principal
    from gis_api.core.settings import Settings
    from gis_api.features.incidents.service import Report, report_incident, transition
    from gis_api.features.lookup.model import load_read_model

    engine = create_engine(url, poolclass=NullPool)
    admin = Principal(key_id=0, prefix="test", role="admin", jurisdiction="")
    with Session(engine) as s, s.begin():
        model = load_read_model(s)
        for i, (lon, lat) in enumerate(
            [WEST_POINT, EAST_POINT, (104.012, 30.503), (104.028, 30.517)]
        ):
            incident = report_incident(
                s,
                report=Report(
                    **{
                        **report_body(lon=lon, lat=lat),
                        "category": ["治安", "环境", "矛盾纠纷", "其他"][i],
                    }
                ),
                model=model,
                principal=admin,
                settings=Settings(),
            )
            if i % 2:
                transition(s, incident_id=incident.id, action="open", principal=admin)
    engine.dispose()


def _login(page, base: str, key: str, path: str) -> None:
    page.goto(base + path)
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**" + path)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "selector", "layers"),
    [
        ("/map", "path.gridmap-grid", ("网格", "摄像头", "村社区", "重点场所", "安置点")),
        (
            "/map/incidents",
            "path.gridmap-incident",
            ("事件点", "热力图", "网格事件数", "热点（核密度）"),
        ),
        ("/map/wall", "path.gridmap-live", ("实时事件", "网格")),
    ],
)
def test_page_in_chromium(
    fresh_db, mini_county, live_server, browser_page, artifacts_dir, path, selector, layers
):
    load_county_into(fresh_db.url, mini_county)
    _committed_incidents(fresh_db.url)
    key = create_key_in(fresh_db.url, "dispatcher")
    server = live_server(fresh_db.settings(listen=False, live_refresh_seconds=2))
    page, log = browser_page
    _login(page, server.base_url, key, path)
    page.wait_for_selector(selector, timeout=20_000)
    page.wait_for_timeout(800)
    names = (
        page.inner_text(".leaflet-control-layers")
        if page.locator(".leaflet-control-layers-expanded").count()
        else page.evaluate(
            "() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(l => l.textContent).join(' ')"
        )
    )
    for name in layers:
        assert name in names, (name, names)
    page.screenshot(path=str(artifacts_dir / f"page_{path.strip('/').replace('/', '_')}.png"))
    assert log.external == [], log.external
    assert log.failed == [], log.failed
    assert log.console_errors == [], log.console_errors


@pytest.mark.browser
def test_tiles_page_in_chromium(fresh_db, mini_county, live_server, browser_page, artifacts_dir):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False, inline_feature_limit=3))
    page, log = browser_page
    tiles: list[int] = []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/" in r.url else None)
    _login(page, server.base_url, key, "/map")
    page.wait_for_selector(".leaflet-tile-container canvas, canvas.leaflet-tile", timeout=20_000)
    page.wait_for_timeout(800)
    assert tiles and all(s == 200 for s in tiles), tiles
    # click inside grid 510116001001001 (west half of 棠湖社区, away from its camera): the
    # popup names the leader
    point = page.evaluate(
        "() => { const m = Object.values(window).find(v => v instanceof L.Map);"
        " const p = m.latLngToContainerPoint([30.518, 104.003]); return [p.x, p.y]; }"
    )
    page.mouse.click(point[0], point[1])
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    popup = page.inner_text(".leaflet-popup-content")
    assert "510116001001001" in popup and "网格员0" in popup and "13800000000" in popup
    page.screenshot(path=str(artifacts_dir / "page_map_tiles.png"))
    assert log.failed == [] and log.console_errors == [] and log.external == []


@pytest.mark.browser
def test_live_layer_shows_a_new_incident(
    fresh_db, mini_county, live_server, browser_page, artifacts_dir
):
    load_county_into(fresh_db.url, mini_county)
    viewer = create_key_in(fresh_db.url, "viewer")
    dispatcher = create_key_in(fresh_db.url, "dispatcher")
    server = live_server(fresh_db.settings(listen=True, live_refresh_seconds=2))
    page, log = browser_page
    _login(page, server.base_url, viewer, "/map/wall")
    page.wait_for_selector("#gridmap-live-stats [data-open]", timeout=20_000)
    assert page.inner_text("#gridmap-live-stats [data-open]") == "0"
    r = httpx.post(
        server.base_url + "/v1/incidents",
        json=report_body(description="直播测试：路口积水"),
        headers={"X-API-Key": dispatcher},
    )
    assert r.status_code == 201, r.text
    new_id = r.json()["id"]
    # a functional wait: the page asks every 2 s; allow many refreshes on a busy machine
    page.wait_for_selector(f"path.gridmap-live-{new_id}", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('#gridmap-live-stats [data-open]').textContent === '1'",
        timeout=30_000,
    )
    assert "路口积水" in page.inner_text("#gridmap-live-stats")
    page.screenshot(path=str(artifacts_dir / "page_wall_live.png"))
    assert log.failed == [] and log.console_errors == [] and log.external == []
