"""Workers hear PostgreSQL NOTIFY: a committed grid change or a revoked key reaches every one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
from shapely.geometry import mapping
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from gis_api.core.auth import revoke_key
from gis_api.features.imports.service import import_file
from tests.conftest import create_key_in, load_county_into

POINT = {"lon": 104.035, "lat": 30.505}  # in grid 510116002002002


def _rename_grid(url, county, tmp_path, name):
    path = tmp_path / f"{name}.geojson"
    feature = {
        "type": "Feature",
        "properties": {
            "code": "510116002002002",
            "name": name,
            "kind": "村组型",
            "households": 170,
        },
        "geometry": mapping(county.grids["510116002002002"]),
    }
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False)
    )
    eng = create_engine(url, poolclass=NullPool)
    with Session(eng) as s, s.begin():
        import_file(s, layer="grids", path=path)
    eng.dispose()


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_published_change_reaches_the_index(fresh_db, mini_county, live_server, tmp_path):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "viewer")
    server = live_server(fresh_db.settings(listen=True))
    headers = {"X-API-Key": key}

    def name():
        return httpx.get(server.base_url + "/v1/lookup", params=POINT, headers=headers).json()[
            "grid"
        ]["name"]

    assert name() == "第2网格"
    _rename_grid(fresh_db.url, mini_county, tmp_path, "新名字")
    assert _wait_for(lambda: name() == "新名字"), "the index did not refresh after NOTIFY"
    body = httpx.get(server.base_url + "/v1/lookup", params=POINT, headers=headers).json()
    assert body["grid"]["version"] == 2


def test_revoked_key_is_refused_without_waiting_for_the_cache(fresh_db, mini_county, live_server):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "viewer")
    server = live_server(fresh_db.settings(listen=True, key_cache_seconds=3600))
    url = server.base_url + "/v1/lookup"
    assert httpx.get(url, params=POINT, headers={"X-API-Key": key}).status_code == 200
    eng = create_engine(fresh_db.url, poolclass=NullPool)
    with Session(eng) as s, s.begin():
        revoke_key(s, key=key)
    eng.dispose()
    assert _wait_for(
        lambda: httpx.get(url, params=POINT, headers={"X-API-Key": key}).status_code == 401
    )


def test_every_worker_of_gridmap_serve_refreshes(fresh_db, mini_county, tmp_path):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "viewer")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRIDMAP_DATABASE_URL": fresh_db.url}
    gridmap = os.path.join(os.path.dirname(sys.executable), "gridmap")
    proc = subprocess.Popen(
        [gridmap, "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up():
            try:
                return httpx.get(base + "/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        assert _wait_for(up, 60), (
            proc.stderr.read().decode() if proc.poll() is not None else "no answer"
        )

        def names():
            # a new connection per request, so requests spread over both workers
            return {
                httpx.get(
                    base + "/v1/lookup",
                    params=POINT,
                    headers={"X-API-Key": key, "Connection": "close"},
                ).json()["grid"]["name"]
                for _ in range(30)
            }

        assert _wait_for(lambda: names() == {"第2网格"}, 60)
        _rename_grid(fresh_db.url, mini_county, tmp_path, "两个进程")
        assert _wait_for(lambda: names() == {"两个进程"}), "a worker kept the old index"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
