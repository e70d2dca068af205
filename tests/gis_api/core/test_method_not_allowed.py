"""A method a path does not take is a 405 that says which it does (``Allow``, RFC 9110);
the error handler dropped the header (schemathesis' unsupported_method check found it)."""

from __future__ import annotations


def test_405_names_the_allowed_methods(app_client, make_key):
    client = app_client()
    r = client.request("DELETE", "/v1/lookup", headers={"X-API-Key": make_key("admin")})
    assert r.status_code == 405
    assert r.json()["error"] == "method_not_allowed"
    assert set(r.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
