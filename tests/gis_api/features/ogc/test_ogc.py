from __future__ import annotations

import pytest
import shapely
from shapely.geometry import shape

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


@pytest.fixture
def client(app_client, loaded_county):
    return app_client()


@pytest.fixture
def viewer(make_key):
    return {"X-API-Key": make_key("viewer")}


def test_landing_links_and_conformance(client, viewer):
    body = client.get("/ogc", headers=viewer).json()
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = client.get("/ogc/conformance", headers=viewer).json()
    assert CORE in conf["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf["conformsTo"]


def test_ogc_needs_a_reading_role(client, make_key):
    assert client.get("/ogc/collections").status_code == 401
    r = client.get("/ogc/collections", headers={"X-API-Key": make_key("service")})
    assert r.status_code == 403
    assert "service" in r.json()["message"] and "viewer" in r.json()["message"]


def test_collections_list_every_layer_with_extent(client, viewer, loaded_county):
    body = client.get("/ogc/collections", headers=viewer).json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == [
        "admin-areas",
        "grids",
        "cameras",
        "relocation-sites",
        "key-sites",
        "buildings",
        "incidents",
    ]
    grids = next(c for c in body["collections"] if c["id"] == "grids")
    minx, miny, maxx, maxy = grids["extent"]["spatial"]["bbox"][0]
    union = shapely.union_all(list(loaded_county.grids.values()))
    assert [minx, miny, maxx, maxy] == pytest.approx(list(union.bounds), abs=1e-8)
    assert any(link["rel"] == "items" for link in grids["links"])


def test_items_page_through_with_next_and_prev(client, viewer, loaded_county):
    seen = []
    url = "/ogc/collections/grids/items?limit=3"
    pages = 0
    while url:
        r = client.get(url, headers=viewer)
        assert r.headers["content-type"].startswith("application/geo+json")
        body = r.json()
        assert body["numberMatched"] == 8
        assert body["numberReturned"] == len(body["features"])
        seen.extend(f["id"] for f in body["features"])
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        if pages > 0:
            assert any(link["rel"] == "prev" for link in body["links"])
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
    assert pages == 3
    assert seen == sorted(loaded_county.grids)


def test_items_geometry_round_trips(client, viewer, loaded_county):
    body = client.get("/ogc/collections/grids/items?limit=100", headers=viewer).json()
    for feature in body["features"]:
        assert "crs" not in feature["geometry"]  # RFC 7946: WGS84, no crs member
        got = shapely.normalize(shape(feature["geometry"]).geoms[0])
        want = shapely.normalize(loaded_county.grids[feature["id"]])
        assert shapely.equals_exact(got, want, 1e-8)  # 8 decimals: about a millimetre
        assert "leader_phone" not in feature["properties"]  # viewer: no personal data


def test_bbox_selects_the_features_shapely_selects(client, viewer, loaded_county):
    bbox = (104.005, 30.505, 104.012, 30.512)
    body = client.get(
        f"/ogc/collections/grids/items?bbox={','.join(map(str, bbox))}&limit=50", headers=viewer
    ).json()
    expected = sorted(c for c, g in loaded_county.grids.items() if g.intersects(shapely.box(*bbox)))
    assert sorted(f["id"] for f in body["features"]) == expected
    assert body["numberMatched"] == len(expected)


@pytest.mark.parametrize(
    "query",
    [
        "foo=1",
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "limit=0",
        "limit=x",
        "offset=-1",
        "offset=9223372036854775808",  # above a BIGINT: was a database error
        "datetime=yesterday",
        "f=html",
        "bbox=0,10,1,5",
    ],
)
def test_bad_or_unknown_parameters_are_400(client, viewer, query):
    r = client.get(f"/ogc/collections/grids/items?{query}", headers=viewer)
    assert r.status_code == 400, r.text
    assert r.json()["message"]


def test_limit_above_maximum_is_lowered_not_refused(app_client, loaded_county, make_key):
    client = app_client(ogc_max_limit=5)
    body = client.get(
        "/ogc/collections/grids/items?limit=1000", headers={"X-API-Key": make_key("viewer")}
    ).json()
    assert body["numberReturned"] == 5


def test_single_item_and_404(client, viewer):
    r = client.get("/ogc/collections/cameras/items/51011600001310000001", headers=viewer)
    assert r.status_code == 200
    assert r.json()["properties"]["category"] == 1
    assert client.get("/ogc/collections/cameras/items/nope", headers=viewer).status_code == 404
    assert client.get("/ogc/collections/nope/items", headers=viewer).status_code == 404


def test_town_key_sees_only_its_town(client, make_key):
    key = {"X-API-Key": make_key("viewer", area="510116002")}
    grids = client.get("/ogc/collections/grids/items?limit=100", headers=key).json()
    assert grids["numberMatched"] == 4
    assert all(f["id"].startswith("510116002") for f in grids["features"])
    areas = client.get("/ogc/collections/admin-areas/items?limit=100", headers=key).json()
    assert sorted(f["id"] for f in areas["features"]) == [
        "510116002000",
        "510116002001",
        "510116002002",
    ]
    cams = client.get("/ogc/collections/cameras/items", headers=key).json()
    assert [f["id"] for f in cams["features"]] == ["51011600001320000002"]
    other = client.get("/ogc/collections/grids/items/510116001001001", headers=key)
    assert other.status_code == 404


def test_planner_sees_the_phone(client, make_key):
    key = {"X-API-Key": make_key("planner")}
    body = client.get("/ogc/collections/grids/items/510116001001001", headers=key).json()
    assert body["properties"]["leader_phone"] == "13800000000"


def test_incidents_are_filtered_by_datetime_on_when_they_were_reported(
    session, client, viewer, loaded_county
):
    from datetime import timedelta

    from sqlalchemy import select

    from gis_api.features.demo.extras import incidents as demo
    from gis_api.schema.models import Incident
    from tests.gis_api.features.incidents.test_demo import county_frames

    demo.load(session, county_frames(loaded_county), None)
    session.commit()
    reported = dict(session.execute(select(Incident.id, Incident.reported_at)).all())
    day = max(reported.values()).replace(hour=0, minute=0, second=0, microsecond=0)
    day -= timedelta(days=3)
    end = day + timedelta(days=1)
    window = f"{day.isoformat()}/{end.isoformat()}".replace("+00:00", "Z")
    url = "/ogc/collections/incidents/items?limit=10000&datetime="
    body = client.get(url + window, headers=viewer).json()
    want = {str(i) for i, at in reported.items() if day <= at <= end}
    assert 0 < len(want) < len(reported)
    assert {f["id"] for f in body["features"]} == want and body["numberMatched"] == len(want)
    some_id, at = next(iter(reported.items()))
    instant = at.isoformat().replace("+00:00", "Z")
    hits = client.get(url + instant, headers=viewer).json()["features"]
    assert str(some_id) in {f["id"] for f in hits}
    assert all(f["properties"]["reported_at"] == hits[0]["properties"]["reported_at"] for f in hits)
    since = client.get(url + f"{day.isoformat().replace('+00:00', 'Z')}/..", headers=viewer).json()
    assert since["numberMatched"] == sum(at >= day for at in reported.values())
    doc = client.get("/ogc/collections/incidents", headers=viewer).json()
    first, last = doc["extent"]["temporal"]["interval"][0]
    assert (first, last) == (min(reported.values()).isoformat(), max(reported.values()).isoformat())
