"""A town's key may not write another town's objects by importing a file (HTTP, real PostGIS).

The attack: a file that reuses the ids of the other town's cameras, key sites, relocation
sites, buildings and grids, placed (where the layer allows it) in the key's own town. Before the
fix the write happened first and the jurisdiction was checked on the new place. Every role is
tried; the stored rows are compared before and after.
"""

from __future__ import annotations

import json
import re

import pytest
from shapely.geometry import Point, box, mapping
from sqlalchemy import text

from gis_api.features.imports.service import import_file

ROLES = ("admin", "planner", "dispatcher", "service", "viewer")
WEST, EAST = "510116001", "510116002"  # the two towns of tests/gis_api/county.py

SNAPSHOTS = {
    "cameras": "SELECT id, name, area_code, ST_AsText(geom) FROM cameras ORDER BY id",
    "key-sites": "SELECT code, name, area_code, ST_AsText(geom) FROM key_sites ORDER BY code",
    "relocation-sites": "SELECT code, name, area_code, ST_AsText(geom) FROM relocation_sites "
    "ORDER BY code",
    "buildings": "SELECT code, village_code, households, ST_AsText(geom) FROM buildings "
    "ORDER BY code",
    "grids": "SELECT code, version, name, valid_to, ST_AsText(geom) FROM grids ORDER BY id",
    "admin-areas": "SELECT code, name, ST_AsText(geom) FROM admin_areas ORDER BY code",
}

IN_WEST = Point(104.005, 30.505)  # 白鹤社区, town 510116001
IN_WEST_BOX = box(104.004, 30.504, 104.006, 30.506)

# One feature per layer that reuses an id of the east town (510116002) from the west.
ATTACKS = {
    "cameras": (
        {"id": "51011600001320000002", "name": "改名", "category": 1, "fov": 360},
        IN_WEST,
    ),
    "key-sites": ({"code": "KS002", "kind": "market", "name": "改名"}, IN_WEST_BOX),
    "relocation-sites": (
        {"code": "RS001", "name": "改名", "management": "attached"},
        IN_WEST_BOX,
    ),
    "buildings": ({"code": "EAST-1", "households": 999}, IN_WEST),
    # a grid's code fixes its village, so the east grid keeps its place: the code is refused
    "grids": (
        {"code": "510116002001001", "name": "改名", "kind": "村组型"},
        box(104.02, 30.51, 104.03, 30.52),
    ),
}


def _write(path, features):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def county(session, loaded_county, tmp_path):
    """The small county with one building in each town."""
    path = _write(
        tmp_path / "b.geojson",
        [
            ({"code": "EAST-1", "households": 12}, Point(104.035, 30.515)),
            ({"code": "WEST-1", "households": 8}, Point(104.015, 30.515)),
        ],
    )
    import_file(session, layer="buildings", path=path)
    session.commit()
    return loaded_county


def _snapshot(session, layer):
    return [tuple(r) for r in session.execute(text(SNAPSHOTS[layer])).all()]


def _post(client, layer, path, key):
    with path.open("rb") as f:
        return client.post(
            f"/v1/imports/{layer}",
            files={"file": (path.name, f.read(), "application/geo+json")},
            headers={"X-API-Key": key},
        )


@pytest.mark.parametrize("layer", sorted(ATTACKS))
@pytest.mark.parametrize("role", ROLES)
def test_town_key_cannot_overwrite_the_other_towns_rows(
    app_client, county, make_key, session, tmp_path, role, layer
):
    client = app_client()
    path = _write(tmp_path / f"{layer}.geojson", [ATTACKS[layer]])
    before = _snapshot(session, layer)
    r = _post(client, layer, path, make_key(role, area=WEST))
    assert r.status_code == 403, r.text
    if role in ("admin", "planner"):
        key_value = next(iter(ATTACKS[layer][0].values()))
        assert r.json()["message"] == (
            f"{path.name}: feature 1: {'id' if layer == 'cameras' else 'code'} {key_value} "
            "cannot be written by this key; nothing was written"
        )
        assert EAST not in r.json()["message"].replace(str(key_value), "")
    assert _snapshot(session, layer) == before


