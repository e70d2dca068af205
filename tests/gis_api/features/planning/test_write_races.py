"""Committed data, a running server, two threads: writes that race each other end in one of
the serial outcomes, and the loser gets 409, never 500 and never a silently lost edit.

- a grid import and a publish of the same village (both lock the village first; an import
  that cannot have it soon gets 409 with ``Retry-After``);
- two edits of one draft made on the same revision (compare-and-set on the revision).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from gis_api.features.planning.versions import LOCK_WAIT_S, RETRY_AFTER_S, lock_village
from gis_api.schema.models import AreaVersion, Draft, Grid
from tests.conftest import create_key_in, load_county_into
from tests.gis_api.county import grid_geoms
from tests.gis_api.features.planning.conftest import YANGPING

ROUNDS = 8
GRID = YANGPING + "002"


def _race(*calls: Any) -> list[Any]:
    """Run the calls at once (after a barrier) in threads; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = calls[n]()
        except Exception as exc:  # noqa: BLE001 - a failed request is a result to look at
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _grid_file(households: int) -> bytes:
    feature = {
        "type": "Feature",
        "properties": {
            "code": GRID,
            "name": "第2网格",
            "kind": "村组型",
            "households": households,
            "leader_name": "导入",
        },
        "geometry": json.loads(json.dumps(grid_geoms()[GRID].__geo_interface__)),
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _versions_consistent(url: str) -> None:
    """Per code: exactly one current row, versions 1..n, each valid until the next begins."""
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as s:
        rows = s.execute(
            select(Grid.code, Grid.version, Grid.valid_from, Grid.valid_to).order_by(
                Grid.code, Grid.version
            )
        ).all()
    engine.dispose()
    by_code: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    for code, history in by_code.items():
        assert [r.version for r in history] == list(range(1, len(history) + 1)), code
        assert [r.valid_to is None for r in history].count(True) <= 1, code
        for older, newer in zip(history, history[1:], strict=False):
            assert older.valid_to == newer.valid_from, (code, older, newer)


def _current(url: str, code: str) -> Any:
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as s:
        row = s.execute(
            select(Grid.households, Grid.leader_name, Grid.version).where(
                Grid.code == code, Grid.valid_to.is_(None)
            )
        ).one()
    engine.dispose()
    return row


def _published_by(url: str, draft_id: int) -> bool:
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as s:
        found = s.scalar(select(AreaVersion.version).where(AreaVersion.draft_id == draft_id))
        status = s.scalar(select(Draft.status).where(Draft.id == draft_id))
    engine.dispose()
    assert (found is not None) == (status == "published")
    return found is not None


def test_grid_import_racing_a_publish_is_200_or_409_and_serial(fresh_db, mini_county, live_server):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False))
    headers = {"X-API-Key": key}
    base = server.base_url
    outcomes = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for n in range(ROUNDS):
            draft = http.post("/v1/drafts", json={"area": YANGPING}).json()["id"]
            leader = f"草稿{n}"
            patch = {"type": "Feature", "properties": {"leader_name": leader}, "geometry": None}
            r = http.patch(f"/v1/drafts/{draft}/grids/{GRID}", json=patch)
            assert r.status_code == 200, r.text
            report = http.get(f"/v1/drafts/{draft}/validation").json()
            accept = [f["id"] for f in report["problems"]["features"]]
            households = 200 + n
            files = {"file": ("g.geojson", _grid_file(households), "application/geo+json")}

            def publish(draft: int = draft, accept: list[str] = accept) -> httpx.Response:
                with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                    return c.post(f"/v1/drafts/{draft}/publish", json={"accept": accept})

            def load(files: dict[str, Any] = files) -> httpx.Response:
                with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                    return c.post("/v1/imports/grids", files=files)

            published, imported = _race(publish, load)
            for answer in (published, imported):
                assert isinstance(answer, httpx.Response), answer
                assert answer.status_code in (200, 201, 409), (n, answer.status_code, answer.text)
            if imported.status_code == 409:
                assert imported.headers.get("retry-after"), imported.headers
                assert imported.json()["details"]["retry_after"] > 0
            assert published.status_code == 200 or imported.status_code == 200, (n, published.text)
            _versions_consistent(fresh_db.url)
            now = _current(fresh_db.url, GRID)
            was_published = _published_by(fresh_db.url, draft)
            assert was_published == (published.status_code == 200)
            if imported.status_code == 200:
                # the import is the last word on the grid: alone, or after the publish
                assert (now.households, now.leader_name) == (households, "导入")
            else:
                assert now.leader_name == leader
            if published.status_code == 409:
                # the import came first and made a new version: the draft is stale, kept open
                assert imported.status_code == 200 and "version" in published.json()["message"]
            outcomes.append((published.status_code, imported.status_code))
    assert len(outcomes) == ROUNDS


