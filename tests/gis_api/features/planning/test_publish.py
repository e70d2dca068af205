"""Publishing: codes kept or given, warnings accepted by id, errors never, versions, restore,
audit, history and diffs."""

import pytest
from shapely.geometry import LineString, box, mapping
from sqlalchemy import select

from gis_api.schema.models import AuditEntry, Grid
from tests.gis_api.features.planning.conftest import YANGPING, fc, feature

W, E, NEW = YANGPING + "001", YANGPING + "002", YANGPING + "003"
SPLIT = mapping(LineString([(104.037, 30.505), (104.037, 30.525)]))


@pytest.fixture
def client(app_client, planning_county):
    return app_client()


@pytest.fixture
def planner(make_key):
    return {"X-API-Key": make_key("planner", area="510116002000")}


def _draft(client, headers, **body):
    r = client.post("/v1/drafts", json={"area": YANGPING, **body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _split(client, headers):
    draft = _draft(client, headers)
    r = client.post(f"/v1/drafts/{draft}/split", json={"grid": E, "line": SPLIT}, headers=headers)
    assert r.status_code == 200, r.text
    return draft, r.json()["pieces"]


def _publish(client, headers, draft, accept=None, note=None):
    return client.post(
        f"/v1/drafts/{draft}/publish", json={"accept": accept or [], "note": note}, headers=headers
    )


def _accept_all(client, headers, draft):
    report = client.get(f"/v1/drafts/{draft}/validation", headers=headers).json()
    assert report["errors"] == 0, report["problems"]
    return [f["id"] for f in report["problems"]["features"]]


def _rows(session, code):
    return session.scalars(select(Grid).where(Grid.code == code).order_by(Grid.version)).all()


def test_an_unchanged_draft_refreshes_households_then_has_nothing_to_publish(client, planner):
    draft = _draft(client, planner)
    r = _publish(client, planner, draft)
    assert r.status_code == 200, r.text  # the stored 190/200 become the counted 160/160
    assert r.json()["changed"] == [W, E] and r.json()["reshaped"] == []
    again = _draft(client, planner)
    r = _publish(client, planner, again)
    assert r.status_code == 422 and "nothing to publish" in r.json()["message"]


def test_split_publishes_with_kept_and_new_codes(client, planner, session):
    refresh = _draft(client, planner)  # first make the stored figures the counted ones
    assert _publish(client, planner, refresh).json()["version"] == 2
    draft, (big, small) = _split(client, planner)
    r = _publish(client, planner, draft)
    assert r.status_code == 422 and "not accepted" in r.json()["message"]
    unaccepted = {w["kind"] for w in r.json()["details"]["unaccepted"]}
    assert {"households_buildings", "no_leader"} <= unaccepted  # the 40-household piece
    r = _publish(client, planner, draft, accept=_accept_all(client, planner, draft), note="拆分")
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["version"] == 3
    assert result["reshaped"] == [E] and result["added"] == [NEW] and result["unchanged"] == 1
    assert [g.version for g in _rows(session, W)] == [1, 2]  # unchanged: no new row
    east = _rows(session, E)
    assert [g.version for g in east] == [1, 2, 3]
    assert east[1].valid_to == east[2].valid_from
    assert east[2].households == 120 and _rows(session, NEW)[0].households == 40
    assert _rows(session, NEW)[0].name == "第3网格" and _rows(session, NEW)[0].kind == "村组型"
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "grids.publish").order_by(AuditEntry.id)
    ).all()
    assert len(audit) == 2 and audit[1].area_code == YANGPING and audit[1].details["version"] == 3
    assert audit[1].actor.startswith("key:gm_") and audit[1].details["added"] == [NEW]
    status = client.get(f"/v1/drafts/{draft}", headers=planner).json()
    assert status["status"] == "published" and status["published_version"] == 3


def test_errors_are_never_accepted(client, planner):
    draft = _draft(client, planner)
    body = fc(
        [
            feature(box(104.02, 30.51, 104.031, 30.52), key="a", leader_name="甲"),
            feature(box(104.029, 30.51, 104.04, 30.52), key="b", leader_name="乙"),
        ]
    )
    client.put(f"/v1/drafts/{draft}/grids", json=body, headers=planner)
    report = client.get(f"/v1/drafts/{draft}/validation", headers=planner).json()
    every = [f["id"] for f in report["problems"]["features"]]
    r = _publish(client, planner, draft, accept=every)
    assert r.status_code == 422 and "never accepted" in r.json()["message"]
    assert r.json()["details"]["errors"][0]["kind"] == "overlap"


