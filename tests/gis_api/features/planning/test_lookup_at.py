"""GET /v1/lookup?at=… and the batch: the grid valid at a date (end of that day, CST) or at an
instant."""

from datetime import datetime, timedelta, timezone

import pytest
from shapely.geometry import MultiPolygon, box
from sqlalchemy import insert

from gis_api.core.db import ewkb
from gis_api.schema.models import Grid

CST = timezone(timedelta(hours=8))
POINT = {"lon": 104.035, "lat": 30.505}  # in 观音村 510116002002
OLD, NEW = "510116002002009", "510116002002008"
SWITCH = datetime(2024, 3, 1, 10, 0, tzinfo=CST)


@pytest.fixture
def client(app_client, loaded_county, session):
    geom = ewkb(MultiPolygon([box(104.02, 30.50, 104.04, 30.51)]))
    common = {"kind": "村组型", "village_code": "510116002002", "households": 150, "geom": geom}
    session.execute(
        insert(Grid),
        [
            {
                **common,
                "code": OLD,
                "name": "旧网格",
                "valid_from": datetime(2024, 1, 1, tzinfo=CST),
                "valid_to": SWITCH,
            },
            {
                **common,
                "code": NEW,
                "name": "新网格",
                "valid_from": SWITCH,
                "valid_to": datetime(2024, 6, 1, tzinfo=CST),
            },
        ],
    )
    session.commit()
    return app_client()


@pytest.mark.parametrize(
    ("at", "code"),
    [
        ("2023-12-31", None),  # before any grid: the village still answers
        ("2024-02-29", OLD),
        ("2024-03-01", NEW),  # the end of the day: after the 10:00 change
        ("2024-03-01T09:59:59", OLD),  # no offset: China Standard Time
        ("2024-03-01T10:00:00+08:00", NEW),  # valid_from is inclusive
        ("2024-03-01T01:59:59Z", OLD),  # 09:59:59 CST
        ("2024-03-01T02:00:00Z", NEW),
        ("2024-06-01", None),  # closed on 2024-06-01 00:00 CST
    ],
)
def test_lookup_at_a_date_or_instant(client, make_key, at, code):
    r = client.get(
        "/v1/lookup", params={**POINT, "at": at}, headers={"X-API-Key": make_key("service")}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["grid"] or {}).get("code") == code
    assert body["village"]["code"] == "510116002002"
    assert body["query"]["at"].startswith(at[:10])


def test_without_at_the_current_grid_answers(client, make_key):
    r = client.get("/v1/lookup", params=POINT, headers={"X-API-Key": make_key("service")})
    assert r.json()["grid"]["code"] == "510116002002002" and "at" not in r.json()["query"]


def test_bad_at_is_a_clear_422(client, make_key):
    r = client.get(
        "/v1/lookup",
        params={**POINT, "at": "yesterday"},
        headers={"X-API-Key": make_key("service")},
    )
    assert r.status_code == 422 and "YYYY-MM-DD" in r.json()["message"]


def test_batch_at(client, make_key):
    headers = {"X-API-Key": make_key("service")}
    points = {"points": [[104.035, 30.505], [104.005, 30.515]]}
    r = client.post("/v1/lookup/batch", params={"at": "2024-02-29"}, json=points, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row[0] for row in body["results"]] == [OLD, None]
    assert body["at"].startswith("2024-02-29T23:59:59.999999")
    csv = "lon,lat,id\n104.035,30.505,a\n"
    r = client.post(
        "/v1/lookup/batch",
        params={"at": "2024-03-01"},
        content=csv,
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200 and NEW in r.text


def test_models_of_instants_are_cached_and_dropped_on_reload(client):
    service = client.app.state.lookup
    at = datetime(2024, 2, 1, tzinfo=CST)
    first = service.model_at_cached(at)
    assert service.model_at_cached(at) is first
    service.reload()
    assert service.model_at_cached(at) is not first
    # every instant between two changes of the grids shares one model: Feb 2..11 (after the
    # 2024-01-01 start, before the 03-01 switch) are one epoch; the switch starts another
    builds = service.past.builds
    february = {id(service.model_at_cached(datetime(2024, 2, d, tzinfo=CST))) for d in range(2, 12)}
    assert len(february) == 1 and service.past.builds == builds
    after = service.model_at_cached(SWITCH + timedelta(hours=1))
    assert after is service.model_at_cached(datetime(2024, 5, 31, tzinfo=CST))
    assert after.grid_pos.keys() != first.grid_pos.keys()
