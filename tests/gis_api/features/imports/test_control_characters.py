"""A NUL or another control character in any text value is refused with the field (and row)
named, never cut: ``KS001`` + NUL used to overwrite ``KS001``. Imports (GeoJSON and CSV, every
layer with text), drafts and incidents, through the real app; nothing is written."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import mapping
from sqlalchemy import text

from tests.gis_api.features.imports.test_jurisdiction import SNAPSHOTS

IMPORTS = {
    # layer: (properties with a control character in one field, that field, geometry)
    "key-sites": ({"code": "KS001\u0000evil", "kind": "school", "name": "新名"}, "code"),
    "cameras": (
        {"id": "51011600001310000001", "name": "路口\u0001", "category": 1, "fov": 360},
        "name",
    ),
    "relocation-sites": (
        {"code": "RS001", "name": "安置点", "management": "attached\u0000x"},
        "management",
    ),
    "buildings": ({"code": "B1", "households": 3, "address": "一号\u007f"}, "address"),
    "grids": (
        {"code": "510116001001001", "name": "第1网格\u0000改", "kind": "楼院型"},
        "name",
    ),
    "admin-areas": (
        {"code": "510116001001", "name": "棠湖社区\u001b", "level": "village", "kind": "社区"},
        "name",
    ),
}


def _geojson(path, props, geom):
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": props, "geometry": mapping(geom)}],
    }
    # ensure_ascii: NUL travels as the escape ``\u0000``, which GDAL cuts
    path.write_text(json.dumps(fc, ensure_ascii=True), "utf-8")
    return path


def _snapshot(session, layer):
    return [tuple(r) for r in session.execute(text(SNAPSHOTS[layer])).all()]


@pytest.mark.parametrize("layer", sorted(IMPORTS))
def test_import_refuses_a_control_character_naming_row_and_field(
    app_client, loaded_county, make_key, session, tmp_path, layer
):
    props, field = IMPORTS[layer]
    geom = (
        loaded_county.areas["510116001001"]
        if layer in ("grids", "admin-areas")
        else loaded_county.areas["510116001001"].centroid
    )
    if layer == "grids":
        geom = loaded_county.grids["510116001001001"]
    path = _geojson(tmp_path / "x.geojson", props, geom)
    before = _snapshot(session, layer)
    with path.open("rb") as f:
        r = app_client().post(
            f"/v1/imports/{layer}",
            files={"file": (path.name, f.read(), "application/geo+json")},
            headers={"X-API-Key": make_key("admin")},
        )
    assert r.status_code == 422, r.text
    problems = [p for p in r.json()["details"] if "control character" in p["reason"]]
    assert [(p["row"], p["field"]) for p in problems] == [(1, field)], r.text
    assert f"feature 1, field '{field}'" in r.json()["message"]
    assert _snapshot(session, layer) == before


def test_csv_import_refuses_a_nul_naming_line_and_column(
    app_client, loaded_county, make_key, session, tmp_path
):
    path = tmp_path / "sites.csv"
    path.write_bytes("code,kind,name,lon,lat\nKS001\x00x,school,新,104.005,30.515\n".encode())
    before = _snapshot(session, "key-sites")
    r = app_client().post(
        "/v1/imports/key-sites",
        files={"file": ("sites.csv", path.read_bytes(), "text/csv")},
        data={"crs": "wgs84"},
        headers={"X-API-Key": make_key("admin")},
    )
    assert r.status_code == 422, r.text
    assert "U+0000" in r.text and "line 2" in r.text and "code" in r.text
    assert _snapshot(session, "key-sites") == before


INCIDENT = {
    "category": "矛盾纠纷",
    "description": "邻里纠纷",
    "source": "hotline",
    "lon": 104.005,
    "lat": 30.515,
}


@pytest.mark.parametrize(
    "field,value",
    [
        ("description", "邻里\u0000纠纷"),
        ("external_ref", "12345\u0000"),
        ("reporter_name", "张\u0007三"),
        ("address", "一号\u001b"),
    ],
)
def test_incident_report_refuses_a_control_character(
    app_client, loaded_county, make_key, session, field, value
):
    before = session.scalar(text("SELECT count(*) FROM incidents"))
    r = app_client().post(
        "/v1/incidents",
        json={**INCIDENT, field: value},
        headers={"X-API-Key": make_key("dispatcher")},
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["message"] and "control character" in r.json()["message"]
    assert session.scalar(text("SELECT count(*) FROM incidents")) == before


def test_drafts_refuse_a_control_character_in_the_title_and_in_grid_properties(
    app_client, loaded_county, make_key, session
):
    client = app_client()
    h = {"X-API-Key": make_key("planner")}
    r = client.post("/v1/drafts", json={"area": "510116001001", "title": "草稿\u0000"}, headers=h)
    assert r.status_code == 422 and "title" in r.json()["message"], r.text
    assert session.scalar(text("SELECT count(*) FROM drafts")) == 0
    draft = client.post("/v1/drafts", json={"area": "510116001001"}, headers=h).json()
    before = session.execute(text("SELECT key, name FROM draft_grids ORDER BY key")).all()
    feature = {
        "type": "Feature",
        "properties": {"name": "改\u0000名"},
        "geometry": mapping(loaded_county.grids["510116001001001"]),
    }
    r = client.put(f"/v1/drafts/{draft['id']}/grids/510116001001001", json=feature, headers=h)
    assert r.status_code == 422, r.text
    assert "name" in r.text and "U+0000" in r.text
    assert session.execute(text("SELECT key, name FROM draft_grids ORDER BY key")).all() == before
