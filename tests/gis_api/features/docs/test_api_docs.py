"""The API definition and its page need a key, and the page works with no internet."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def client(app_client):
    return app_client()


def test_openapi_needs_a_key_and_documents_the_hot_routes(client, make_key):
    assert client.get("/openapi.json").status_code == 401
    spec = client.get("/openapi.json", headers={"X-API-Key": make_key("service")}).json()
    assert {"/v1/lookup", "/healthz", "/tiles/{layer}/{z}/{x}/{y}.pbf", "/ogc/collections"} <= set(
        spec["paths"]
    )
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert "/docs" not in spec["paths"]


def test_docs_page_logs_in_and_loads_swagger_from_this_server(client, make_key):
    r = client.get("/docs", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/docs"
    client.post("/login", data={"key": make_key("viewer")})
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(
        r"url: '([^']+)'", page.text
    )
    assert urls and not [u for u in urls if u.startswith("http")], urls
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.browser
def test_docs_page_in_chromium(fresh_db, live_server, browser_page, artifacts_dir):
    from tests.conftest import create_key_in

    key = create_key_in(fresh_db.url, "viewer")
    server = live_server(fresh_db.settings(listen=False))
    page, log = browser_page
    page.goto(server.base_url + "/docs")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/v1/lookup" in p for p in paths) and any("/ogc" in p for p in paths)
    page.screenshot(path=str(artifacts_dir / "api_docs.png"))
    assert log.external == [] and log.failed == [] and log.console_errors == [], (
        log.external,
        log.failed,
        log.console_errors,
    )
