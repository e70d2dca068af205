"""Drafts: copy, edit (put, split, merge, move buildings), roles and revisions."""

import pytest
from shapely.geometry import LineString, box, mapping, shape

from tests.gis_api.features.planning.conftest import TANGHU, YANGPING, fc, feature


@pytest.fixture
def client(app_client, planning_county):
    return app_client()


@pytest.fixture
def planner(make_key):
    return {"X-API-Key": make_key("planner", area="510116002000")}


def _grids(draft):
    return {f["id"]: f for f in draft["grids"]["features"]}


def _new(client, headers, area=YANGPING, **body):
    r = client.post("/v1/drafts", json={"area": area, **body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_draft_copies_the_published_grids_and_counts_households(client, planner):
    draft = _new(client, planner, title="调整")
    assert draft["status"] == "open" and draft["base_version"] == 1
    grids = _grids(draft)
    assert set(grids) == {YANGPING + "001", YANGPING + "002"}
    west = grids[YANGPING + "001"]["properties"]
    assert west["households"] == 160 and west["buildings"] == 16
    assert west["households_stored"] == 190  # the imported figure, kept beside the count
    assert west["leader_phone"]  # planners see phones


def test_split_merge_and_move_change_the_counts(client, planner):
    draft = _new(client, planner)
    url = f"/v1/drafts/{draft['id']}"
    line = mapping(LineString([(104.037, 30.505), (104.037, 30.525)]))
    r = client.post(url + "/split", json={"grid": YANGPING + "002", "line": line}, headers=planner)
    assert r.status_code == 200, r.text
    body = r.json()
    big, small = body["pieces"]
    grids = _grids(body)
    assert grids[big]["properties"]["households"] == 120  # columns at 104.03125 … 104.03375
    assert grids[small]["properties"]["households"] == 40  # the column at 104.03875
    assert grids[big]["properties"]["households_stored"] is None  # no longer describes it

    r = client.post(url + "/move", json={"buildings": ["H60", "H61"], "to": small}, headers=planner)
    assert r.status_code == 200, r.text
    grids = _grids(r.json())
    assert grids[small]["properties"]["households"] == 60
    assert grids[big]["properties"]["households"] == 100
    assert set(r.json()["changed"]) == {big, small}

    r = client.post(url + "/merge", json={"grids": [big, small]}, headers=planner)
    assert r.status_code == 200, r.text
    grids = _grids(r.json())
    assert set(grids) == {YANGPING + "001", big}
    assert grids[big]["properties"]["households"] == 160

    r = client.post(url + "/merge", json={"grids": [YANGPING + "001", "nope"]}, headers=planner)
    assert r.status_code == 404


def test_put_one_grid_keeps_an_invalid_geometry_for_validation(client, planner):
    draft = _new(client, planner)
    url = f"/v1/drafts/{draft['id']}"
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[104.02, 30.51], [104.03, 30.52], [104.03, 30.51], [104.02, 30.52], [104.02, 30.51]]
        ],
    }
    body = {
        "type": "Feature",
        "properties": {"name": "一网格", "leader_name": "王五"},
        "geometry": bowtie,
    }
    r = client.put(url + f"/grids/{YANGPING}001", json=body, headers=planner)
    assert r.status_code == 200, r.text
    r = client.get(url + "/validation", headers=planner)
    kinds = [f["properties"]["kind"] for f in r.json()["problems"]["features"]]
    assert "invalid_geometry" in kinds
    assert r.json()["valid"] is False


def test_put_all_grids_with_gcj02_coordinates(client, planner):
    from boundaries.coords import from_wgs84

    draft = _new(client, planner, source="empty")
    assert _grids(draft) == {}
    west = box(104.02, 30.51, 104.03, 30.52)
    ring = [from_wgs84(x, y, "gcj02") for x, y in west.exterior.coords]
    gcj = {"type": "Polygon", "coordinates": [[list(map(float, p)) for p in ring]]}
    body = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"key": "w"}, "geometry": gcj}],
    }
    r = client.put(
        f"/v1/drafts/{draft['id']}/grids", params={"crs": "gcj02"}, json=body, headers=planner
    )
    assert r.status_code == 200, r.text
    stored = shape(_grids(r.json())["w"]["geometry"])
    assert stored.symmetric_difference(west).area < 1e-12  # the exact inverse, sub-millimetre


