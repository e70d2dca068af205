"""Relocation sites: managing area, nearest village (straight line, then by road), grids."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import select, text, update

from gis_api.core.db import ewkb
from gis_api.schema.models import AuditEntry, Grid, RelocationSite
from tests.gis_api.county import VILLAGES, grid_geoms
from tests.gis_api.features.coverage.helpers import add_road, metric

# in 白鹤社区 (a community), 144 m west of 观音村 and about 520 m from 羊坪村
EAST_SITE = box(104.0175, 30.5045, 104.0185, 30.5055)
# across the border of the two grids of 白鹤社区
SPANNING = box(104.0090, 30.5020, 104.0120, 30.5040)


def add_site(session, code, geom, *, management="attached", managing=None, households=80):
    session.add(
        RelocationSite(
            code=code,
            name=f"{code}安置点",
            households=households,
            management=management,
            managing_area_code=managing,
            origin_village_codes=[],
            geom=ewkb(geom),
        )
    )
    session.flush()


@pytest.fixture
def client(app_client, make_key):
    c = app_client()
    c.headers["X-API-Key"] = make_key("planner")
    return c


def checks(client, area="510116000000"):
    r = client.get("/v1/coverage/relocation-sites", params={"area": area})
    assert r.status_code == 200, r.text
    return {c["code"]: c for c in r.json()}


def test_attached_site_goes_to_the_nearest_village_in_a_straight_line(
    session, client, loaded_county
):
    add_site(session, "RS002", EAST_SITE, managing="510116002001")
    session.commit()
    got = checks(client)["RS002"]
    site = metric(EAST_SITE)
    distances = {
        code: site.distance(metric(geom))
        for code, (_, kind, geom) in VILLAGES.items()
        if kind == "村"
    }
    nearest = min(distances, key=distances.get)
    assert nearest == "510116002002"
    assert got["method"] == "straight_line"
    assert got["expected_area_code"] == nearest and got["expected_area_name"] == "观音村"
    assert got["distance_m"] == pytest.approx(distances[nearest], abs=0.05)
    assert got["agrees"] is False
    assert got["containing_area_code"] == "510116001002"
    assert "510116002002" in got["explanation"] and "510116002001" in got["explanation"]
    assert got["managing_area"] == {"name": "羊坪村", "level": "village", "kind": "村"}
    # the county's own site lies inside the village it is attached to
    assert checks(client)["RS001"]["agrees"] is True


def test_by_road_when_roads_are_loaded(session, client, loaded_county):
    add_site(session, "RS002", EAST_SITE, managing="510116002002")
    # a road from the site north into 羊坪村; nothing reaches into 观音村
    path = [(104.0180, 30.5056), (104.0180, 30.5120), (104.0230, 30.5120)]
    add_road(session, path)
    session.commit()
    got = checks(client)["RS002"]
    assert got["method"] == "road (driving)"
    assert got["expected_area_code"] == "510116002001"
    access = metric(shapely.Point(path[0])).distance(metric(EAST_SITE))
    along = metric(shapely.LineString(path)).length
    assert got["distance_m"] == pytest.approx(access + along, rel=1e-3)
    assert got["straight_line_area_code"] == "510116002002"
    assert got["agrees"] is False


def test_site_in_several_grids_and_in_none(session, client, loaded_county):
    add_site(session, "RS003", SPANNING, managing="510116002002")
    session.execute(
        update(Grid)
        .where(Grid.code == "510116002002001", Grid.valid_to.is_(None))
        .values(valid_to=text("clock_timestamp()"))
    )
    add_site(session, "RS004", box(104.024, 30.504, 104.025, 30.505), managing="510116002002")
    session.commit()
    got = checks(client)
    grids = grid_geoms()
    site = metric(SPANNING)
    shares = {
        c: site.intersection(metric(grids[c])).area / site.area
        for c in ("510116001002001", "510116001002002")
    }
    assert [g["code"] for g in got["RS003"]["grids"]] == list(shares)
    for g in got["RS003"]["grids"]:
        assert g["share"] == pytest.approx(shares[g["code"]], abs=1e-4)
    assert "spans 2 grids" in got["RS003"]["explanation"]
    assert got["RS004"]["grids"] == [] and "no grid" in got["RS004"]["explanation"]
    report = client.get("/v1/coverage", params={"area": "510116000000"}).json()["gaps"]
    assert report["relocation_sites_in_several_grids"]["codes"] == ["RS003"]
    assert report["relocation_sites_without_grid"]["codes"] == ["RS004"]


def test_own_committee_site_belongs_to_the_community_containing_it(session, client, loaded_county):
    add_site(
        session,
        "RS005",
        box(104.003, 30.513, 104.004, 30.514),
        management="own_committee",
        managing="510116001001",
        households=400,
    )
    add_site(
        session,
        "RS006",
        box(104.033, 30.513, 104.034, 30.514),
        management="own_committee",
        managing="510116002001",
        households=400,
    )
    session.commit()
    got = checks(client)
    assert got["RS005"]["agrees"] and got["RS005"]["method"] == "containing_community"
    assert got["RS006"]["expected_area_code"] is None and not got["RS006"]["agrees"]
    assert "no community" in got["RS006"]["explanation"]


def test_attach_sets_the_nearest_village(session, client, app_client, make_key, loaded_county):
    add_site(session, "RS002", EAST_SITE, managing="510116002001")
    session.commit()
    dry = client.post(
        "/v1/coverage/relocation-sites/attach", json={"area": "510116000000", "dry_run": True}
    )
    assert dry.status_code == 200
    change = {
        "code": "RS002",
        "from": "510116002001",
        "to": "510116002002",
        "method": "straight_line",
    }
    assert [{k: c[k] for k in change} for c in dry.json()["changes"]] == [change]
    assert (
        session.scalar(
            select(RelocationSite.managing_area_code).where(RelocationSite.code == "RS002")
        )
        == "510116002001"
    )
    viewer = app_client()
    viewer.headers["X-API-Key"] = make_key("viewer")
    assert (
        viewer.post(
            "/v1/coverage/relocation-sites/attach", json={"area": "510116000000"}
        ).status_code
        == 403
    )
    done = client.post("/v1/coverage/relocation-sites/attach", json={"area": "510116000000"})
    assert done.status_code == 200 and len(done.json()["changes"]) == 1
    session.expire_all()
    assert (
        session.scalar(
            select(RelocationSite.managing_area_code).where(RelocationSite.code == "RS002")
        )
        == "510116002002"
    )
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "relocation.attach")
    ).one()
    assert entry.details["changes"][0]["to"] == "510116002002"
    assert checks(client)["RS002"]["agrees"] is True
    again = client.post("/v1/coverage/relocation-sites/attach", json={"area": "510116000000"})
    assert again.json()["changes"] == []
