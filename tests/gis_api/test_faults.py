"""The database goes away and comes back, under a real server.

The test makes a PostgreSQL cluster of its own (port 5499), so that it can stop and start it
without touching the cluster the other tests share; the cluster is dropped afterwards, also
when the test fails. While it is down: lookups with a known key answer from memory (past the
key cache's TTL), an unknown key gets 503, anything that needs the database gets 503 with
Retry-After, /readyz says 503 and /healthz 200. After it is back: /readyz 200, writes work,
and a change published then reaches the lookups (the listener reconnected). Then a server
started while the database is down starts, answers 503 and becomes ready when it is back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from shapely.geometry import mapping

from gis_api.core import migrate
from gis_api.core.settings import Settings
from tests.conftest import create_key_in, load_county_into

pytestmark = [pytest.mark.slow, pytest.mark.db]

VERSION, NAME, PORT = "15", "faulttest", 5499
URL = f"postgresql+psycopg2://gridmap_fault:fault@127.0.0.1:{PORT}/gridmap_fault"
POINT = {"lon": 104.035, "lat": 30.505}  # in grid 510116002002002, "第2网格"


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{' '.join(command)} failed: {done.stderr or done.stdout}"


def _psql(sql: str, *, database: str = "postgres") -> None:
    _run(
        "runuser", "-u", "postgres", "--", "psql", "-q", "-v", "ON_ERROR_STOP=1",
        "-p", str(PORT), "-d", database, "-c", sql,
    )  # fmt: skip


def _drop_cluster() -> None:
    subprocess.run(
        ["pg_dropcluster", VERSION, NAME, "--stop"], capture_output=True, text=True, timeout=120
    )


@dataclass
class Cluster:
    """The test's own cluster: its URL, and how to stop and start it."""

    url: str

    def stop(self) -> None:
        """Stop the server (fast: open connections are cut)."""
        _run("pg_ctlcluster", VERSION, NAME, "stop", "-m", "fast")

    def start(self) -> None:
        """Start it again."""
        _run("pg_ctlcluster", VERSION, NAME, "start")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A migrated database on a cluster of its own; the cluster is dropped at the end."""
    if shutil.which("pg_createcluster") is None:
        pytest.fail("pg_createcluster is missing: the fault test needs Debian's postgresql-common")
    _drop_cluster()  # left over by an interrupted run
    try:
        _run("pg_createcluster", VERSION, NAME, "--port", str(PORT))
        _run("pg_ctlcluster", VERSION, NAME, "start")
        _psql("CREATE ROLE gridmap_fault LOGIN PASSWORD 'fault'")
        _psql("CREATE DATABASE gridmap_fault OWNER gridmap_fault")
        _psql(
            "CREATE EXTENSION postgis; CREATE EXTENSION btree_gist; CREATE EXTENSION pgrouting",
            database="gridmap_fault",
        )
        migrate.upgrade(URL)
        yield Cluster(url=URL)
    finally:
        _drop_cluster()


def _wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def _renamed_grid(county, name: str) -> bytes:  # type: ignore[no-untyped-def]
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
    return json.dumps(
        {"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False
    ).encode()


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    body = response.json()
    assert body["error"] == "unavailable" and "retry" in body["message"]


def test_database_goes_away_and_comes_back(cluster, mini_county, live_server):  # type: ignore[no-untyped-def]
    load_county_into(cluster.url, mini_county)
    viewer = {"X-API-Key": create_key_in(cluster.url, "viewer")}
    planner = {"X-API-Key": create_key_in(cluster.url, "planner")}
    never_used = {"X-API-Key": create_key_in(cluster.url, "viewer")}
    settings = Settings(
        database_url=cluster.url,
        environment="test",
        listen=True,
        key_cache_seconds=1,
        retry_after_seconds=3,
    )
    server = live_server(settings)
    base = server.base_url

    def lookup(headers: dict[str, str]) -> httpx.Response:
        return httpx.get(base + "/v1/lookup", params=POINT, headers=headers, timeout=10)

    assert lookup(viewer).json()["grid"]["name"] == "第2网格"
    assert lookup(planner).status_code == 200  # both keys are now known to the server
    assert httpx.get(base + "/readyz").status_code == 200

    cluster.stop()
    time.sleep(1.5)  # past the key cache's TTL: the database would be asked again
    for _ in range(3):
        r = lookup(viewer)
        assert r.status_code == 200, r.text
        assert r.json()["grid"]["name"] == "第2网格"
        time.sleep(0.6)
    _assert_unavailable(lookup(never_used))  # cannot be checked: 503, not 401
    _assert_unavailable(
        httpx.get(base + "/ogc/collections/grids/items", headers=viewer, timeout=10)
    )
    _assert_unavailable(
        httpx.post(
            base + "/v1/validation",
            params={"area": "510116002002"},
            content=_renamed_grid(mini_county, "x"),
            headers={**planner, "Content-Type": "application/json"},
            timeout=10,
        )
    )
    _assert_unavailable(
        httpx.post(
            base + "/v1/imports/grids",
            files={"file": ("grids.geojson", _renamed_grid(mini_county, "x"))},
            headers=planner,
            timeout=10,
        )
    )
    ready = httpx.get(base + "/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["database"]["ok"] is False
    assert ready.json()["index"]["loaded"] is True  # the old index is kept
    assert httpx.get(base + "/healthz").status_code == 200

    cluster.start()
    assert _wait_for(lambda: httpx.get(base + "/readyz").status_code == 200), httpx.get(
        base + "/readyz"
    ).text
    listener = httpx.get(base + "/readyz").json()["listener"]
    assert listener["connected"] is True and listener["reconnects"] >= 1
    assert lookup(never_used).status_code == 200
    r = httpx.post(
        base + "/v1/imports/grids",
        files={"file": ("grids.geojson", _renamed_grid(mini_county, "恢复以后"))},
        headers=planner,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1
    assert _wait_for(lambda: lookup(viewer).json()["grid"]["name"] == "恢复以后", 20), (
        "a change published after the restart did not reach the lookups"
    )

    # a server started while the database is down: it starts, says 503, then becomes ready
    cluster.stop()
    late = live_server(settings).base_url
    assert httpx.get(late + "/healthz").status_code == 200
    ready = httpx.get(late + "/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["index"]["loaded"] is False
    _assert_unavailable(httpx.get(late + "/v1/lookup", params=POINT, headers=viewer, timeout=10))
    cluster.start()
    assert _wait_for(lambda: httpx.get(late + "/readyz").status_code == 200), httpx.get(
        late + "/readyz"
    ).text
    r = httpx.get(late + "/v1/lookup", params=POINT, headers=viewer, timeout=10)
    assert r.status_code == 200 and r.json()["grid"]["name"] == "恢复以后"