def test_two_drafts_of_one_version_conflict_and_rebase(client, planner):
    first, _ = _split(client, planner)
    second = _draft(client, planner)
    body = feature(box(104.02, 30.51, 104.03, 30.52), name="第1网格", leader_name="新网格长")
    client.put(f"/v1/drafts/{second}/grids/{W}", json=body, headers=planner)
    assert _publish(client, planner, first, _accept_all(client, planner, first)).status_code == 200
    r = _publish(client, planner, second, _accept_all(client, planner, second))
    assert r.status_code == 409
    assert "version 2" in r.json()["message"] and r.json()["details"]["current_version"] == 2
    r = client.post(f"/v1/drafts/{second}/rebase", headers=planner)
    assert r.status_code == 200 and r.json()["changed"]["added"] == [NEW]
    # the rebased draft still holds the old east grid: it overlaps nothing, so publishing it
    # gives the village its two grids back with the new leader, and retires the new grid
    r = _publish(client, planner, second, _accept_all(client, planner, second))
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 3 and r.json()["retired"] == [NEW]


def test_merge_keeps_the_code_of_the_grid_holding_most_of_it(client, planner):
    draft, _ = _split(client, planner)
    _publish(client, planner, draft, _accept_all(client, planner, draft))
    merge = _draft(client, planner)
    r = client.post(f"/v1/drafts/{merge}/merge", json={"grids": [NEW, E]}, headers=planner)
    assert r.status_code == 200, r.text
    r = _publish(client, planner, merge, _accept_all(client, planner, merge))
    assert r.status_code == 200, r.text
    assert r.json()["reshaped"] == [E] and r.json()["retired"] == [NEW]


def test_restore_history_versions_and_diff(client, planner, session):
    draft, _ = _split(client, planner)
    _publish(client, planner, draft, _accept_all(client, planner, draft), note="拆分")
    r = client.post(
        f"/v1/areas/{YANGPING}/versions/1/restore",
        json={"expected_version": 1, "note": "x"},
        headers=planner,
    )
    assert r.status_code == 409  # the village is at version 2
    r = client.post(
        f"/v1/areas/{YANGPING}/versions/1/restore", json={"expected_version": 2}, headers=planner
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 3 and r.json()["retired"] == [NEW]
    east = _rows(session, E)
    assert [g.version for g in east] == [1, 2, 3]
    assert east[2].households == east[0].households

    versions = client.get(f"/v1/areas/{YANGPING}/versions", headers=planner).json()
    assert [v["action"] for v in versions["versions"]] == ["import", "publish", "restore"]
    assert versions["versions"][1]["note"] == "拆分"
    assert versions["versions"][2]["restored_from"] == 1
    assert [v["grids"] for v in versions["versions"]] == [2, 3, 2]

    history = client.get(f"/v1/grids/{E}/history", headers=planner).json()
    changes = [f["properties"]["change"] for f in history["features"]]
    assert changes[0] == "created" and changes[1] == "reshaped" and changes[2] == "reshaped"
    assert client.get(f"/v1/grids/{NEW}/history", headers=planner).json()["current"] is False

    diff = client.get(f"/v1/areas/{YANGPING}/diff", params={"from": 1, "to": 2}, headers=planner)
    body = diff.json()
    assert body["added"] == [NEW] and [g["code"] for g in body["reshaped"]] == [E]
    assert body["households_moved"] == 40
    assert body["moves"] == [{"from": E, "to": NEW, "buildings": 4, "households": 40}]
    restored = session.scalars(select(AuditEntry).where(AuditEntry.action == "grids.restore"))
    assert [a.details["restored_from"] for a in restored] == [1]

    grids = client.get(f"/v1/areas/{YANGPING}/versions/2", headers=planner).json()
    assert sorted(f["id"] for f in grids["features"]) == [W, E, NEW]


def test_viewers_cannot_publish_or_restore(client, planner, make_key):
    viewer = {"X-API-Key": make_key("viewer")}
    draft, _ = _split(client, planner)
    assert _publish(client, viewer, draft).status_code == 403
    r = client.post(f"/v1/areas/{YANGPING}/versions/1/restore", json={}, headers=viewer)
    assert r.status_code == 403
    assert client.get(f"/v1/areas/{YANGPING}/versions", headers=viewer).status_code == 200


def test_draft_diff_predicts_codes(client, planner):
    draft, (big, small) = _split(client, planner)
    diff = client.get(f"/v1/drafts/{draft}/diff", headers=planner).json()
    assert diff["codes"][big] == E and diff["codes"][small] == NEW
    assert diff["households_moved"] == 40


def test_numbers_beyond_an_integer_column_are_422_naming_them(client, planner):
    """``expected_version`` above 64 bits came back in a 409's details, which no JSON encoder
    of ours writes: a 500 (schemathesis found it). Versions and revisions are INTEGERs."""
    r = client.post(
        f"/v1/areas/{YANGPING}/versions/1/restore",
        json={"expected_version": 2**70},
        headers=planner,
    )
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["where"] == "body expected_version"
    r = client.put(f"/v1/drafts/1/grids/x?revision={2**31}", json={}, headers=planner)
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["where"] == "query revision"
