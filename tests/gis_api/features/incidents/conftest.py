"""Fixtures for the incident tests: the small county loaded, an app, keys by role and area."""

from __future__ import annotations

from typing import Any

import pytest

WEST_TOWN, EAST_TOWN = "510116001", "510116002"
# A point in grid 510116001001001 (棠湖社区, west town) and one in 510116002002002 (east town).
WEST_POINT = (104.005, 30.515)
EAST_POINT = (104.035, 30.505)


@pytest.fixture
def client(app_client, loaded_county):  # type: ignore[no-untyped-def]
    return app_client()


@pytest.fixture
def headers(make_key):  # type: ignore[no-untyped-def]
    """Headers for a key of a role (and jurisdiction), made once per combination."""
    made: dict[tuple[str, str | None], dict[str, str]] = {}

    def get(role: str = "admin", area: str | None = None) -> dict[str, str]:
        if (role, area) not in made:
            made[(role, area)] = {"X-API-Key": make_key(role, area)}
        return made[(role, area)]

    return get


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "矛盾纠纷",
        "severity": "general",
        "description": "邻里因停车位发生争执",
        "source": "grid_worker",
        "lon": WEST_POINT[0],
        "lat": WEST_POINT[1],
        "reporter_name": "张三",
        "reporter_phone": "13912345678",
    }
    body.update(overrides)
    return body


@pytest.fixture
def report(client, headers):  # type: ignore[no-untyped-def]
    """Report an incident as a dispatcher (or ``role``) and return the answer's JSON."""

    def post(role: str = "dispatcher", area: str | None = None, **overrides: Any) -> dict:
        r = client.post("/v1/incidents", json=report_body(**overrides), headers=headers(role, area))
        assert r.status_code == 201, r.text
        return r.json()

    return post


@pytest.fixture
def step(client, headers):  # type: ignore[no-untyped-def]
    """Take a step; returns the response (not checked)."""

    def post(
        incident_id: int,
        action: str,
        role: str = "dispatcher",
        area: str | None = None,
        **body: Any,
    ):  # type: ignore[no-untyped-def]
        return client.post(
            f"/v1/incidents/{incident_id}/transitions",
            json={"action": action, **body},
            headers=headers(role, area),
        )

    return post
