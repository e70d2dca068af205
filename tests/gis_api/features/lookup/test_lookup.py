from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import shapely

from boundaries import coords

TOWN_EAST = "510116002"


@pytest.fixture
def client(app_client, loaded_county):
    return app_client()


def _expected_grid(county, lon, lat):
    """Independent answer: the lowest code among grids that cover the point (shapely)."""
    p = shapely.Point(lon, lat)
    hits = sorted(code for code, g in county.grids.items() if g.covers(p))
    return hits[0] if hits else None


def test_lookup_needs_a_key(client):
    r = client.get("/v1/lookup", params={"lon": 104.005, "lat": 30.515})
    assert r.status_code == 401
    assert "X-API-Key" in r.json()["message"]


def test_unknown_key_is_refused(client):
    r = client.get(
        "/v1/lookup", params={"lon": 104.005, "lat": 30.515}, headers={"X-API-Key": "gm_nope"}
    )
    assert r.status_code == 401
    assert "not valid" in r.json()["message"]


def test_healthz_is_open(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_lookup_matches_shapely_on_random_points(client, make_key, loaded_county):
    key = make_key("admin")
    rng = np.random.default_rng(7)
    for lon, lat in zip(rng.uniform(103.995, 104.045, 60), rng.uniform(30.495, 30.525, 60)):
        body = client.get(
            "/v1/lookup", params={"lon": lon, "lat": lat}, headers={"X-API-Key": key}
        ).json()
        expected = _expected_grid(loaded_county, lon, lat)
        got = body["grid"]["code"] if body["grid"] else None
        assert got == expected, (lon, lat)
        if expected:
            assert body["village"]["code"] == expected[:12]
            assert body["town"]["code"] == expected[:9] + "000"
            assert body["county"]["code"] == "510116000000"


def test_point_on_shared_boundary_gets_the_lowest_code(client, make_key, loaded_county):
    key = make_key("viewer")
    west = loaded_county.grids["510116001001001"]
    east = loaded_county.grids["510116001001002"]
    x = west.bounds[2]  # the shared edge, exactly as stored
    assert x == east.bounds[0]
    point = shapely.Point(x, 30.515)
    assert west.covers(point) and east.covers(point)
    r = client.get("/v1/lookup", params={"lon": x, "lat": 30.515}, headers={"X-API-Key": key})
    assert r.json()["grid"]["code"] == "510116001001001"
    # a corner shared by the grids of four villages: the lowest of the four codes
    corner_x = loaded_county.grids["510116001001002"].bounds[2]
    corner_y = loaded_county.grids["510116001001002"].bounds[1]
    sharing = sorted(
        c for c, g in loaded_county.grids.items() if g.covers(shapely.Point(corner_x, corner_y))
    )
    assert len(sharing) == 4
    r = client.get(
        "/v1/lookup", params={"lon": corner_x, "lat": corner_y}, headers={"X-API-Key": key}
    )
    assert r.json()["grid"]["code"] == sharing[0]
    batch = client.post(
        "/v1/lookup/batch",
        json={"points": [[x, 30.515], [corner_x, corner_y]] * 3},
        headers={"X-API-Key": key},
    ).json()
    assert [row[0] for row in batch["results"]] == ["510116001001001", sharing[0]] * 3


def test_point_outside_everything_is_null_not_404(client, make_key):
    key = make_key("viewer")
    r = client.get("/v1/lookup", params={"lon": 105.5, "lat": 31.0}, headers={"X-API-Key": key})
    assert r.status_code == 200
    body = r.json()
    assert body["grid"] is None and body["village"] is None and body["county"] is None


@pytest.mark.parametrize("lon,lat", [(181, 30), (104, -91), (-180.5, 0)])
def test_out_of_range_is_422(client, make_key, lon, lat):
    r = client.get(
        "/v1/lookup", params={"lon": lon, "lat": lat}, headers={"X-API-Key": make_key("viewer")}
    )
    assert r.status_code == 422
    assert "out of range" in r.json()["message"] or "must be in" in r.json()["message"]


def test_bad_crs_is_422(client, make_key):
    r = client.get(
        "/v1/lookup",
        params={"lon": 104, "lat": 30.5, "crs": "osgb"},
        headers={"X-API-Key": make_key()},
    )
    assert r.status_code == 422
    assert "gcj02" in r.json()["message"]


def test_service_key_never_sees_the_phone(client, make_key):
    params = {"lon": 104.005, "lat": 30.515}
    service = client.get(
        "/v1/lookup", params=params, headers={"X-API-Key": make_key("service")}
    ).json()
    assert service["grid"]["leader"] == {"name": "网格员0"}
    admin = client.get(
        "/v1/lookup", params=params, headers={"Authorization": "Bearer " + make_key("admin")}
    ).json()
    assert admin["grid"]["leader"]["phone"] == "13800000000"


def test_town_key_sees_only_its_town(client, make_key):
    key = make_key("viewer", area=TOWN_EAST)
    west = client.get(
        "/v1/lookup", params={"lon": 104.005, "lat": 30.515}, headers={"X-API-Key": key}
    ).json()
    assert west["grid"] is None and west["village"] is None and west["town"] is None
    assert west["county"]["code"] == "510116000000"  # its own county may be named
    east = client.get(
        "/v1/lookup", params={"lon": 104.035, "lat": 30.515}, headers={"X-API-Key": key}
    ).json()
    assert east["grid"]["code"].startswith(TOWN_EAST)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_shifted_coordinates_find_the_same_grid(client, make_key, loaded_county, crs):
    key = make_key("viewer")
    rng = np.random.default_rng(3)
    lon = rng.uniform(104.001, 104.039, 20)
    lat = rng.uniform(30.501, 30.519, 20)
    slon, slat = coords.from_wgs84(lon, lat, crs)
    for i in range(20):
        body = client.get(
            "/v1/lookup",
            params={"lon": slon[i], "lat": slat[i], "crs": crs},
            headers={"X-API-Key": key},
        ).json()
        assert body["grid"]["code"] == _expected_grid(loaded_county, lon[i], lat[i])
        assert abs(body["query"]["wgs84"][0] - lon[i]) < 1e-8


def test_batch_json_answers_in_order_like_single(client, make_key, loaded_county):
    key = make_key("viewer")
    rng = np.random.default_rng(11)
    pts = np.column_stack([rng.uniform(103.99, 104.05, 500), rng.uniform(30.49, 30.53, 500)])
    r = client.post("/v1/lookup/batch", json={"points": pts.tolist()}, headers={"X-API-Key": key})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 500 and body["fields"] == ["grid", "village", "town", "county"]
    for (lon, lat), row in zip(pts, body["results"]):
        assert row[0] == _expected_grid(loaded_county, lon, lat)
        if row[0]:
            assert row[1] == row[0][:12]
            assert body["grids"][row[0]]["name"]
    assert "phone" not in str(body["grids"])  # viewer


def test_batch_csv_echoes_columns(client, make_key, loaded_county):
    key = make_key("viewer")
    csv = "id,经度,纬度,note\na,104.005,30.515,x\nb,104.035,30.505,y\nc,110,35,z\n"
    r = client.post(
        "/v1/lookup/batch",
        content=csv.encode(),
        headers={"X-API-Key": key, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200
    out = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    assert list(out["id"]) == ["a", "b", "c"] and list(out["note"]) == ["x", "y", "z"]
    assert list(out["grid_code"]) == [
        _expected_grid(loaded_county, 104.005, 30.515),
        _expected_grid(loaded_county, 104.035, 30.505),
        "",
    ]
    assert out["village_name"].iloc[0] == "棠湖社区"


def test_batch_over_the_limit_is_413(app_client, loaded_county, make_key):
    client = app_client(lookup_batch_limit=10)
    r = client.post(
        "/v1/lookup/batch", json={"points": [[104.0, 30.5]] * 11}, headers={"X-API-Key": make_key()}
    )
    assert r.status_code == 413
    assert "at most 10" in r.json()["message"]


def test_batch_names_the_bad_point(client, make_key):
    r = client.post(
        "/v1/lookup/batch",
        json={"points": [[104, 30.5], [104], [1, 2]]},
        headers={"X-API-Key": make_key()},
    )
    assert r.status_code == 422
    assert "points[1]" in r.json()["message"]
    r = client.post(
        "/v1/lookup/batch",
        json={"points": [[104, 30.5], [204, 30.5]]},
        headers={"X-API-Key": make_key()},
    )
    assert r.status_code == 422
    assert "points[1]" in r.json()["message"]


def test_postgis_backend_gives_the_same_answers(app_client, loaded_county, make_key):
    memory = app_client()
    postgis = app_client(lookup_backend="postgis")
    key = make_key("planner", area="510116001")
    rng = np.random.default_rng(5)
    for lon, lat in zip(rng.uniform(103.995, 104.045, 40), rng.uniform(30.495, 30.525, 40)):
        params = {"lon": lon, "lat": lat}
        a = memory.get("/v1/lookup", params=params, headers={"X-API-Key": key}).json()
        b = postgis.get("/v1/lookup", params=params, headers={"X-API-Key": key}).json()
        assert a == b


def test_at_on_the_last_day_there_is_is_its_end_not_a_500(client, make_key):
    """``at=9999-12-31`` overflowed to the next day (a 500; schemathesis found it)."""
    r = client.get(
        "/v1/lookup",
        params={"lon": 104.005, "lat": 30.515, "at": "9999-12-31"},
        headers={"X-API-Key": make_key("viewer")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["query"]["at"] == "9999-12-31T23:59:59.999999+08:00"


@pytest.mark.parametrize("at", ["9999-12-31T23:00:00-05:00", "0001-01-01T01:00:00+08:00"])
def test_at_whose_utc_is_outside_the_calendar_is_422(client, make_key, at):
    r = client.get(
        "/v1/lookup",
        params={"lon": 104.005, "lat": 30.515, "at": at},
        headers={"X-API-Key": make_key("viewer")},
    )
    assert r.status_code == 422, r.text
    assert "at=" in r.json()["message"]
