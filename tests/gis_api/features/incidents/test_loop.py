"""The six-step loop through the API: who may take which step, what is recorded, and when not."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.gis_api.features.incidents.conftest import EAST_POINT, report_body


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_report_fixes_grid_village_town_county_from_the_lookup(report, headers):
    body = report()
    assert body["status"] == "reported" and body["status_name"] == "上报"
    assert body["grid_code"] == "510116001001001"
    assert body["village_code"] == "510116001001"
    assert body["town_code"] == "510116001000"
    assert body["county_code"] == "510116000000"
    assert body["level"] == "grid"
    assert body["allowed_actions"] == ["open", "reject", "escalate"]
    [event] = body["events"]
    assert event["action"] == "report" and event["to_status"] == "reported"
    assert event["by"] == headers("dispatcher")["X-API-Key"][:11]
    assert event["role"] == "dispatcher"


def test_major_and_urgent_go_straight_to_the_county(report):
    assert report(severity="major")["level"] == "county"
    assert report(severity="urgent")["level"] == "county"
    assert report(severity="general")["level"] == "grid"


def test_deadline_is_set_by_category_and_severity(report, client, headers):
    config = client.get("/v1/incidents/config", headers=headers()).json()["deadline_hours"]
    for category, severity in (("治安", "urgent"), ("环境", "general"), ("安全隐患", "major")):
        body = report(category=category, severity=severity)
        hours = config.get(category, config["*"])[severity]
        times = body["times"]
        assert _t(times["due_at"]) - _t(times["reported_at"]) == timedelta(hours=hours)


def test_gcj02_location_is_converted_at_the_edge(report):
    from boundaries.coords import from_wgs84

    gx, gy = (float(v) for v in from_wgs84(104.005, 30.515, "gcj02"))
    assert abs(gx - 104.005) > 1e-3  # the offset is hundreds of metres
    body = report(lon=gx, lat=gy, crs="gcj02")
    assert abs(body["location"]["lon"] - 104.005) < 1e-7
    assert abs(body["location"]["lat"] - 30.515) < 1e-7
    assert body["grid_code"] == "510116001001001"


def test_full_loop_records_who_and_when(report, step, headers):
    incident = report()
    iid = incident["id"]
    answers = [
        step(iid, "open"),
        step(iid, "dispatch", assignee="东升街道综合执法队"),
        step(iid, "handle", role="service", note="已调解，双方达成协议"),
        step(iid, "feedback", role="service", satisfied=True),
        step(iid, "close", note="归档"),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
    final = answers[-1].json()
    assert final["status"] == "closed" and final["allowed_actions"] == []
    assert final["assignee"] == "东升街道综合执法队"
    assert final["satisfied"] is True
    events = final["events"]
    assert [e["action"] for e in events] == [
        "report",
        "open",
        "dispatch",
        "handle",
        "feedback",
        "close",
    ]
    assert [e["to_status"] for e in events] == [
        "reported",
        "opened",
        "dispatched",
        "handled",
        "feedback",
        "closed",
    ]
    assert [e["role"] for e in events][2:5] == ["dispatcher", "service", "service"]
    assert events[3]["by"] == headers("service")["X-API-Key"][:11]
    instants = [_t(e["at"]) for e in events]
    assert instants == sorted(instants) and len(set(instants)) == len(instants)
    times = final["times"]
    for action, column in (
        ("open", "opened_at"),
        ("dispatch", "dispatched_at"),
        ("close", "closed_at"),
    ):
        assert times[column] == next(e["at"] for e in events if e["action"] == action)


def test_illegal_step_is_409_listing_the_allowed_ones(report, step):
    iid = report()["id"]
    r = step(iid, "close")
    assert r.status_code == 409
    body = r.json()
    assert body["details"]["allowed"] == ["open", "reject", "escalate"]
    assert "open, reject, escalate" in body["message"]
    assert step(iid, "open").status_code == 200
    r = step(iid, "open")
    assert r.status_code == 409 and r.json()["details"]["allowed"] == ["dispatch", "escalate"]


def test_roles_the_table_does_not_allow_get_403(report, step):
    iid = report()["id"]
    for role in ("viewer", "planner", "service"):
        r = step(iid, "open", role=role)
        assert r.status_code == 403, (role, r.text)
        assert "dispatcher" in r.json()["message"]
    assert step(iid, "open", role="dispatcher").status_code == 200


def test_viewer_and_planner_cannot_report(client, headers):
    for role in ("viewer", "planner"):
        r = client.post("/v1/incidents", json=report_body(), headers=headers(role))
        assert r.status_code == 403


def test_escalation_climbs_grid_village_town_county(report, step):
    iid = report()["id"]
    levels = []
    for _ in range(3):
        r = step(iid, "escalate", note="超出网格处置能力")
        assert r.status_code == 200, r.text
        levels.append(r.json()["level"])
        assert r.json()["status"] == "reported"
    assert levels == ["village", "town", "county"]
    r = step(iid, "escalate")
    assert r.status_code == 409 and "escalate" not in r.json()["details"]["allowed"]


def test_escalation_to_a_given_level_and_not_downwards(report, step):
    iid = report()["id"]
    assert step(iid, "escalate", to_level="town").json()["level"] == "town"
    assert step(iid, "escalate", to_level="village").status_code == 422


def test_a_town_centre_cannot_command_a_county_incident(report, step):
    iid = report(severity="urgent")["id"]  # straight to the county
    r = step(iid, "open", area="510116001")
    assert r.status_code == 403 and "county" in r.json()["message"]
    assert step(iid, "open", area="510116").status_code == 200


def test_a_town_key_sees_and_acts_on_its_town_only(report, client, headers, step):
    west = report()["id"]
    east = report(lon=EAST_POINT[0], lat=EAST_POINT[1])["id"]
    east_key = headers("dispatcher", "510116002")
    listed = client.get("/v1/incidents", headers=east_key).json()
    assert [i["id"] for i in listed["items"]] == [east]
    assert client.get(f"/v1/incidents/{west}", headers=east_key).status_code == 404
    assert step(west, "open", area="510116002").status_code == 404
    assert step(east, "open", area="510116002").status_code == 200
    r = client.post("/v1/incidents", json=report_body(), headers=east_key)
    assert r.status_code == 403 and "jurisdiction" in r.json()["message"]


def test_step_requirements(report, step):
    iid = report()["id"]
    assert step(iid, "reject").status_code == 422  # needs a note
    assert step(iid, "open").status_code == 200
    r = step(iid, "dispatch")
    assert r.status_code == 422 and "assignee" in r.json()["message"]


def test_reject_closes_with_the_reason(report, step):
    iid = report()["id"]
    r = step(iid, "reject", note="重复上报")
    assert r.status_code == 200
    assert r.json()["status"] == "closed" and r.json()["resolution"] == "重复上报"


def test_unsatisfied_feedback_must_be_returned_not_closed(report, step):
    iid = report()["id"]
    step(iid, "open")
    step(iid, "dispatch", assignee="物业")
    step(iid, "handle", note="已处理")
    step(iid, "feedback", satisfied=False)
    r = step(iid, "close")
    assert r.status_code == 409 and r.json()["details"]["allowed"] == ["return"]
    r = step(iid, "return", note="群众不满意，重新处置")
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    assert r.json()["times"]["handled_at"] is None and r.json()["satisfied"] is None


def test_bad_reports_say_what_is_wrong(client, headers):
    h = headers("dispatcher")
    r = client.post("/v1/incidents", json=report_body(category="火星事件"), headers=h)
    assert r.status_code == 422 and "矛盾纠纷" in r.json()["message"]
    r = client.post("/v1/incidents", json=report_body(lon=200), headers=h)
    assert r.status_code == 422
    r = client.post("/v1/incidents", json=report_body(lon=110.0, lat=20.0), headers=h)
    assert r.status_code == 422 and "outside every county" in r.json()["message"]
    r = client.post("/v1/incidents", json=report_body(crs="epsg:3857"), headers=h)
    assert r.status_code == 422
    future = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
    r = client.post("/v1/incidents", json=report_body(reported_at=future), headers=h)
    assert r.status_code == 422 and "future" in r.json()["message"]


def test_external_reference_is_unique_per_source(client, headers):
    h = headers("service")
    body = report_body(source="hotline", external_ref="12345-2026-0001")
    first = client.post("/v1/incidents", json=body, headers=h)
    assert first.status_code == 201
    again = client.post("/v1/incidents", json=body, headers=h)
    assert again.status_code == 409 and again.json()["details"]["id"] == first.json()["id"]


def test_reporter_is_personal(report, client, headers):
    iid = report()["id"]
    seen = client.get(f"/v1/incidents/{iid}", headers=headers("dispatcher")).json()
    assert seen["reporter"] == {"name": "张三", "phone": "13912345678"}
    for role in ("viewer", "service"):
        body = client.get(f"/v1/incidents/{iid}", headers=headers(role))
        assert body.status_code == 200
        assert "reporter" not in body.json() and "13912345678" not in body.text
