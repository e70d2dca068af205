"""Exports (GeoJSON, GeoPackage, zipped Shapefile with CGCS2000 .prj and UTF-8 .cpg) and
proposals through the API."""

import io
import zipfile

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, box, mapping, shape

from tests.gis_api.features.planning.conftest import TANGHU, YANGPING


@pytest.fixture
def client(app_client, planning_county):
    return app_client()


def test_geojson_export_with_chinese_names_and_no_phones_for_viewers(client, make_key):
    r = client.get(
        f"/v1/areas/{YANGPING}/export",
        params={"format": "geojson", "chinese": True},
        headers={"X-API-Key": make_key("viewer")},
    )
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    props = data["features"][0]["properties"]
    assert props["网格编码"] == YANGPING + "001" and props["村社区名称"] == "羊坪村"
    assert "联系电话" not in props and "crs" not in data


def test_shapefile_zip_has_cgcs2000_prj_utf8_cpg_and_short_chinese_fields(
    client, make_key, tmp_path
):
    r = client.get(
        "/v1/areas/510116002000/export",
        params={"format": "shp", "chinese": True},
        headers={"X-API-Key": make_key("planner")},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = archive.namelist()
    assert {n.rsplit(".", 1)[1] for n in names} >= {"shp", "shx", "dbf", "prj", "cpg"}
    prj = archive.read(next(n for n in names if n.endswith(".prj"))).decode()
    assert pyproj.CRS.from_wkt(prj).to_epsg() == 4490
    assert archive.read(next(n for n in names if n.endswith(".cpg"))).decode() == "UTF-8"
    archive.extractall(tmp_path)
    frame = gpd.read_file(tmp_path / next(n for n in names if n.endswith(".shp")))
    assert frame.crs.to_epsg() == 4490
    assert {"编码", "名称", "村编码", "户数", "网格长", "电话"} <= set(frame.columns)
    assert all(len(c.encode("utf-8")) <= 10 for c in frame.columns)
    assert sorted(frame["编码"]) == [f"510116002{v}00{g}" for v in ("001", "002") for g in (1, 2)]
    assert frame["编码"].map(type).eq(str).all()  # codes stay text, leading digits intact
    assert "羊坪村" in set(frame["村名称"])


def test_geopackage_of_a_past_version_and_of_a_draft(client, make_key, tmp_path):
    headers = {"X-API-Key": make_key("planner")}
    draft = client.post("/v1/drafts", json={"area": YANGPING}, headers=headers).json()["id"]
    line = mapping(LineString([(104.037, 30.505), (104.037, 30.525)]))
    client.post(
        f"/v1/drafts/{draft}/split", json={"grid": YANGPING + "002", "line": line}, headers=headers
    )
    r = client.get(f"/v1/drafts/{draft}/export", params={"format": "gpkg"}, headers=headers)
    assert r.status_code == 200
    path = tmp_path / "draft.gpkg"
    path.write_bytes(r.content)
    frame = gpd.read_file(path, layer="grids")
    assert sorted(frame["code"]) == [YANGPING + s for s in ("001", "002", "003")]
    report = client.get(f"/v1/drafts/{draft}/validation", headers=headers).json()
    accept = [f["id"] for f in report["problems"]["features"]]
    assert (
        client.post(
            f"/v1/drafts/{draft}/publish", json={"accept": accept}, headers=headers
        ).status_code
        == 200
    )
    r = client.get(
        f"/v1/areas/{YANGPING}/export", params={"format": "gpkg", "version": 1}, headers=headers
    )
    path.write_bytes(r.content)
    old = gpd.read_file(path, layer="grids")
    assert sorted(old["code"]) == [YANGPING + "001", YANGPING + "002"]
    assert r.headers["content-disposition"].endswith("_v1.gpkg")
    bad = client.get(f"/v1/areas/{YANGPING}/export", params={"format": "kml"}, headers=headers)
    assert bad.status_code == 422


def test_proposal_for_a_village_meets_the_range_and_can_be_saved(client, make_key):
    headers = {"X-API-Key": make_key("planner")}
    r = client.post("/v1/proposals", json={"area": YANGPING, "save": True}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["floor"] == 100 and body["ceiling"] == 300
    assert body["households"]["total"] == 320
    assert body["within_share"] == 1.0 and body["unmet"] == []
    geoms = [shape(f["geometry"]) for f in body["grids_geojson"]["features"]]
    village = box(104.02, 30.51, 104.04, 30.52)
    assert shapely.union_all(geoms).symmetric_difference(village).area < 1e-12
    draft = client.get(f"/v1/drafts/{body['draft']['id']}", headers=headers).json()
    assert draft["source"] == "proposal" and len(draft["grids"]["features"]) == body["grids"]
    report = client.get(f"/v1/drafts/{body['draft']['id']}/validation", headers=headers).json()
    assert report["errors"] == 0


def test_proposal_reports_what_could_not_be_met(client, make_key):
    headers = {"X-API-Key": make_key("planner")}
    r = client.post("/v1/proposals", json={"area": "510116001002"}, headers=headers)
    assert r.status_code == 200, r.text
    assert any("T1 has 650 households" in u for u in r.json()["unmet"])
    r = client.post(
        "/v1/proposals", json={"area": TANGHU, "floor": 300, "ceiling": 200}, headers=headers
    )
    assert r.status_code == 422
    viewer = {"X-API-Key": make_key("viewer")}
    assert client.post("/v1/proposals", json={"area": TANGHU}, headers=viewer).status_code == 403


def test_proposal_follows_given_cut_lines(client, make_key):
    headers = {"X-API-Key": make_key("planner")}
    street = LineString([(104.0301, 30.505), (104.0299, 30.525)])
    r = client.post(
        "/v1/proposals",
        json={"area": YANGPING, "cut_lines": [mapping(street)], "target": 160},
        headers=headers,
    )
    body = r.json()
    assert body["street_blocks"] == 2 and body["grids"] == 2
    west = box(104.02, 30.51, 104.03, 30.52)
    for f in body["grids_geojson"]["features"]:
        share = shape(f["geometry"]).intersection(west).area / shape(f["geometry"]).area
        assert share < 0.05 or share > 0.95


def test_proposal_follows_the_loaded_road_network(client, make_key, session):
    from sqlalchemy import text

    ids = (
        session.execute(
            text(
                "INSERT INTO road_vertices (network, component, geom) VALUES "
                "('driving', 0, ST_SetSRID(ST_MakePoint(104.0301, 30.505), 4490)), "
                "('driving', 0, ST_SetSRID(ST_MakePoint(104.0299, 30.525), 4490)) RETURNING id"
            )
        )
        .scalars()
        .all()
    )
    session.execute(
        text(
            "INSERT INTO road_edges (network, source, target, length_m, cost_s, reverse_cost_s, "
            "speed_kmh, component, geom) VALUES ('driving', :a, :b, 2200, 200, 200, 40, 0, "
            "ST_GeomFromText('LINESTRING(104.0301 30.505, 104.0299 30.525)', 4490))"
        ),
        {"a": ids[0], "b": ids[1]},
    )
    session.commit()
    headers = {"X-API-Key": make_key("planner")}
    body = client.post(
        "/v1/proposals", json={"area": YANGPING, "target": 160}, headers=headers
    ).json()
    assert body["roads_used"] == 1 and body["street_blocks"] == 2
    west = box(104.02, 30.51, 104.03, 30.52)
    for f in body["grids_geojson"]["features"]:
        share = shape(f["geometry"]).intersection(west).area / shape(f["geometry"]).area
        assert share < 0.05 or share > 0.95
    off = client.post(
        "/v1/proposals", json={"area": YANGPING, "use_roads": False}, headers=headers
    ).json()
    assert off["roads_used"] == 0 and off["street_blocks"] == 1


def test_geojson_export_of_grids_with_no_population(client, make_key):
    headers = {"X-API-Key": make_key("planner")}
    draft = client.post("/v1/drafts", json={"area": YANGPING}, headers=headers).json()["id"]
    line = mapping(LineString([(104.037, 30.505), (104.037, 30.525)]))
    split = client.post(
        f"/v1/drafts/{draft}/split", json={"grid": YANGPING + "002", "line": line}, headers=headers
    )
    assert split.status_code == 200, split.text
    r = client.get(f"/v1/drafts/{draft}/export", params={"format": "geojson"}, headers=headers)
    assert r.status_code == 200, r.text
    populations = {
        f["properties"]["code"]: f["properties"]["population"] for f in r.json()["features"]
    }
    assert set(populations) == {YANGPING + s for s in ("001", "002", "003")}
    assert None in populations.values()  # the split pieces' population is not known
    report = client.get(f"/v1/drafts/{draft}/validation", headers=headers).json()
    accept = [f["id"] for f in report["problems"]["features"]]
    published = client.post(f"/v1/drafts/{draft}/publish", json={"accept": accept}, headers=headers)
    assert published.status_code == 200, published.text
    for chinese in (False, True):
        r = client.get(
            f"/v1/areas/{YANGPING}/export",
            params={"format": "geojson", "chinese": chinese},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        props = [f["properties"] for f in r.json()["features"]]
        key = "人口" if chinese else "population"
        assert any(p.get(key, "absent") is None for p in props), props
