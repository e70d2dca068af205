"""Committed data: two planners publishing one village at once, and every worker's lookup
index following a publish (PostgreSQL NOTIFY)."""

import threading
import time

import httpx
from shapely.geometry import LineString, mapping
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from boundaries.errors import Conflict
from gis_api.core.auth import Principal
from gis_api.features.planning.checks import validate_draft
from gis_api.features.planning.drafts import create_draft, split_grid
from gis_api.features.planning.publish import publish_draft
from gis_api.schema.models import Draft
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.features.planning.conftest import YANGPING, load_buildings_into

PLANNER = Principal(key_id=0, prefix="gm_test", role="planner", jurisdiction="510116002")
LINE = LineString([(104.037, 30.505), (104.037, 30.525)])


def test_two_publishes_at_once_one_wins_the_other_gets_409(fresh_db, mini_county, tmp_path):
    load_county_into(fresh_db.url, mini_county)
    load_buildings_into(fresh_db.url, tmp_path)
    settings = fresh_db.settings(listen=False)
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with Session(engine) as s, s.begin():
        ids = []
        for _ in range(2):
            draft = create_draft(s, area_code=YANGPING, principal=PLANNER)
            split_grid(s, draft, YANGPING + "002", LINE, None)
            ids.append(draft.id)
        accept = [
            [i.id for i in validate_draft(s, settings, s.get(Draft, d)).warnings] for d in ids
        ]
    barrier = threading.Barrier(2)
    outcome: dict[int, object] = {}

    def publish(n: int) -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                with s.begin():
                    outcome[n] = publish_draft(
                        s, settings, draft_id=ids[n], principal=PLANNER, accept=accept[n]
                    )["version"]
            except Conflict as exc:
                outcome[n] = exc

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    versions = [v for v in outcome.values() if isinstance(v, int)]
    conflicts = [v for v in outcome.values() if isinstance(v, Conflict)]
    assert versions == [2] and len(conflicts) == 1, outcome
    assert "version 2" in conflicts[0].message
    with Session(engine) as s:
        statuses = sorted(s.scalars(select(Draft.status).where(Draft.id.in_(ids))))
    assert statuses == ["open", "published"]  # the loser's draft is kept
    engine.dispose()


def test_publish_reaches_the_lookup_index_of_a_running_server(
    fresh_db, mini_county, tmp_path, live_server
):
    load_county_into(fresh_db.url, mini_county)
    load_buildings_into(fresh_db.url, tmp_path)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=True))
    headers = {"X-API-Key": key}
    point = {"lon": 104.039, "lat": 30.515}

    def code():
        r = httpx.get(server.base_url + "/v1/lookup", params=point, headers=headers)
        return r.json()["grid"]["code"]

    assert code() == YANGPING + "002"
    base = server.base_url + "/v1/drafts"
    draft = httpx.post(base, json={"area": YANGPING}, headers=headers).json()["id"]
    r = httpx.post(
        f"{base}/{draft}/split",
        json={"grid": YANGPING + "002", "line": mapping(LINE)},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    report = httpx.get(f"{base}/{draft}/validation", headers=headers).json()
    accept = [f["id"] for f in report["problems"]["features"]]
    r = httpx.post(f"{base}/{draft}/publish", json={"accept": accept}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 20
    while code() != YANGPING + "003" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert code() == YANGPING + "003"
    versions = httpx.get(f"{server.base_url}/v1/areas/{YANGPING}/versions", headers=headers).json()
    first = versions["versions"][0]["at"]
    r = httpx.get(server.base_url + "/v1/lookup", params={**point, "at": first}, headers=headers)
    assert r.json()["grid"]["code"] == YANGPING + "002"  # history still answers