def test_stale_revision_is_refused(client, planner):
    draft = _new(client, planner)
    url = f"/v1/drafts/{draft['id']}/grids/{YANGPING}001"
    body = feature(box(104.02, 30.51, 104.03, 30.52), name="甲")
    assert client.put(url, params={"revision": 1}, json=body, headers=planner).status_code == 200
    r = client.put(url, params={"revision": 1}, json=body, headers=planner)
    assert r.status_code == 409 and "revision 2" in r.json()["message"]


def test_roles_and_jurisdiction(client, make_key, planner):
    viewer = {"X-API-Key": make_key("viewer")}
    assert client.post("/v1/drafts", json={"area": YANGPING}, headers=viewer).status_code == 403
    other_town = {"X-API-Key": make_key("planner", area="510116001000")}
    assert client.post("/v1/drafts", json={"area": YANGPING}, headers=other_town).status_code == 403
    draft = _new(client, planner)
    assert client.get(f"/v1/drafts/{draft['id']}", headers=viewer).status_code == 200
    assert client.get(f"/v1/drafts/{draft['id']}", headers=other_town).status_code == 403
    r = client.get(f"/v1/drafts/{draft['id']}", headers=viewer)
    assert all(f["properties"].get("leader_phone") is None for f in r.json()["grids"]["features"])
    r = client.delete(f"/v1/drafts/{draft['id']}", headers=viewer)
    assert r.status_code == 403
    assert (
        client.post("/v1/drafts", json={"area": "510116002000"}, headers=planner).status_code == 422
    )
    listed = client.get("/v1/drafts", headers=other_town).json()["drafts"]
    assert all(d["area_code"].startswith("510116001") for d in listed)


def test_discarded_draft_cannot_be_edited(client, planner):
    draft = _new(client, planner)
    assert client.delete(f"/v1/drafts/{draft['id']}", headers=planner).status_code == 204
    r = client.put(
        f"/v1/drafts/{draft['id']}/grids",
        json=fc([feature(box(104.02, 30.51, 104.04, 30.52))]),
        headers=planner,
    )
    assert r.status_code == 409 and "discarded" in r.json()["message"]


def test_community_draft_counts_footprints_by_their_point(client, make_key):
    headers = {"X-API-Key": make_key("admin")}
    draft = _new(client, headers, area=TANGHU)
    grids = _grids(draft)
    assert grids[TANGHU + "001"]["properties"]["households"] == 240
    assert grids[TANGHU + "002"]["properties"]["households"] == 240


def test_export_and_diff_of_a_draft_with_a_crossing_grid_are_422_naming_it(client, planner):
    """The code matching needs valid polygons: a bowtie was a GEOS error (500)."""
    draft = _new(client, planner)
    url = f"/v1/drafts/{draft['id']}"
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[104.02, 30.51], [104.03, 30.52], [104.03, 30.51], [104.02, 30.52], [104.02, 30.51]]
        ],
    }
    body = {"type": "Feature", "properties": {"name": "一网格"}, "geometry": bowtie}
    assert client.put(url + f"/grids/{YANGPING}001", json=body, headers=planner).status_code == 200
    for path in ("/export", "/export?format=gpkg", "/diff"):
        r = client.get(url + path, headers=planner)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["details"][0]["where"] == f"grid {YANGPING}001"
        assert "Self-intersection" in r.json()["details"][0]["reason"]


def test_a_draft_read_and_written_back_unchanged_is_accepted(client, planner):
    """What a client reads of a draft (served, snap-rounded) is a valid draft to send back: the
    PUT is accepted and changes no grid beyond the served precision."""
    draft = _new(client, planner)
    before = _grids(draft)
    served = client.get(f"/v1/drafts/{draft['id']}", headers=planner).json()["grids"]
    body = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"key": f["id"], **f["properties"]},
                "geometry": f["geometry"],
            }
            for f in served["features"]
        ],
    }
    r = client.put(
        f"/v1/drafts/{draft['id']}/grids",
        params={"revision": draft["revision"]},
        json=body,
        headers=planner,
    )
    assert r.status_code == 200, r.text
    after = _grids(r.json())
    assert set(after) == set(before)
    for key, grid in before.items():
        moved = shape(grid["geometry"]).symmetric_difference(shape(after[key]["geometry"]))
        assert moved.area < 1e-12, key
