"""POST /v1/validation and GET /v1/areas/{code}/validation against PostGIS data."""

import pytest
from pyproj import Geod
from shapely.geometry import box

from tests.gis_api.features.planning.conftest import TANGHU, YANGPING, fc, feature

GEOD = Geod(ellps="GRS80")


@pytest.fixture
def client(app_client, planning_county):
    return app_client()


def test_overlapping_and_short_grids_are_reported_with_areas(client, make_key):
    west = box(104.02, 30.51, 104.0305, 30.52)
    east = box(104.0302, 30.51, 104.0385, 30.52)  # overlaps west; a strip 104.0385-104.04 is left
    body = fc([feature(west, key="w", leader_name="甲"), feature(east, key="e", leader_name="乙")])
    r = client.post(
        "/v1/validation",
        params={"area": YANGPING},
        json=body,
        headers={"X-API-Key": make_key("viewer")},
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["valid"] is False
    kinds = {f["properties"]["kind"]: f for f in report["problems"]["features"]}
    overlap = kinds["overlap"]["properties"]
    expected = abs(GEOD.geometry_area_perimeter(west.intersection(east))[0])
    assert overlap["area_m2"] == pytest.approx(expected, rel=1e-3)
    gap = kinds["gap"]["properties"]
    strip = box(104.0385, 30.51, 104.04, 30.52)
    assert gap["area_m2"] == pytest.approx(abs(GEOD.geometry_area_perimeter(strip)[0]), rel=1e-3)
    # households counted from the 32 houses (10 each) by containment of their points
    grids = {g["key"]: g for g in report["grids"]}
    assert grids["w"]["households"] == 160 + 0  # columns i=0..3 lie west of 104.0305
    assert grids["e"]["households"] == 160 - 40  # the column at 104.03875 is in the strip
    [lost] = [
        f
        for f in report["problems"]["features"]
        if f["properties"]["kind"] == "buildings_unassigned"
    ]
    assert lost["properties"]["value"] == 4 and lost["geometry"]["type"] == "MultiPoint"


def test_validation_takes_gcj02_and_reports_a_malformed_feature(client, make_key):
    key = make_key("planner")
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"households": -3},
                "geometry": {"type": "Polygon", "coordinates": [[[104.0, 30.5], [104.01, 30.5]]]},
            }
        ],
    }
    r = client.post(
        "/v1/validation", params={"area": YANGPING}, json=bad, headers={"X-API-Key": key}
    )
    assert r.status_code == 422
    reasons = {(p.get("row"), p.get("field")) for p in r.json()["details"]}
    assert (1, "households") in reasons and (1, "geometry") in reasons


def test_service_keys_cannot_read_and_town_keys_stay_in_their_town(client, make_key):
    body = fc([feature(box(104.02, 30.51, 104.04, 30.52))])
    r = client.post(
        "/v1/validation",
        params={"area": YANGPING},
        json=body,
        headers={"X-API-Key": make_key("service")},
    )
    assert r.status_code == 403
    town_key = make_key("planner", area="510116001000")
    r = client.post(
        "/v1/validation", params={"area": YANGPING}, json=body, headers={"X-API-Key": town_key}
    )
    assert r.status_code == 403


def test_published_grids_of_the_county_are_checked_from_buildings(client, make_key):
    r = client.get("/v1/areas/510116000000/validation", headers={"X-API-Key": make_key("viewer")})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["errors"] == 0
    grids = {g["key"]: g for g in report["grids"]}
    assert grids[YANGPING + "001"]["households"] == 160
    assert grids[TANGHU + "002"]["households"] == 240
    above = [
        f["properties"]
        for f in report["problems"]["features"]
        if f["properties"]["kind"] == "households_buildings"
    ]
    tower = [p for p in above if p["grids"] == ["510116001002001"]]
    assert tower and "T1 alone has 650" in tower[0]["message"]
    # villages without buildings: the stored figures are checked
    assert grids["510116002002001"]["households"] is None
    assert grids["510116002002001"]["households_stored"] is not None


def test_rules_can_be_set_per_county_by_admins(client, make_key):
    admin = make_key("admin")
    r = client.put(
        "/v1/areas/510116000000/rules",
        json={"village_households": [170, 300]},
        headers={"X-API-Key": admin},
    )
    assert r.status_code == 200, r.text
    r = client.get(f"/v1/areas/{YANGPING}/validation", headers={"X-API-Key": admin})
    below = [
        f
        for f in r.json()["problems"]["features"]
        if f["properties"]["kind"] == "households_buildings"
    ]
    assert len(below) == 2  # 160 < 170 in both grids now
    r = client.put(
        "/v1/areas/510116000000/rules",
        json={"village_households": [300, 100]},
        headers={"X-API-Key": admin},
    )
    assert r.status_code == 422
    r = client.put(
        "/v1/areas/510116000000/rules",
        json={"gap_min_m2": 5},
        headers={"X-API-Key": make_key("planner")},
    )
    assert r.status_code == 403
