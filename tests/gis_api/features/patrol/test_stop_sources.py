"""Stops from other concerns: incident hotspots (the incidents table) and cameras' blind spots
(the coverage service), as patrol stops and as the map's underlay.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box
from sqlalchemy import text

from tests.gis_api.features.patrol.test_routes_api import post

BIG = (104.0124, 30.5076)  # inside a block, about 230 m from the nearest street
SMALL = (104.0326, 30.5174)


def add_incidents(session, centre, count, *, days_ago=1, category="治安", spread=0.0002, seed=0):
    rng = np.random.default_rng(seed)
    for lon, lat in np.asarray(centre) + rng.uniform(-spread, spread, (count, 2)):
        session.execute(
            text(
                "INSERT INTO incidents (category, severity, level, description, source, geom, "
                "village_code, town_code, county_code, reported_at, due_at) VALUES (:c, 'general', "
                "'grid', '测试事件', 'grid_worker', ST_SetSRID(ST_MakePoint(:x, :y), 4490), "
                ":v, :t, '510116000000', clock_timestamp() - make_interval(days => :d), "
                "clock_timestamp() + interval '3 days')"
            ),
            {
                "c": category,
                "x": float(lon),
                "y": float(lat),
                "d": days_ago,
                "v": "510116001002" if lon < 104.02 else "510116002001",
                "t": "510116001000" if lon < 104.02 else "510116002000",
            },
        )
    session.commit()


def test_hotspots_become_stops_densest_first(client, session, make_key):
    add_incidents(session, BIG, 6, seed=1)
    add_incidents(session, SMALL, 3, seed=2)
    add_incidents(session, (104.005, 30.519), 1, seed=3)  # a single one is no hotspot
    add_incidents(session, (104.036, 30.503), 5, days_ago=90, seed=4)  # too old
    r = post(
        client,
        make_key("dispatcher"),
        stops=[{"hotspots": {"n": 5, "days": 30, "radius_m": 100}}],
        time_limit_s=0.2,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    stops = sorted(body["teams"][0]["stops"], key=lambda s: s["ref"])
    assert [s["name"] for s in stops] == ["热点1（6起）", "热点2（3起）"]
    assert stops[0]["location"] == pytest.approx(BIG, abs=3e-4)
    assert stops[1]["location"] == pytest.approx(SMALL, abs=3e-4)
    assert stops[0]["details"]["categories"] == {"治安": 6}
    assert len(body["underlay"]["incidents"]["features"]) == 10


def test_hotspots_respect_the_jurisdiction(client, session, make_key):
    add_incidents(session, BIG, 6, seed=1)
    add_incidents(session, SMALL, 3, seed=2)
    east = make_key("dispatcher", "510116002000")
    r = post(
        client,
        east,
        start={"point": [104.04, 30.52]},
        stops=[{"hotspots": {"n": 5, "days": 30, "radius_m": 100}}],
        time_limit_s=0.2,
    )
    assert r.status_code == 200, r.text
    assert [s["name"] for s in r.json()["teams"][0]["stops"]] == ["热点1（3起）"]


def test_no_recent_incidents_is_a_clear_error(client, make_key):
    r = post(client, make_key("dispatcher"), stops=[{"hotspots": {"n": 3, "days": 7}}])
    assert r.status_code == 422
    assert "no incidents were reported in the last 7 days" in r.json()["message"]


def test_blind_spots_from_the_coverage_service(client, make_key, monkeypatch):
    import gis_api.features.coverage.service as coverage

    calls = []

    def fake(session, *, area_code, principal, include_offline=False):
        calls.append((area_code, principal.role, include_offline))
        return gpd.GeoDataFrame(
            {"grid_code": ["510116001001001", "510116001001002"], "area_m2": [900.0, 4000.0]},
            geometry=[box(104.003, 30.512, 104.004, 30.513), box(104.012, 30.516, 104.016, 30.518)],
            crs=4490,
        )

    monkeypatch.setattr(coverage, "blind_spots", fake)
    r = post(
        client,
        make_key("planner"),
        stops=[{"blind_spots": {"area_code": "510116001001", "include_offline": True}}],
        time_limit_s=0.2,
    )
    assert r.status_code == 200, r.text
    assert calls == [("510116001001", "planner", True)]
    body = r.json()
    stops = body["teams"][0]["stops"]
    assert sorted(s["name"] for s in stops) == ["盲区1（4000 m²）", "盲区2（900 m²）"]
    assert all(s["kind"] == "blind_spot" for s in stops)
    big = next(s for s in stops if s["ref"] == "510116001001002")
    assert big["snap_distance_m"] == 0  # the street at 104.015 runs through it
    assert len(body["underlay"]["blind_spots"]["features"]) == 2


def test_blind_spots_outside_the_jurisdiction_are_refused(client, make_key):
    key = make_key("dispatcher", "510116002000")
    r = post(client, key, stops=[{"blind_spots": {"area_code": "510116001001"}}])
    assert r.status_code == 403


def test_blind_spots_with_the_real_coverage_service(client, session, make_key):
    from gis_api.core.auth import Principal
    from gis_api.features.coverage.service import blind_spots

    expected = blind_spots(
        session, area_code="510116001001", principal=Principal(0, "t", "admin", "")
    )
    assert len(expected) > 0
    r = post(
        client,
        make_key("admin"),
        stops=[{"blind_spots": {"area_code": "510116001001", "limit": 200}}],
        time_limit_s=0.2,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    refs = [s["ref"] for t in body["teams"] for s in t["stops"]] + [
        u["ref"] for u in body["unreachable"]
    ]
    assert sorted(refs) == sorted(expected["grid_code"])
