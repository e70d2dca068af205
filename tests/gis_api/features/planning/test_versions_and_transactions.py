"""Grids are versioned, imports are all-or-nothing, the database refuses in-place edits."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import mapping
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from boundaries.errors import PermissionDenied, ValidationFailed
from gis_api.features.imports.service import import_file
from gis_api.schema.models import AuditEntry, Camera, Grid


def _grid_file(path, features):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    return path


def test_changed_grid_gets_a_new_version_and_the_old_is_closed(session, loaded_county, tmp_path):
    grids = loaded_county.grids
    path = _grid_file(
        tmp_path / "g.geojson",
        [
            (
                {"code": "510116002002001", "name": "第1网格", "kind": "村组型", "households": 999},
                grids["510116002002001"],
            ),
        ],
    )
    result = import_file(session, layer="grids", path=path)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    rows = session.execute(
        select(Grid.version, Grid.households, Grid.valid_to)
        .where(Grid.code == "510116002002001")
        .order_by(Grid.version)
    ).all()
    assert [r.version for r in rows] == [1, 2]
    assert rows[0].valid_to is not None and rows[1].valid_to is None
    assert rows[1].households == 999
    # the old version is kept as it was
    assert rows[0].households != 999


def test_database_refuses_to_edit_a_published_grid(session, loaded_county):
    with pytest.raises(DBAPIError, match="write a new version"):
        with session.begin_nested():
            session.execute(text("UPDATE grids SET households = 1 WHERE code = '510116001001001'"))
    with pytest.raises(DBAPIError, match="never deleted"):
        with session.begin_nested():
            session.execute(text("DELETE FROM grids WHERE code = '510116001001001'"))


def test_failed_import_writes_nothing(session, loaded_county, tmp_path):
    before = session.scalar(select(func.count()).select_from(Grid))
    path = _grid_file(
        tmp_path / "g.geojson",
        [
            (
                {"code": "510116002002001", "name": "改", "kind": "村组型", "households": 1},
                loaded_county.grids["510116002002001"],
            ),
            (
                {"code": "510116002002002", "name": "坏", "kind": "不存在型"},
                loaded_county.grids["510116002002002"],
            ),
        ],
    )
    with pytest.raises(ValidationFailed) as info:
        import_file(session, layer="grids", path=path)
    assert info.value.problems[0].row == 2 and info.value.problems[0].field == "kind"
    assert session.scalar(select(func.count()).select_from(Grid)) == before
    assert (
        session.scalar(
            select(Grid.name).where(Grid.code == "510116002002001", Grid.valid_to.is_(None))
        )
        != "改"
    )


def test_dry_run_counts_but_writes_nothing(session, loaded_county, tmp_path):
    path = _grid_file(
        tmp_path / "g.geojson",
        [
            (
                {"code": "510116002002001", "name": "改", "kind": "村组型"},
                loaded_county.grids["510116002002001"],
            ),
        ],
    )
    result = import_file(session, layer="grids", path=path, dry_run=True)
    assert result.updated == 1 and result.dry_run
    assert (
        session.scalar(select(func.count()).select_from(Grid).where(Grid.code == "510116002002001"))
        == 1
    )


def test_import_outside_jurisdiction_is_refused_whole(session, loaded_county, tmp_path):
    path = _grid_file(
        tmp_path / "g.geojson",
        [
            (
                {"code": "510116002002001", "name": "东", "kind": "村组型"},
                loaded_county.grids["510116002002001"],
            ),
            (
                {"code": "510116001001001", "name": "西", "kind": "楼院型"},
                loaded_county.grids["510116001001001"],
            ),
        ],
    )
    with pytest.raises(PermissionDenied, match="510116001001001"):
        import_file(session, layer="grids", path=path, jurisdiction="510116002")
    names = set(session.scalars(select(Grid.name).where(Grid.valid_to.is_(None))))
    assert "东" not in names and "西" not in names


def test_imports_are_audited(session, loaded_county):
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"import.admin-areas", "import.grids", "import.cameras"} <= actions


def test_http_import_roles_and_report(app_client, loaded_county, make_key, tmp_path, session):
    client = app_client()
    cams = tmp_path / "cams.csv"
    cams.write_text(
        "设备编码,名称,类别,视场角,经度,纬度\n51011600001310000099,新点,二类,360,104.011,30.511\n",
        "utf-8",
    )
    files = {"file": ("cams.csv", cams.read_bytes(), "text/csv")}
    r = client.post(
        "/v1/imports/cameras",
        files=files,
        data={"crs": "wgs84"},
        headers={"X-API-Key": make_key("viewer")},
    )
    assert r.status_code == 403
    r = client.post(
        "/v1/imports/cameras",
        files=files,
        data={"crs": "wgs84"},
        headers={"X-API-Key": make_key("planner")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 1 and r.json()["warnings"]
    assert session.get(Camera, "51011600001310000099").area_code == "510116001001"
    bad = {
        "file": (
            "cams.csv",
            b"\xe8\xae\xbe\xe5\xa4\x87\xe7\xbc\x96\xe7\xa0\x81,name,category\n123,x,1\n",
            "text/csv",
        )
    }
    r = client.post(
        "/v1/imports/cameras",
        files=bad,
        data={"crs": "wgs84"},
        headers={"X-API-Key": make_key("admin")},
    )
    assert r.status_code == 422
    r = client.post(
        "/v1/imports/cameras",
        files=files,
        data={"crs": "mars"},
        headers={"X-API-Key": make_key("admin")},
    )
    assert r.status_code == 422 and "mars" in r.json()["message"]
