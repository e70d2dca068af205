"""A grid import is checked against the village's published grids it does not replace, with
the rules publishing uses: no overlap, each grid inside its village; nothing written otherwise.

The mini county's 羊坪村 (510116002001) is split at lon 104.03 into grid 001 (west) and 002
(east); see tests/gis_api/county.py.
"""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import func, select

from boundaries.errors import PermissionDenied, ValidationFailed
from boundaries.projection import area_m2
from gis_api.features.imports.service import import_file
from gis_api.schema.models import Grid

YANGPING = "510116002001"


def _file(path, features):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    return path


def _props(code, **more):
    return {"code": code, "name": f"网格{code[-3:]}", "kind": "村组型", "households": 150, **more}


def _state(session):
    return sorted(
        session.execute(
            select(Grid.code, Grid.version, Grid.name).where(Grid.valid_to.is_(None))
        ).all()
    )


def test_new_grid_over_a_published_grid_is_refused_naming_row_and_grid(
    session, loaded_county, tmp_path
):
    before = _state(session)
    count = session.scalar(select(func.count()).select_from(Grid))
    # row 1 is a published grid of 观音村, unchanged; row 2 is a new grid over 羊坪村's 001
    over = box(104.022, 30.512, 104.026, 30.516)
    path = _file(
        tmp_path / "g.geojson",
        [
            (_props("510116002002001"), loaded_county.grids["510116002002001"]),
            (_props(YANGPING + "003"), over),
        ],
    )
    with pytest.raises(ValidationFailed) as info:
        import_file(session, layer="grids", path=path)
    [problem] = info.value.problems
    assert problem.file == "g.geojson" and problem.row == 2
    assert problem.code == YANGPING + "003"
    assert YANGPING + "001" in problem.reason
    expected = float(area_m2(over))  # all of it lies in published grid 001
    shown = float(problem.reason.split(" by ")[1].split(" m²")[0].replace(",", ""))
    assert shown == pytest.approx(expected, rel=1e-3)
    assert "nothing was written" in info.value.message
    assert _state(session) == before
    assert session.scalar(select(func.count()).select_from(Grid)) == count


def test_replacing_a_grid_with_a_bigger_one_is_refused_over_its_neighbour(
    session, loaded_county, tmp_path
):
    before = _state(session)
    wider = box(104.028, 30.51, 104.04, 30.52)  # 002 reaching 0.002° into 001
    path = _file(tmp_path / "g.geojson", [(_props(YANGPING + "002"), wider)])
    with pytest.raises(ValidationFailed) as info:
        import_file(session, layer="grids", path=path)
    [problem] = info.value.problems
    assert problem.row == 1 and f"grid {YANGPING}001" in problem.reason
    assert _state(session) == before


def test_moving_a_shared_border_in_one_file_is_accepted(session, loaded_county, tmp_path):
    path = _file(
        tmp_path / "g.geojson",
        [
            (_props(YANGPING + "001"), box(104.02, 30.51, 104.028, 30.52)),
            (_props(YANGPING + "002"), box(104.028, 30.51, 104.04, 30.52)),
        ],
    )
    result = import_file(session, layer="grids", path=path)
    assert result.updated == 2


def test_a_touching_new_grid_is_accepted(session, loaded_county, tmp_path):
    # 002 shrinks to the east; a new 003 fills the strip it left: edges touch, nothing overlaps
    path = _file(
        tmp_path / "g.geojson",
        [
            (_props(YANGPING + "002"), box(104.035, 30.51, 104.04, 30.52)),
            (_props(YANGPING + "003"), box(104.03, 30.51, 104.035, 30.52)),
        ],
    )
    result = import_file(session, layer="grids", path=path)
    assert (result.inserted, result.updated) == (1, 1)


def test_a_grid_outside_the_callers_jurisdiction_is_not_named(session, loaded_county, tmp_path):
    # a key for grid 002 only (a prefix of its code): 001 is outside, so it is not named. The
    # wider grid also leaves the key's jurisdiction, which is refused before any overlap check
    # (security: a scoped key's geometry must lie inside its jurisdiction).
    wider = box(104.028, 30.51, 104.04, 30.52)
    path = _file(tmp_path / "g.geojson", [(_props(YANGPING + "002"), wider)])
    with pytest.raises((ValidationFailed, PermissionDenied)) as info:
        import_file(session, layer="grids", path=path, jurisdiction=YANGPING + "002")
    assert YANGPING + "001" not in info.value.message
    assert YANGPING + "001" not in json.dumps(info.value.details)


def test_http_grid_import_over_a_published_grid_is_422_with_the_row(
    app_client, loaded_county, make_key, tmp_path, session
):
    client = app_client()
    key = {"X-API-Key": make_key("planner", area="510116002000")}
    path = _file(
        tmp_path / "g.geojson",
        [(_props(YANGPING + "003"), box(104.022, 30.512, 104.026, 30.516))],
    )
    files = {"file": ("g.geojson", path.read_bytes(), "application/geo+json")}
    r = client.post("/v1/imports/grids", files=files, headers=key)
    assert r.status_code == 422, r.text
    [detail] = r.json()["details"]
    assert detail["row"] == 1 and detail["file"] == "g.geojson"
    assert f"grid {YANGPING}001" in detail["reason"]
    assert session.scalar(select(func.count()).where(Grid.code == YANGPING + "003")) == 0