@pytest.mark.parametrize("layer", sorted(ATTACKS))
def test_the_same_file_from_the_other_towns_key_is_written(
    app_client, county, make_key, session, tmp_path, layer
):
    """The control: the refusal above is the jurisdiction's, not the file's (an east key
    writes the east rows, placed in the east)."""
    props, geom = ATTACKS[layer]
    if layer != "grids":
        geom = box(104.031, 30.511, 104.033, 30.513) if geom.geom_type == "Polygon" else geom
        geom = Point(104.032, 30.512) if geom.geom_type == "Point" else geom
    path = _write(tmp_path / f"{layer}.geojson", [(props, geom)])
    before = _snapshot(session, layer)
    r = _post(app_client(), layer, path, make_key("planner", area=EAST))
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1
    assert _snapshot(session, layer) != before


def test_a_new_row_outside_the_jurisdiction_gets_the_same_answer(
    app_client, county, make_key, session, tmp_path
):
    """The message does not tell whether the other town holds an object with that id."""
    client = app_client()
    key = make_key("planner", area=WEST)
    existing = _write(tmp_path / "a.geojson", [ATTACKS["key-sites"]])
    first = _post(client, "key-sites", existing, key)
    assert first.status_code == 403
    fresh = _write(
        tmp_path / "a.geojson",
        [
            (
                {"code": "KS999", "kind": "market", "name": "新"},
                box(104.031, 30.511, 104.032, 30.512),
            )
        ],
    )
    fresh_answer = _post(client, "key-sites", fresh, key)
    assert fresh_answer.status_code == 403
    assert re.sub("KS002", "X", first.json()["message"]) == re.sub(
        "KS999", "X", fresh_answer.json()["message"]
    )


@pytest.mark.parametrize("role", ("admin", "planner"))
def test_town_cannot_redraw_its_village_over_the_next_town(
    app_client, county, make_key, session, tmp_path, role
):
    """An area the key owns, redrawn to reach into the other town, is refused whole: else its
    validation reports would count the other town's buildings."""
    path = _write(
        tmp_path / "areas.geojson",
        [
            (
                {"code": "510116001001", "name": "棠湖社区", "level": "village", "kind": "社区"},
                box(104.00, 30.51, 104.04, 30.52),
            )
        ],
    )
    before = _snapshot(session, "admin-areas")
    r = _post(app_client(), "admin-areas", path, make_key(role, area=WEST))
    assert r.status_code == 403, r.text
    assert "510116001001 cannot be written by this key" in r.json()["message"]
    assert _snapshot(session, "admin-areas") == before
    report = app_client().get(
        "/v1/areas/510116001001/validation", headers={"X-API-Key": make_key(role, area=WEST)}
    )
    assert "EAST-1" not in report.text


@pytest.mark.parametrize("layer", ("cameras", "key-sites", "buildings"))
def test_own_town_rows_are_written_and_the_border_is_kept(
    app_client, county, make_key, session, tmp_path, layer
):
    """Inside the town: written. A polygon sticking out by more than 1 m²: refused."""
    props = {
        "cameras": {"id": "51011600001310000077", "name": "新", "category": 1, "fov": 360},
        "key-sites": {"code": "KS077", "kind": "school", "name": "新"},
        "buildings": {"code": "WEST-77", "households": 3},
    }[layer]
    inside = _write(tmp_path / "in.geojson", [(props, IN_WEST)])
    key = make_key("planner", area=WEST)
    assert _post(app_client(), layer, inside, key).status_code == 200
    if layer == "cameras":
        return
    across = _write(tmp_path / "across.geojson", [(props, box(104.019, 30.505, 104.021, 30.506))])
    before = _snapshot(session, layer)
    r = _post(app_client(), layer, across, key)
    assert r.status_code == 403, r.text
    assert _snapshot(session, layer) == before
