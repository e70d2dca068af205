"""Past models (``?at=``): built once per stretch of unchanged grids, even under concurrent
requests, and no more builds at once than the setting allows."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from shapely.geometry import MultiPolygon, box
from sqlalchemy import insert

from gis_api.core.db import ewkb
from gis_api.schema.models import Grid

CST = timezone(timedelta(hours=8))
POINT = {"lon": 104.035, "lat": 30.505}
OLD, NEW = "510116002002009", "510116002002008"
SWITCH = datetime(2024, 3, 1, 10, 0, tzinfo=CST)


@pytest.fixture
def history(loaded_county, session):  # type: ignore[no-untyped-def]
    """Grid OLD valid 2024-01-01 to the switch, NEW from the switch to 2024-06-01."""
    geom = ewkb(MultiPolygon([box(104.02, 30.50, 104.04, 30.51)]))
    common = {"kind": "村组型", "village_code": "510116002002", "households": 150, "geom": geom}
    session.execute(
        insert(Grid),
        [
            {**common, "code": OLD, "name": "旧网格", "valid_from": datetime(2024, 1, 1, tzinfo=CST),
             "valid_to": SWITCH},
            {**common, "code": NEW, "name": "新网格", "valid_from": SWITCH,
             "valid_to": datetime(2024, 6, 1, tzinfo=CST)},
        ],
    )  # fmt: skip
    session.commit()


class SlowCountingBuild:
    """Wraps the service's build: counts calls and holds each long enough to overlap."""

    def __init__(self, build, delay: float = 0.5) -> None:  # type: ignore[no-untyped-def]
        self.build, self.delay = build, delay
        self.calls: list[datetime] = []
        self.lock = threading.Lock()

    def __call__(self, at: datetime):  # type: ignore[no-untyped-def]
        with self.lock:
            self.calls.append(at)
        time.sleep(self.delay)
        return self.build(at)


def test_concurrent_requests_for_one_day_build_one_model(history, app_client, make_key):  # type: ignore[no-untyped-def]
    client = app_client()
    headers = {"X-API-Key": make_key("service")}
    past = client.app.state.lookup.past
    assert client.get("/v1/lookup", params=POINT, headers=headers).status_code == 200
    counting = SlowCountingBuild(past._build)
    past._build = counting
    # the date and instants of the same day (all before the switch) ask at once
    ats = ["2024-02-10"] + [f"2024-02-10T{h:02d}:30:00" for h in range(0, 24, 3)]

    def ask(at: str) -> tuple[int, str | None]:
        r = client.get("/v1/lookup", params={**POINT, "at": at}, headers=headers)
        return r.status_code, (r.json().get("grid") or {}).get("code")

    with ThreadPoolExecutor(len(ats)) as pool:
        answers = list(pool.map(ask, ats))
    assert answers == [(200, OLD)] * len(ats)
    assert len(counting.calls) == 1 and past.builds == 1
    # another day of the same stretch (no grid changed in between) reuses the model
    assert ask("2024-02-20") == (200, OLD) and len(counting.calls) == 1
    # after the switch: another stretch, another model
    assert ask("2024-03-01") == (200, NEW) and len(counting.calls) == 2


def test_builds_beyond_the_bound_get_503(history, app_client, make_key):  # type: ignore[no-untyped-def]
    client = app_client(at_builds=1, at_build_wait_seconds=0.1, retry_after_seconds=7)
    headers = {"X-API-Key": make_key("service")}
    past = client.app.state.lookup.past
    assert client.get("/v1/lookup", params=POINT, headers=headers).status_code == 200
    past._build = SlowCountingBuild(past._build, delay=1.0)
    days = ["2024-02-10", "2024-04-10"]  # two stretches: two builds wanted at once

    def ask(at: str):  # type: ignore[no-untyped-def]
        return client.get("/v1/lookup", params={**POINT, "at": at}, headers=headers)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(ask, days))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200, 503]
    refused = next(r for r in answers if r.status_code == 503)
    assert refused.headers["Retry-After"] == "7" and "past models" in refused.json()["message"]
    assert past.builds == 1
