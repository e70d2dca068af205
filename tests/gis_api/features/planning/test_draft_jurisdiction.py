"""A scoped key's draft grids must lie within its jurisdiction: PUT, PATCH and publishing a
grid drawn over the next town are refused and nothing is written (every role tried)."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text

from tests.gis_api.features.planning.conftest import TANGHU, fc, feature

ROLES = ("admin", "planner", "dispatcher", "service", "viewer")
WEST = "510116001"
OVER_THE_BORDER = box(104.00, 30.51, 104.03, 30.52)  # 棠湖社区 plus half of 羊坪村 (east town)


@pytest.fixture
def client(app_client, planning_county):
    return app_client()


@pytest.fixture
def draft(client, make_key):
    r = client.post(
        "/v1/drafts", json={"area": TANGHU}, headers={"X-API-Key": make_key("planner", WEST)}
    )
    assert r.status_code == 201, r.text
    return r.json()


def _stored(session):
    return session.execute(
        text("SELECT key, name, ST_AsText(geom) FROM draft_grids ORDER BY key")
    ).all()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("edit", ["put_all", "put_one", "patch"])
def test_grid_over_the_next_town_is_refused(client, make_key, session, draft, role, edit):
    h = {"X-API-Key": make_key(role, WEST)}
    url = f"/v1/drafts/{draft['id']}/grids"
    key = TANGHU + "001"
    before = _stored(session)
    if edit == "put_all":
        r = client.put(url, json=fc([feature(OVER_THE_BORDER, key=key)]), headers=h)
    elif edit == "put_one":
        r = client.put(f"{url}/{key}", json=feature(OVER_THE_BORDER), headers=h)
    else:
        body = {"type": "Feature", "properties": {}, "geometry": mapping(OVER_THE_BORDER)}
        r = client.patch(f"{url}/{key}", json=body, headers=h)
    assert r.status_code == 403, r.text
    if role in ("admin", "planner"):
        assert "outside this key's jurisdiction (510116001)" in r.json()["message"]
    assert _stored(session) == before


def test_inside_the_town_the_same_edit_is_written(client, make_key, session, draft):
    h = {"X-API-Key": make_key("planner", WEST)}
    inside = box(104.00, 30.51, 104.012, 30.52)
    r = client.put(f"/v1/drafts/{draft['id']}/grids/{TANGHU}001", json=feature(inside), headers=h)
    assert r.status_code == 200, r.text


def test_publishing_a_draft_that_reaches_over_the_border_is_refused(
    client, make_key, session, draft
):
    """Drawn by an unscoped key, published by the town's: refused before anything is written."""
    admin = {"X-API-Key": make_key("admin")}
    r = client.put(
        f"/v1/drafts/{draft['id']}/grids/{TANGHU}001", json=feature(OVER_THE_BORDER), headers=admin
    )
    assert r.status_code == 200, r.text
    grids_before = session.execute(text("SELECT id, valid_to FROM grids ORDER BY id")).all()
    r = client.post(
        f"/v1/drafts/{draft['id']}/publish",
        json={"accept": []},
        headers={"X-API-Key": make_key("planner", WEST)},
    )
    assert r.status_code == 403, r.text
    assert session.execute(text("SELECT id, valid_to FROM grids ORDER BY id")).all() == grids_before
    assert session.scalar(text(f"SELECT status FROM drafts WHERE id = {draft['id']}")) == "open"
