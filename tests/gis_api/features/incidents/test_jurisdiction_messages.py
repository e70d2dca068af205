"""Answers to a town's key never name the other town's area codes or incident ids."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gis_api.schema.models import Incident
from tests.gis_api.features.incidents.conftest import EAST_POINT, EAST_TOWN, WEST_TOWN, report_body

ROLES = ("admin", "planner", "dispatcher", "service", "viewer")


def _count(session):
    return session.scalar(select(func.count()).select_from(Incident))


@pytest.mark.parametrize("role", ROLES)
def test_report_in_the_other_town_names_no_area_of_it(client, headers, session, role):
    before = _count(session)
    body = report_body(lon=EAST_POINT[0], lat=EAST_POINT[1])
    r = client.post("/v1/incidents", json=body, headers=headers(role, WEST_TOWN))
    assert r.status_code == 403, r.text
    assert EAST_TOWN not in r.text
    assert _count(session) == before


@pytest.mark.parametrize("role", ("admin", "dispatcher", "service"))
def test_reused_reference_of_the_other_town_does_not_give_its_incident_id(
    client, headers, session, role
):
    ref = {"source": "hotline", "external_ref": "12345-2026-0042"}
    east = report_body(lon=EAST_POINT[0], lat=EAST_POINT[1], **ref)
    first = client.post("/v1/incidents", json=east, headers=headers("dispatcher", EAST_TOWN))
    assert first.status_code == 201
    east_id = first.json()["id"]
    # the east town's own repeat: a conflict that may name its own incident
    own = client.post("/v1/incidents", json=east, headers=headers("dispatcher", EAST_TOWN))
    assert own.status_code == 409 and own.json()["details"] == {"id": east_id}
    before = _count(session)
    r = client.post("/v1/incidents", json=report_body(**ref), headers=headers(role, WEST_TOWN))
    assert r.status_code == 409, r.text
    assert r.json()["message"] == own.json()["message"]
    assert "details" not in r.json() or not r.json()["details"]
    assert str(east_id) not in r.text.replace("12345-2026-0042", "")
    assert _count(session) == before


def test_the_other_towns_draft_is_refused_without_naming_its_village(
    app_client, loaded_county, make_key
):
    client = app_client()
    east = {"X-API-Key": make_key("planner", area=EAST_TOWN)}
    draft = client.post("/v1/drafts", json={"area": "510116002001"}, headers=east).json()
    for role in ROLES:
        r = client.get(
            f"/v1/drafts/{draft['id']}", headers={"X-API-Key": make_key(role, area=WEST_TOWN)}
        )
        assert r.status_code == 403, (role, r.text)
        assert EAST_TOWN not in r.text
