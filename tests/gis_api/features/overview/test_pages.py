"""The map pages: login with a key once, a signed http-only cookie, assets from the app."""

from __future__ import annotations

import re

import pytest

from tests.conftest import create_key_in, load_county_into


@pytest.fixture
def client(app_client, loaded_county):
    return app_client()


def test_map_without_session_redirects_to_login(client):
    r = client.get("/map", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/map"
    assert client.get("/login").status_code == 200


def test_login_refuses_bad_and_lookup_only_keys(client, make_key):
    r = client.post("/login", data={"key": "gm_wrong"}, follow_redirects=False)
    assert r.status_code == 401 and "not valid" in r.text
    r = client.post("/login", data={"key": make_key("service")}, follow_redirects=False)
    assert r.status_code == 403


def test_login_sets_http_only_cookie_without_the_key(client, make_key):
    key = make_key("viewer")
    r = client.post(
        "/login", data={"key": key, "next": "https://evil.example/"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/map"  # no open redirect
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert key not in cookie


def test_map_page_serves_assets_locally(client, make_key):
    client.post("/login", data={"key": make_key("viewer")})
    r = client.get("/map")
    assert r.status_code == 200
    sources = [
        s
        for s in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', r.text)
        if s != "data:,"
    ]
    assert sources, "the page loads scripts and styles"
    assert all(s.startswith("/static/") for s in sources), [
        s for s in sources if not s.startswith("/static/")
    ]
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "13800000000" not in r.text  # viewer: no phones on the page


def test_static_assets_need_a_session(client):
    r = client.get("/static/vendor/leaflet/dist/leaflet.js")
    assert r.status_code == 401


def test_planner_page_shows_phone(client, make_key):
    client.post("/login", data={"key": make_key("planner")})
    assert "13800000000" in client.get("/map").text


@pytest.mark.browser
def test_map_page_in_chromium(fresh_db, mini_county, live_server, browser_page, artifacts_dir):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "viewer")
    server = live_server(fresh_db.settings(listen=False))
    page, log = browser_page
    page.goto(server.base_url + "/map")
    assert "/login" in page.url
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**/map")
    page.wait_for_selector("path.leaflet-interactive")
    page.wait_for_timeout(500)
    grid_paths = page.evaluate(
        "() => document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"
    )
    assert grid_paths >= len(mini_county.grids)
    layer_names = page.inner_text(".leaflet-control-layers")
    for name in ("网格", "摄像头", "村社区"):
        assert name in layer_names
    page.screenshot(path=str(artifacts_dir / "map_page.png"))
    assert log.external == [], log.external
    assert log.failed == [], log.failed
    assert log.console_errors == [], log.console_errors


def test_pages_with_no_areas_say_so(app_client, make_key):
    client = app_client()
    client.post("/login", data={"key": make_key("viewer")})
    for path in ("/map", "/map/incidents", "/map/wall"):
        r = client.get(path)
        assert r.status_code == 404 and "gridmap import admin-areas" in r.text, path
        assert r.headers["content-type"].startswith("text/html")
