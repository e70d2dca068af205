"""Text the API cannot store or read is invalid input (422, naming where), never a 500 or an
undocumented 400: a NUL in the query string or the path, a body that is not UTF-8.
Schemathesis found each of them (tests/gis_api/test_schemathesis.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(app_client, make_key):
    c = app_client()
    c.headers["X-API-Key"] = make_key("admin")
    return c


def test_a_nul_in_the_query_is_422_naming_the_parameter(client):
    r = client.get("/v1/incidents", params={"category": "fire\x00"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_input"
    assert body["details"][0]["where"] == "query category"
    assert "U+0000" in body["details"][0]["reason"]


def test_a_nul_in_the_path_is_422_naming_the_parameter(client):
    r = client.get("/v1/areas/5101%00/versions")
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["where"] == "path code"


def test_a_body_that_is_not_utf8_is_422(client):
    r = client.post("/v1/validation", content=b"\x80", headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["details"] == [{"where": "body", "reason": "is not JSON text (UTF-8)"}]
