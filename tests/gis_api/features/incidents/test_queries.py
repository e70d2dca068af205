"""Listing with filters, the live feed, figures by area and period, OGC, hot spots."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.gis_api.features.incidents.conftest import EAST_POINT

NOW = datetime.now(UTC)


@pytest.fixture
def several(report, step):
    """Eight incidents over ten days, in both towns, some closed, some overdue."""
    plan = [
        # (days ago, category, severity, point, close after hours or None)
        (9.5, "矛盾纠纷", "general", "west", 30),
        (9.0, "治安", "general", "east", 100),  # 治安 general: 72 h, closed late
        (6.2, "安全隐患", "major", "west", None),  # 24 h: open and overdue
        (4.0, "环境", "general", "east", None),
        (3.1, "服务诉求", "general", "west", 10),
        (2.0, "矛盾纠纷", "urgent", "east", None),  # 24 h: overdue
        (1.0, "其他", "general", "west", None),
        (0.1, "治安", "general", "east", None),
    ]
    made = []
    for days, category, severity, where, _ in plan:
        lon, lat = (104.005, 30.515) if where == "west" else EAST_POINT
        reported = NOW - timedelta(days=days)
        made.append(
            report(
                category=category,
                severity=severity,
                lon=lon,
                lat=lat,
                reported_at=reported.isoformat(),
                role="admin",
            )
        )
    return made, plan


def test_filters_select_what_they_say(several, client, headers):
    made, plan = several
    h = headers("viewer")

    def ids(**params):
        r = client.get("/v1/incidents", params=params, headers=h)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    everything = ids()
    assert everything == {m["id"] for m in made}
    assert ids(category="治安") == {m["id"] for m, p in zip(made, plan) if p[1] == "治安"}
    assert ids(category="治安,环境") == {
        m["id"] for m, p in zip(made, plan) if p[1] in ("治安", "环境")
    }
    assert ids(severity=["major", "urgent"]) == {
        m["id"] for m, p in zip(made, plan) if p[2] != "general"
    }
    assert ids(area="510116002") == {m["id"] for m, p in zip(made, plan) if p[3] == "east"}
    assert ids(area="510116001001001") == {m["id"] for m, p in zip(made, plan) if p[3] == "west"}
    start = (NOW - timedelta(days=5)).isoformat()
    end = (NOW - timedelta(days=1.5)).isoformat()
    assert ids(start=start, end=end) == {m["id"] for m, p in zip(made, plan) if 1.5 < p[0] <= 5}
    assert ids(status="reported") == everything
    assert ids(status="closed") == set()
    overdue = ids(overdue="true")
    # open past the deadline now: the ones reported longer ago than their deadline
    expected = set()
    for m in made:
        due = datetime.fromisoformat(m["times"]["due_at"])
        if due < datetime.now(UTC):
            expected.add(m["id"])
    assert overdue == expected and overdue
    assert ids(overdue="false") == everything - expected
    assert client.get("/v1/incidents", params={"status": "lost"}, headers=h).status_code == 422
    naive = client.get("/v1/incidents", params={"start": "2026-01-01T00:00:00"}, headers=h)
    assert naive.status_code == 422


def test_list_is_paged_newest_first(several, client, headers):
    r = client.get("/v1/incidents", params={"limit": 3, "offset": 2}, headers=headers("viewer"))
    body = r.json()
    assert body["matched"] == 8 and body["returned"] == 3
    times = [i["times"]["reported_at"] for i in body["items"]]
    assert times == sorted(times, reverse=True)


def test_live_feed_is_geojson_of_open_and_recently_closed(several, client, headers, step):
    made, _ = several
    first = made[0]["id"]
    step(first, "reject", note="误报", role="admin")
    live = client.get("/v1/incidents/live", headers=headers("viewer")).json()
    assert live["type"] == "FeatureCollection"
    assert {f["id"] for f in live["features"]} == {m["id"] for m in made}  # closed just now
    feature = next(f for f in live["features"] if f["id"] == first)
    assert feature["properties"]["status"] == "closed"
    assert "reporter_phone" not in str(live)
    gcj = client.get("/v1/incidents/live", params={"crs": "gcj02"}, headers=headers("viewer"))
    from boundaries.coords import from_wgs84

    f = next(f for f in gcj.json()["features"] if f["id"] == first)
    ex, ey = (float(v) for v in from_wgs84(104.005, 30.515, "gcj02"))
    assert f["geometry"]["coordinates"] == pytest.approx([ex, ey], abs=1e-6)


def test_figures_match_a_count_of_the_listed_incidents(several, client, headers, step):
    made, plan = several
    # close those the plan closes: their time to close is what the database clock says
    for m, p in zip(made, plan):
        if p[4] is not None:
            for action, extra in (
                ("open", {}),
                ("dispatch", {"assignee": "专班"}),
                ("handle", {}),
                ("feedback", {"satisfied": True}),
                ("close", {}),
            ):
                assert step(m["id"], action, role="admin", **extra).status_code == 200
    h = headers("viewer")
    items = client.get("/v1/incidents", params={"limit": 1000}, headers=h).json()["items"]
    tz = ZoneInfo("Asia/Shanghai")
    expected: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for i in items:
        day = datetime.fromisoformat(i["times"]["reported_at"]).astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        expected[(i["town_code"], monday.isoformat())].append(i)
    r = client.get("/v1/incidents/figures", params={"by": "town", "period": "week"}, headers=h)
    assert r.status_code == 200, r.text
    rows = {(row["code"], row["period_start"]): row for row in r.json()["rows"]}
    assert set(rows) == set(expected)
    for key, group in expected.items():
        row = rows[key]
        assert row["total"] == len(group)
        assert row["by_status"] == dict(Counter(i["status"] for i in group))
        assert row["by_category"] == dict(Counter(i["category"] for i in group))
        assert row["overdue"] == sum(i["overdue"] for i in group)
        assert row["overdue_share"] == pytest.approx(row["overdue"] / len(group), abs=1e-4)
        hours = [
            (
                datetime.fromisoformat(i["times"]["closed_at"])
                - datetime.fromisoformat(i["times"]["reported_at"])
            ).total_seconds()
            / 3600
            for i in group
            if i["times"]["closed_at"]
        ]
        assert row["closed"] == len(hours)
        if hours:
            assert row["hours_to_close"]["mean"] == pytest.approx(statistics.mean(hours), abs=0.01)
            assert row["hours_to_close"]["median"] == pytest.approx(
                statistics.median(hours), abs=0.01
            )
        else:
            assert row["hours_to_close"] == {"mean": None, "median": None}
        assert row["name"] in ("东升街道", "彭镇")
    daily = client.get("/v1/incidents/figures", params={"by": "grid", "period": "day"}, headers=h)
    assert sum(row["total"] for row in daily.json()["rows"]) == len(items)


def test_summary_counts_by_grid(several, client, headers):
    made, _ = several
    body = client.get("/v1/incidents/summary", headers=headers("viewer")).json()
    assert body["total"] == len(made) == body["open"]
    assert body["by_grid"] == dict(Counter(m["grid_code"] for m in made))


def test_ogc_collection_with_personal_fields_by_role(several, client, headers):
    r = client.get(
        "/ogc/collections/incidents/items", params={"limit": 100}, headers=headers("viewer")
    )
    assert r.status_code == 200
    features = r.json()["features"]
    assert len(features) == 8
    assert "reporter_phone" not in features[0]["properties"]
    r = client.get("/ogc/collections/incidents/items", headers=headers("dispatcher"))
    assert r.json()["features"][0]["properties"]["reporter_phone"] == "13912345678"
    east = client.get(
        "/ogc/collections/incidents/items",
        params={"limit": 100},
        headers=headers("viewer", "510116002"),
    ).json()["features"]
    assert {f["properties"]["town_code"] for f in east} == {"510116002000"}


def test_hotspots_peak_where_incidents_crowd(report, client, headers):
    # twelve incidents within ~30 m of one spot in the east town, three scattered in the west
    for k in range(12):
        report(lon=104.0350 + 0.0001 * (k % 4), lat=30.5050 + 0.0001 * (k // 4), role="admin")
    for lon, lat in ((104.003, 30.503), (104.012, 30.518), (104.018, 30.507)):
        report(lon=lon, lat=lat, role="admin")
    r = client.get(
        "/v1/incidents/hotspots",
        params={"bandwidth_m": 300, "cell_m": 50, "threshold": 0.5},
        headers=headers("viewer"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["properties"]["incidents"] == 15 and body["properties"]["kernel"] == "quartic"
    top = next(f for f in body["features"] if f["properties"]["rank"] == 1)
    from shapely.geometry import Point, shape

    assert shape(top["geometry"]).distance(Point(104.03515, 30.5051)) < 0.0008  # < ~80 m
    assert all(Point(104.0, 30.5).distance(shape(f["geometry"])) > 0.02 for f in body["features"])


def test_an_offset_above_a_bigint_is_422_naming_it(client, headers):
    """It reached PostgreSQL and came back as an unnamed column error (schemathesis found it)."""
    r = client.get("/v1/incidents", params={"offset": 2**63}, headers=headers("viewer"))
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["where"] == "query offset"