def test_two_edits_on_one_revision_one_wins_the_other_gets_409(fresh_db, mini_county, live_server):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False))
    headers = {"X-API-Key": key}
    base = server.base_url
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        draft = http.post("/v1/drafts", json={"area": YANGPING}).json()["id"]
        for n in range(ROUNDS):
            revision = http.get(f"/v1/drafts/{draft}").json()["revision"]
            url = f"/v1/drafts/{draft}/grids/{GRID}"

            def edit(name: str, revision: int = revision, url: str = url) -> httpx.Response:
                body = {"type": "Feature", "properties": {"leader_name": name}, "geometry": None}
                with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                    return c.patch(url, params={"revision": revision}, json=body)

            names = (f"甲{n}", f"乙{n}")
            answers = _race(*(functools.partial(edit, name) for name in names))
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 409], (n, [a.text for a in answers])
            winner = names[[a.status_code for a in answers].index(200)]
            loser = next(a for a in answers if a.status_code == 409)
            assert f"revision {revision + 1}" in loser.json()["message"]
            assert loser.json()["details"]["revision"] == revision + 1
            after = http.get(f"/v1/drafts/{draft}").json()
            assert after["revision"] == revision + 1
            grid = next(f for f in after["grids"]["features"] if f["id"] == GRID)
            assert grid["properties"]["leader_name"] == winner


def test_import_of_a_village_held_too_long_is_409_with_retry_after(
    fresh_db, mini_county, live_server
):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False))
    headers = {"X-API-Key": key}
    files = {"file": ("g.geojson", _grid_file(222), "application/geo+json")}
    engine = create_engine(fresh_db.url, poolclass=NullPool)
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
        with Session(engine) as holder, holder.begin():
            lock_village(holder, YANGPING)  # as a long publish of the village would
            started = time.monotonic()
            r = http.post("/v1/imports/grids", files=files)
            waited = time.monotonic() - started
        assert r.status_code == 409, r.text
        assert r.json()["details"]["reason"] == "village_busy"
        assert int(r.headers["retry-after"]) == r.json()["details"]["retry_after"] == RETRY_AFTER_S
        assert YANGPING in r.json()["message"]
        assert LOCK_WAIT_S <= waited < LOCK_WAIT_S + 10
        assert _current(fresh_db.url, GRID).households != 222  # nothing was written
        r = http.post("/v1/imports/grids", files=files)  # the advice: try again later
        assert r.status_code == 200, r.text
    assert _current(fresh_db.url, GRID).households == 222
    engine.dispose()


def test_an_edit_racing_the_publish_of_its_draft_is_published_or_409(
    fresh_db, mini_county, live_server
):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False))
    headers = {"X-API-Key": key}
    base = server.base_url
    seen = set()
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for n in range(ROUNDS):
            draft = http.post("/v1/drafts", json={"area": YANGPING}).json()["id"]
            first = {"type": "Feature", "properties": {"leader_name": f"甲{n}"}, "geometry": None}
            r = http.patch(f"/v1/drafts/{draft}/grids/{GRID}", json=first)
            revision = r.json()["revision"]
            report = http.get(f"/v1/drafts/{draft}/validation").json()
            accept = [f["id"] for f in report["problems"]["features"]]

            def publish(draft: int = draft, accept: list[str] = accept) -> httpx.Response:
                with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                    return c.post(f"/v1/drafts/{draft}/publish", json={"accept": accept})

            def edit(draft: int = draft, revision: int = revision, n: int = n) -> httpx.Response:
                body = {"type": "Feature", "properties": {"leader_name": f"乙{n}"}}
                body["geometry"] = None
                with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                    url = f"/v1/drafts/{draft}/grids/{GRID}"
                    return c.patch(url, params={"revision": revision}, json=body)

            published, edited = _race(publish, edit)
            assert published.status_code in (200, 409), published.text
            assert edited.status_code in (200, 409), edited.text
            assert 200 in (published.status_code, edited.status_code)
            status = http.get(f"/v1/drafts/{draft}").json()["status"]
            leader = _current(fresh_db.url, GRID).leader_name
            if published.status_code == 200:
                assert status == "published"
                # an edit that was answered 200 is in what was published
                assert leader == (f"乙{n}" if edited.status_code == 200 else f"甲{n}")
            else:
                assert status == "open" and edited.status_code == 200
                assert "revision" in published.json()["message"]
            seen.add((published.status_code, edited.status_code))
    _versions_consistent(fresh_db.url)
    assert seen <= {(200, 409), (200, 200), (409, 200)}


def test_discard_on_a_stale_revision_is_409_and_the_draft_stays_open(
    fresh_db, mini_county, live_server
):
    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False))
    with httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}, timeout=60) as http:
        draft = http.post("/v1/drafts", json={"area": YANGPING}).json()
        body = {"type": "Feature", "properties": {"leader_name": "丙"}, "geometry": None}
        http.patch(f"/v1/drafts/{draft['id']}/grids/{GRID}", json=body)
        r = http.delete(f"/v1/drafts/{draft['id']}", params={"revision": draft["revision"]})
        assert r.status_code == 409 and r.json()["details"]["revision"] == draft["revision"] + 1
        assert http.get(f"/v1/drafts/{draft['id']}").json()["status"] == "open"
        r = http.delete(f"/v1/drafts/{draft['id']}", params={"revision": draft["revision"] + 1})
        assert r.status_code == 204
        r = http.patch(f"/v1/drafts/{draft['id']}/grids/{GRID}", json=body)
        assert r.status_code == 409 and "discarded" in r.json()["message"]
