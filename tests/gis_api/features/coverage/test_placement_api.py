"""POST /v1/coverage/placement on the small county."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from boundaries.coords import from_wgs84
from tests.gis_api.features.coverage.helpers import (
    add_camera,
    add_incident,
    add_road,
    metric,
    offset,
)

SCHOOL = (104.012, 30.512)  # key site KS001, uncovered


@pytest.fixture
def client(app_client, make_key, loaded_county):
    c = app_client()
    c.headers["X-API-Key"] = make_key("viewer")
    return c


def place(client, **body):
    r = client.post("/v1/coverage/placement", json={"area": "510116001001", "k": 1} | body)
    assert r.status_code == 200, r.text
    return r.json()


def test_generated_candidates_cover_the_uncovered_school(client):
    got = place(client, k=2, range_m=60)
    assert got["candidates"]["source"] == "grid_boundaries_and_lattice"
    assert got["demand"]["key_sites"] == {
        "sites": 1,
        "weight_uncovered": 10.0,
        "weight_already_in_view": 0.0,
    }
    assert (
        got["demand"]["roads"]["loaded"] is False and got["demand"]["incidents"]["loaded"] is False
    )
    assert got["exact"]["status"] == "optimal" and got["exact"]["covered_weight"] == 10.0
    assert got["greedy"]["gap_to_exact"] == 0.0
    assert len(got["chosen"]) == 1  # one camera suffices; the second would add nothing
    pick = got["chosen"][0]
    assert (
        metric(shapely.Point(pick["lon"], pick["lat"])).distance(metric(shapely.Point(SCHOOL)))
        <= 60
    )
    assert got["stored"] is False


def test_supplied_candidates_in_gcj02(client):
    near = offset(*SCHOOL, 20, 0)
    far = offset(*SCHOOL, 400, 0)
    gcj = [list(map(float, from_wgs84(lon, lat, "gcj02"))) for lon, lat in (far, near)]
    got = place(client, candidates=gcj, crs="gcj02", include_views=True)
    assert got["candidates"] == {
        "source": "supplied",
        "positions": 2,
        "candidates": 2,
        "spacing_m": None,
    }
    assert got["exact"]["chosen"] == [1]
    pick = got["chosen"][0]
    assert (pick["lon"], pick["lat"]) == pytest.approx(near, abs=1e-6)  # answered in WGS84
    view = shapely.geometry.shape(got["views"]["features"][0]["geometry"])
    assert view.contains(shapely.Point(SCHOOL))


def test_directional_cameras_try_headings(client):
    got = place(client, fov=90, candidates=[list(offset(*SCHOOL, -30, 0))])
    assert got["candidates"]["candidates"] == 4
    assert got["chosen"][0]["heading"] == 90.0  # aimed east, at the school


def test_existing_coverage_is_not_demand(session, client):
    add_camera(session, 201, *offset(*SCHOOL, 10, 0), heading=None, fov=360.0, range_m=30.0)
    session.commit()
    got = place(client)
    assert got["demand"]["key_sites"]["weight_already_in_view"] == 10.0
    assert got["demand"]["points"] == 0 and got["exact"]["covered_weight"] == 0.0
    assert got["chosen"] == []


def test_roads_and_incidents_make_demand(session, client):
    west, east = offset(104.005, 30.517, -300, 0), offset(104.005, 30.517, 300, 0)
    add_road(session, [west, (104.005, 30.517), east])
    add_road(session, [(104.005, 30.512), (104.005, 30.517), (104.005, 30.519)])
    for dx in (0, 5, 10):
        add_incident(session, *offset(104.015, 30.518, dx, 0))
    session.commit()
    got = place(client, k=3, spacing_m=40, road_sample_m=10, range_m=50)
    assert got["candidates"]["source"] == "road_junctions_and_roads"
    roads = got["demand"]["roads"]
    line = metric(shapely.LineString([west, east])).intersection(
        metric(shapely.box(104.0, 30.51, 104.02, 30.52))
    )
    total_road = (
        line.length + metric(shapely.LineString([(104.005, 30.512), (104.005, 30.519)])).length
    )
    assert roads["uncovered_length_m"] + roads["covered_length_m"] == pytest.approx(
        total_road, rel=1e-3
    )
    assert got["demand"]["incidents"] == {
        "loaded": True,
        "days": 365,
        "uncovered": 3,
        "already_in_view": 0,
    }
    assert got["exact"]["covered_weight"] >= got["greedy"]["covered_weight"]
    assert got["exact"]["covered_weight"] <= got["demand"]["total_weight"] + 1e-9
    # every chosen camera stands on a road (a junction or a point along one)
    for pick in got["chosen"]:
        point = metric(shapely.Point(pick["lon"], pick["lat"]))
        roads_m = [
            metric(shapely.LineString([west, east])),
            metric(shapely.LineString([(104.005, 30.512), (104.005, 30.519)])),
        ]
        assert min(r.distance(point) for r in roads_m) < 0.2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"k": 0}, 422),
        ({"k": 2, "fov": 0}, 422),
        ({"k": 2, "candidates": []}, 400),
        ({"k": 2, "candidates": [[500, 30]]}, 422),
        ({"k": 2, "crs": "mars"}, 422),
        ({"k": 2, "time_limit_s": 0}, 422),
        ({"k": 2, "kind_weights": {"school": -1}}, 422),
    ],
)
def test_bad_requests(client, body, status):
    r = client.post("/v1/coverage/placement", json={"area": "510116001001"} | body)
    assert r.status_code == status, r.text


def test_service_keys_may_not_plan(app_client, make_key, loaded_county):
    c = app_client()
    r = c.post(
        "/v1/coverage/placement",
        json={"area": "510116001001", "k": 1},
        headers={"X-API-Key": make_key("service")},
    )
    assert r.status_code == 403
    np.testing.assert_equal(r.json()["error"], "forbidden")


def test_village_with_no_key_site_in_its_box(client):
    # 白鹤社区 (510116001002): neither key site of the small county lies in its box
    got = place(client, area="510116001002", k=1, time_limit_s=2)
    assert got["demand"]["key_sites"] == {
        "sites": 0,
        "weight_uncovered": 0.0,
        "weight_already_in_view": 0.0,
    }
    assert got["stored"] is False


def test_a_candidate_outside_the_projection_zone_is_422_naming_it(client):
    """(0, 0) in WGS 84 has no coordinates in the county's metric zone: it was a 500 in the
    viewshed (schemathesis found it)."""
    r = client.post(
        "/v1/coverage/placement",
        json={"area": "510116001001", "k": 1, "candidates": [list(SCHOOL), [0, 0]]},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert "candidates item 2" in body["message"]
    assert body["details"] == [{"where": "body candidates.1", "reason": "out of range of the area"}]
