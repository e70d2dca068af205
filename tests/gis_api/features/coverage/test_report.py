"""GET /v1/coverage and /v1/coverage/blind-spots on the small county, against shapely/pyproj."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import MultiPolygon, box
from sqlalchemy import text, update

from gis_api.core.db import ewkb
from gis_api.schema.models import Grid
from tests.gis_api.county import grid_geoms
from tests.gis_api.features.coverage.helpers import (
    ARC_DEFICIT,
    add_building,
    add_camera,
    add_road,
    expected_view,
    metric,
    offset,
)

CAM_A = (104.005, 30.515, 90.0, 60.0, 80.0)  # the county's online camera
CAM_B = (104.035, 30.505, None, 360.0, 40.0)  # the county's offline dome
CAM_C = (104.01, 30.515, None, 360.0, 60.0)  # added: on the border of two grids


def metric_box(lon, lat, x0, y0, x1, y1):
    """A footprint given in metres relative to (lon, lat), as lon/lat."""
    corners = [offset(lon, lat, x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    return shapely.Polygon(corners)


@pytest.fixture
def scene(session, loaded_county):
    """Camera C, a building in front of A and one beside C."""
    add_camera(session, 101, CAM_C[0], CAM_C[1], heading=None, fov=360.0, range_m=60.0, category=2)
    before_a = metric_box(CAM_A[0], CAM_A[1], 30, -4, 40, 4)
    beside_c = metric_box(CAM_C[0], CAM_C[1], 15, -5, 25, 5)
    add_building(session, "B-A", before_a, "510116001001")
    add_building(session, "B-C", beside_c, "510116001001")
    session.commit()
    return {"footprints": [before_a, beside_c]}


@pytest.fixture
def client(app_client, make_key):
    c = app_client()
    c.headers["X-API-Key"] = make_key("viewer")
    return c


def expected_grid_areas(cameras, footprints):
    views = [expected_view(lon, lat, h, fov, r, footprints) for lon, lat, h, fov, r in cameras]
    union = shapely.union_all(views)
    out = {}
    for code, g in grid_geoms().items():
        gm = metric(g)
        out[code] = (gm.area, gm.intersection(union).area)
    return out, sum(math.pi * r * r * fov / 360 for *_, fov, r in cameras)


def test_view_share_matches_independent_computation(client, scene):
    r = client.get("/v1/coverage", params={"area": "510116000000"})
    assert r.status_code == 200, r.text
    body = r.json()
    expected, sectors = expected_grid_areas([CAM_A, CAM_C], scene["footprints"])
    tolerance = ARC_DEFICIT * sectors + 0.05
    rows = {g["code"]: g for g in body["grids"]}
    assert set(rows) == set(expected)
    for code, (area, covered) in expected.items():
        assert rows[code]["area_m2"] == pytest.approx(area, abs=0.05)
        assert rows[code]["covered_m2"] == pytest.approx(covered, abs=tolerance), code
    # camera C's disc is split between its two grids; the east half loses the building's shadow
    half = math.pi * 60.0**2 / 2
    assert rows["510116001001002"]["covered_m2"] < half - 500
    assert rows["510116001001001"]["covered_m2"] > half
    total_area = sum(a for a, _ in expected.values())
    total_covered = sum(c for _, c in expected.values())
    assert body["view"]["area_m2"] == pytest.approx(total_area, abs=0.5)
    assert body["view"]["covered_m2"] == pytest.approx(total_covered, abs=tolerance)
    assert body["view"]["share"] == pytest.approx(total_covered / total_area, abs=1e-6)
    assert body["view"]["occluding_footprints"] == 2
    assert body["view"]["cameras_counted"] == 2


def test_buildings_really_occlude(client, scene):
    seen = client.get("/v1/coverage", params={"area": "510116001001001"}).json()
    expected, _ = expected_grid_areas([CAM_A, CAM_C], [])
    bare = expected["510116001001001"][1]
    assert seen["grids"][0]["covered_m2"] < bare - 100  # shadows of both buildings


def test_offline_cameras_count_only_when_asked(client, loaded_county):
    area = {"area": "510116002002002"}  # the offline dome's grid
    off = client.get("/v1/coverage", params=area).json()
    on = client.get("/v1/coverage", params=area | {"include_offline": "true"}).json()
    assert off["view"]["covered_m2"] == 0
    disc = 180 * 0.5 * 40.0**2 * math.sin(math.radians(2))  # the 2° polygon of a 40 m disc
    assert on["view"]["covered_m2"] == pytest.approx(disc, rel=1e-6)
    assert on["parameters"]["include_offline"] is True


def test_cameras_by_category_and_online_share(client, scene):
    county = client.get("/v1/coverage", params={"area": "510116000000"}).json()["cameras"]
    assert county["total"] == 3 and county["online"] == 2 and county["offline"] == 1
    assert county["online_share"] == pytest.approx(2 / 3, abs=1e-6)
    assert county["by_category"]["3"] == {
        "name": "三类",
        "total": 1,
        "online": 0,
        "online_share": 0.0,
    }
    assert county["by_category"]["2"]["total"] == 1
    town = client.get("/v1/coverage", params={"area": "510116002000"}).json()["cameras"]
    assert town["total"] == 1 and town["online_share"] == 0.0


def test_key_sites_point_and_polygon_share(session, client, loaded_county):
    # a camera looking east from the middle of the market covers its east half exactly
    add_camera(session, 102, 104.0315, 30.5015, heading=90.0, fov=180.0, range_m=300.0)
    # a dome 30 m from the school
    lon, lat = offset(104.012, 30.512, 30, 0)
    add_camera(session, 103, lon, lat, heading=None, fov=360.0, range_m=50.0)
    session.commit()
    body = client.get("/v1/coverage", params={"area": "510116000000"}).json()
    sites = {s["code"]: s for s in body["key_sites"]["items"]}
    assert sites["KS001"]["covered"] and sites["KS001"]["share_in_view"] == 1.0
    assert sites["KS001"]["nearest_camera_m"] == pytest.approx(30.0, abs=1e-3)
    market = metric(box(104.031, 30.501, 104.032, 30.502))
    half = expected_view(104.0315, 30.5015, 90.0, 180.0, 300.0, [])
    share = market.intersection(half).area / market.area
    assert share == pytest.approx(0.5, abs=1e-3)
    assert sites["KS002"]["share_in_view"] == pytest.approx(share, abs=1e-4)
    loose = client.get("/v1/coverage", params={"area": "510116000000", "site_share": 0.45}).json()
    assert {s["code"]: s["covered"] for s in loose["key_sites"]["items"]} == {
        "KS001": True,
        "KS002": True,
    }
    strict = client.get("/v1/coverage", params={"area": "510116000000", "site_share": 0.55}).json()
    assert {s["code"]: s["covered"] for s in strict["key_sites"]["items"]} == {
        "KS001": True,
        "KS002": False,
    }
    assert strict["gaps"]["key_sites_uncovered"]["codes"] == ["KS002"]


def test_key_sites_without_a_camera_nearby(client, loaded_county):
    body = client.get("/v1/coverage", params={"area": "510116000000", "near_m": 800}).json()
    gap = body["gaps"]["key_sites_without_camera_nearby"]
    # the school is 750 m from the online camera (metric distance), the market far from any
    school = metric(shapely.Point(104.012, 30.512)).distance(metric(shapely.Point(104.005, 30.515)))
    assert school < 800
    assert gap == {"count": 1, "codes": ["KS002"], "within_m": 800}


def test_gaps_leaders_cameras_and_ungridded_area(session, client, loaded_county):
    # close grid 510116002002001 without a successor: a hole with a building in it; and give
    # grid 510116002002002 a new version without a leader
    session.execute(
        update(Grid)
        .where(Grid.code.in_(["510116002002001", "510116002002002"]), Grid.valid_to.is_(None))
        .values(valid_to=text("clock_timestamp()"))
    )
    geom = grid_geoms()["510116002002002"]
    session.add(
        Grid(
            code="510116002002002",
            version=2,
            name="第2网格",
            kind="村组型",
            village_code="510116002002",
            households=100,
            valid_from=text("clock_timestamp()"),
            geom=ewkb(MultiPolygon([geom])),
        )
    )
    add_building(session, "B-HOLE", box(104.025, 30.505, 104.0251, 30.5051), "510116002002")
    session.commit()
    body = client.get("/v1/coverage", params={"area": "510116002000"}).json()
    gaps = body["gaps"]
    assert gaps["grids_without_leader"]["codes"] == ["510116002002002"]
    assert gaps["buildings_without_grid"] == {"count": 1, "codes": ["B-HOLE"]}
    hole = metric(grid_geoms()["510116002002001"]).area
    assert gaps["area_without_grid_m2"] == pytest.approx(hole, rel=1e-6)
    assert body["view"]["gridded_m2"] == pytest.approx(body["view"]["area_m2"] - hole, rel=1e-6)
    assert gaps["grids_without_camera"]["codes"] == ["510116002001001", "510116002001002"]
    assert gaps["grids_without_online_camera"]["count"] == 3


def test_road_length_in_view(session, client, scene):
    empty = client.get("/v1/coverage", params={"area": "510116001001"}).json()["roads"]
    assert empty == {"loaded": False, "note": "no roads loaded"}
    # an east-west road through camera C, and one through A's sector and its building's shadow
    west, east = offset(CAM_C[0], CAM_C[1], -200, 0), offset(CAM_C[0], CAM_C[1], 200, 0)
    add_road(session, [west, (CAM_C[0], CAM_C[1]), east])
    add_road(session, [(104.004, 30.515), (104.0065, 30.515)])
    session.commit()
    body = client.get("/v1/coverage", params={"area": "510116001001"}).json()
    views = [
        expected_view(lon, lat, h, f, r, scene["footprints"])
        for lon, lat, h, f, r in (CAM_A, CAM_C)
    ]
    union = shapely.union_all(views)
    roads = [
        metric(shapely.LineString([west, (CAM_C[0], CAM_C[1]), east])),
        metric(shapely.LineString([(104.004, 30.515), (104.0065, 30.515)])),
    ]
    village = metric(box(104.00, 30.51, 104.02, 30.52))
    length = sum(r.intersection(village).length for r in roads)
    covered = sum(r.intersection(village).intersection(union).length for r in roads)
    got = body["roads"]
    assert got["loaded"] and got["network"] == "driving"
    assert got["length_m"] == pytest.approx(length, abs=0.05)
    assert got["covered_m"] == pytest.approx(covered, abs=0.5)
    assert got["share"] == pytest.approx(covered / length, abs=1e-3)
    bare = shapely.union_all(
        [expected_view(lon, lat, h, f, r, []) for lon, lat, h, f, r in (CAM_A, CAM_C)]
    )
    assert (
        got["covered_m"]
        < sum(r.intersection(village).intersection(bare).length for r in roads) - 10
    )
    per_grid = sum(g["road_covered_m"] for g in body["grids"])
    assert per_grid == pytest.approx(got["covered_m"], abs=0.01)


def test_blind_spots_are_grid_minus_view(client, scene):
    r = client.get("/v1/coverage/blind-spots", params={"area": "510116001001"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    features = r.json()["features"]
    expected, sectors = expected_grid_areas([CAM_A, CAM_C], scene["footprints"])
    assert [f["properties"]["grid_code"] for f in features] == [
        "510116001001001",
        "510116001001002",
    ]
    for f in features:
        area, covered = expected[f["properties"]["grid_code"]]
        assert f["properties"]["area_m2"] == pytest.approx(
            area - covered, abs=ARC_DEFICIT * sectors + 0.05
        )
        geom = shapely.geometry.shape(f["geometry"])
        assert metric(geom).area == pytest.approx(area - covered, rel=1e-3)
        assert "crs" not in r.json()
    # the blind part does not contain the camera's own position
    assert not shapely.geometry.shape(features[0]["geometry"]).contains(
        shapely.Point(CAM_C[0] - 1e-5, CAM_C[1])
    )


def test_jurisdiction_and_roles(app_client, make_key, loaded_county):
    c = app_client()
    town = {"X-API-Key": make_key("viewer", area="510116001000")}
    assert c.get("/v1/coverage", params={"area": "510116001001"}, headers=town).status_code == 200
    assert c.get("/v1/coverage", params={"area": "510116000000"}, headers=town).status_code == 403
    assert (
        c.get(
            "/v1/coverage/blind-spots", params={"area": "510116002001001"}, headers=town
        ).status_code
        == 403
    )
    service = {"X-API-Key": make_key("service")}
    assert (
        c.get("/v1/coverage", params={"area": "510116000000"}, headers=service).status_code == 403
    )
    admin = {"X-API-Key": make_key("admin")}
    assert c.get("/v1/coverage", params={"area": "510116009000"}, headers=admin).status_code == 404
    bad = c.get("/v1/coverage", params={"area": "12345"}, headers=admin)
    assert bad.status_code == 422 and "12-digit" in bad.json()["message"]
    assert (
        c.get(
            "/v1/coverage", params={"area": "510116000000", "site_share": 0}, headers=admin
        ).status_code
        == 400
    )
    assert c.get("/v1/coverage", params={"area": "510116000000"}).status_code == 401


def test_a_camera_facing_north_on_a_meridian_border_sees_both_grids_equally(
    session, loaded_county, client
):
    # 白鹤社区's grids meet along the meridian 104.01°E. A narrow camera on it facing true
    # north looks along that border, so each grid gets half its view; measured from grid
    # north instead (0.5° off at 104°E), three quarters of it would fall in one grid.
    add_camera(session, 102, 104.01, 30.5005, heading=0.0, fov=2.0, range_m=900.0)
    session.commit()
    body = client.get("/v1/coverage", params={"area": "510116001002"}).json()
    rows = {g["code"]: g["covered_m2"] for g in body["grids"]}
    west, east = rows["510116001002001"], rows["510116001002002"]
    sector = math.pi * 900.0**2 * 2.0 / 360
    assert west + east == pytest.approx(sector, rel=1e-3)
    assert west == pytest.approx(east, rel=0.02)
