"""Vector tiles: content against the grids themselves, jurisdiction, caching, invalidation."""

from __future__ import annotations

import math
import time

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from boundaries.coords import from_wgs84
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.county import grid_geoms


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def to_pixels(lon: np.ndarray, lat: np.ndarray, z: int, x: int, y: int) -> np.ndarray:
    n = 2**z
    px = ((lon + 180) / 360 * n - x) * 4096
    py = ((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n - y) * 4096
    return np.column_stack([px, py])


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


Z = 12
X, Y = tile_of(104.02, 30.51, Z)


@pytest.fixture
def client(app_client, loaded_county):
    return app_client(tile_version_seconds=0)


@pytest.fixture
def key(make_key):
    return lambda role="viewer", area=None: {"X-API-Key": make_key(role, area)}


def test_a_tile_holds_every_grid_where_it_is(client, key):
    r = client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=key())
    assert (
        r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    )
    features = decode(r.content)["grids"]["features"]
    expected = grid_geoms()
    assert {f["properties"]["code"] for f in features} == set(expected)
    for f in features:
        got = shape(f["geometry"])
        ring = np.asarray(expected[f["properties"]["code"]].exterior.coords)
        want = shapely.Polygon(to_pixels(ring[:, 0], ring[:, 1], Z, X, Y))
        # same shape to within a pixel of the 4096 grid (the encoding snaps to integers)
        assert got.symmetric_difference(want).area < want.length * 1.0
        assert f["properties"]["households"] > 0 and "leader_name" in f["properties"]


def test_personal_properties_only_for_roles_that_may(client, key):
    viewer = decode(client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=key("viewer")).content)
    planner = decode(client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=key("planner")).content)
    assert all("leader_phone" not in f["properties"] for f in viewer["grids"]["features"])
    assert all(f["properties"]["leader_phone"] for f in planner["grids"]["features"])


def test_a_town_key_gets_its_town_only(client, key):
    r = client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=key("viewer", "510116002"))
    codes = {f["properties"]["code"] for f in decode(r.content)["grids"]["features"]}
    assert codes == {c for c in grid_geoms() if c.startswith("510116002")}


def test_areas_show_villages_only_when_zoomed_in(client, key):
    def levels(z: int) -> set[str]:
        x, y = tile_of(104.02, 30.51, z)
        r = client.get(f"/tiles/areas/{z}/{x}/{y}.pbf", headers=key())
        return {f["properties"]["level"] for f in decode(r.content)["areas"]["features"]}

    assert levels(6) == {"county"}
    assert levels(8) == {"county", "town"}
    assert levels(12) == {"county", "town", "village"}


def test_etag_and_cache_headers(client, key):
    h = key()
    version = client.get("/tiles", headers=h).json()["grids"]["version"]
    first = client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", params={"v": version}, headers=h)
    assert first.headers["cache-control"] == "private, max-age=86400, immutable"
    again = client.get(
        f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers={**h, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    stale = client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", params={"v": version - 1}, headers=h)
    assert stale.headers["cache-control"] == "private, no-cache"
    other = client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=key("viewer", "510116002"))
    assert other.headers["etag"] != first.headers["etag"]  # another jurisdiction, another tile


def test_publishing_grids_bumps_the_version_and_the_tile(
    client, key, session, mini_county, tmp_path
):
    from gis_api.features.imports.service import import_file

    h = key()
    before = client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=h)
    version = client.get("/tiles", headers=h).json()["grids"]["version"]
    # publish a new version of every grid with one more household each
    import json

    data = json.loads(mini_county.files["grids"].read_text("utf-8"))
    for feature in data["features"]:
        feature["properties"]["households"] += 1
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    import_file(session, layer="grids", path=path, actor="test")
    session.commit()
    assert client.get("/tiles", headers=h).json()["grids"]["version"] > version
    after = client.get(
        f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers={**h, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    old = {
        f["properties"]["code"]: f["properties"]["households"]
        for f in decode(before.content)["grids"]["features"]
    }
    new = {
        f["properties"]["code"]: f["properties"]["households"]
        for f in decode(after.content)["grids"]["features"]
    }
    assert new == {code: n + 1 for code, n in old.items()}


def test_gcj02_tiles_shift_every_vertex(client, key):
    h = key()
    plain = decode(client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=h).content)
    gx, gy = tile_of(*(float(v) for v in from_wgs84(104.02, 30.51, "gcj02")), Z)
    shifted = decode(
        client.get(f"/tiles/grids/{Z}/{gx}/{gy}.pbf", params={"crs": "gcj02"}, headers=h).content
    )
    expected = grid_geoms()
    by_code = {f["properties"]["code"]: shape(f["geometry"]) for f in shifted["grids"]["features"]}
    assert set(by_code) == set(expected)
    for code, geom in expected.items():
        ring = np.asarray(geom.exterior.coords)
        lon, lat = from_wgs84(ring[:, 0], ring[:, 1], "gcj02")
        want = shapely.Polygon(to_pixels(np.asarray(lon), np.asarray(lat), Z, gx, gy))
        assert by_code[code].symmetric_difference(want).area < want.length * 1.0
    unshifted = {f["properties"]["code"]: shape(f["geometry"]) for f in plain["grids"]["features"]}
    code = next(iter(expected))
    assert unshifted[code].centroid.distance(by_code[code].centroid) > 5  # pixels apart


def test_bad_tiles_are_refused(client, key):
    h = key()
    assert client.get("/tiles/roads/12/1/1.pbf", headers=h).status_code == 404
    assert client.get("/tiles/grids/12/5000/1.pbf", headers=h).status_code == 422
    assert client.get("/tiles/grids/23/0/0.pbf", headers=h).status_code == 422
    below = client.get("/tiles/grids/5/25/13.pbf", headers=h)  # below the layer's minzoom
    assert below.status_code == 200 and below.content == b""
    assert client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf").status_code == 401
    assert client.get(f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=key("service")).status_code == 403


def test_tilejson_names_the_current_url(client, key):
    body = client.get("/tiles/grids.json", headers=key()).json()
    assert body["tilejson"] == "3.0.0" and body["minzoom"] == 10
    assert body["tiles"][0].endswith(
        "/tiles/grids/{z}/{x}/{y}.pbf?v=" + body["version"].split(".")[-1]
    )
    assert "leader_phone" not in body["vector_layers"][0]["fields"]


def test_notify_invalidates_tiles_in_a_running_server(fresh_db, mini_county, live_server):
    import httpx

    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "viewer")
    # versions trusted for an hour: only the NOTIFY can make the server look again
    server = live_server(fresh_db.settings(listen=True, tile_version_seconds=3600))
    h = {"X-API-Key": key}
    before = httpx.get(server.base_url + "/tiles", headers=h).json()["grids"]["version"]
    from sqlalchemy import create_engine, text

    engine = create_engine(fresh_db.url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE grids SET valid_to = now() WHERE code = :c AND valid_to IS NULL"),
            {"c": "510116001001001"},
        )
    engine.dispose()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = httpx.get(server.base_url + "/tiles", headers=h).json()["grids"]["version"]
        if now > before:
            break
        time.sleep(0.2)
    assert now > before
    r = httpx.get(server.base_url + f"/tiles/grids/{Z}/{X}/{Y}.pbf", headers=h)
    codes = {f["properties"]["code"] for f in decode(r.content)["grids"]["features"]}
    assert "510116001001001" not in codes and len(codes) == 7
