"""Bad input gets a report naming the file, the row, the field and the reason."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, Polygon, box, mapping

from boundaries.errors import ValidationFailed
from tests.importers.specs import prepare


def _write(path, features):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": mapping(geom) if geom is not None else None,
            }
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    return path


def _problems(layer, path, context, **kw):
    with pytest.raises(ValidationFailed) as info:
        prepare(layer, path, context=context, **kw)
    return info.value.problems


def _grid(code, geom, **extra):
    return ({"code": code, "name": "网格", "kind": "村组型", **extra}, geom)


def test_invalid_geometry_names_row_and_vertex(tmp_path, context):
    bowtie = Polygon([(104.021, 30.501), (104.029, 30.509), (104.029, 30.501), (104.021, 30.509)])
    path = _write(
        tmp_path / "g.geojson",
        [
            _grid("510116002002001", box(104.02, 30.50, 104.03, 30.51)),
            _grid("510116002002002", bowtie),
        ],
    )
    [problem] = _problems("grids", path, context)
    assert problem.file == "g.geojson" and problem.row == 2 and problem.field == "geometry"
    assert "Self-intersection" in problem.reason and "vertex" in problem.reason
    assert problem.where.startswith("lon 104.025")


def test_coordinates_out_of_range_and_projected_hint(tmp_path, context):
    path = _write(
        tmp_path / "c.geojson",
        [
            (
                {"id": "51011600001310000001", "name": "a", "category": 1, "fov": 360},
                Point(104.0, 30.5),
            ),
            (
                {"id": "51011600001310000002", "name": "b", "category": 1, "fov": 360},
                Point(404123.0, 3378000.0),
            ),
            (
                {"id": "51011600001310000003", "name": "c", "category": 1, "fov": 360},
                Point(30.5, 104.0),
            ),
        ],
    )
    problems = _problems("cameras", path, context, crs="wgs84")
    assert [p.row for p in problems] == [2, 3]
    assert "projected metres" in problems[0].reason and "--crs EPSG" in problems[0].reason
    assert "swapped" in problems[1].reason


def test_duplicate_and_malformed_codes(tmp_path, context):
    path = _write(
        tmp_path / "g.geojson",
        [
            _grid("510116002002001", box(104.02, 30.50, 104.025, 30.51)),
            _grid("510116002002001", box(104.025, 30.50, 104.03, 30.51)),
            _grid("51011600200200", box(104.03, 30.50, 104.035, 30.51)),
            _grid("510116002000001", box(104.035, 30.50, 104.04, 30.51)),
        ],
    )
    problems = {p.row: p for p in _problems("grids", path, context)}
    assert "duplicate code (also on row 1)" in problems[2].reason
    assert "15 digits" in problems[3].reason and problems[3].field == "code"
    assert "town code" in problems[4].reason


def test_grid_outside_its_village_says_how_much_and_where(tmp_path, context):
    # the village 510116002002 spans lon 104.02-104.04: this grid pokes 0.001° (~96 m) west of it
    path = _write(
        tmp_path / "g.geojson", [_grid("510116002002001", box(104.019, 30.50, 104.03, 30.51))]
    )
    [problem] = _problems("grids", path, context)
    assert "outside its village 510116002002" in problem.reason
    # ~96 m x 1109 m: the reported area agrees with pyproj's geodesic area of the strip
    from pyproj import Geod

    strip = box(104.019, 30.50, 104.02, 30.51)
    expected = abs(Geod(ellps="GRS80").geometry_area_perimeter(strip)[0])
    reported = float(problem.reason.split("extends ")[1].split(" m²")[0].replace(",", ""))
    assert reported == pytest.approx(expected, rel=1e-3)
    assert problem.where.startswith("lon 104.019")


def test_overlapping_grids_are_refused(tmp_path, context):
    path = _write(
        tmp_path / "g.geojson",
        [
            _grid("510116002002001", box(104.02, 30.50, 104.031, 30.51)),
            _grid("510116002002002", box(104.03, 30.50, 104.04, 30.51)),
        ],
    )
    [problem] = _problems("grids", path, context)
    assert problem.row == 2 and "overlaps grid 510116002002001 (row 1)" in problem.reason


def test_unknown_village_and_parent(tmp_path, context):
    path = _write(
        tmp_path / "g.geojson", [_grid("510116003001001", box(104.0, 30.5, 104.01, 30.51))]
    )
    [problem] = _problems("grids", path, context)
    assert "unknown village code 510116003001" in problem.reason
    areas = _write(
        tmp_path / "a.geojson",
        [
            (
                {"code": "510116009001", "name": "新村", "kind": "村"},
                box(104.0, 30.5, 104.01, 30.51),
            ),
        ],
    )
    [problem] = _problems("admin-areas", areas, context)
    assert "unknown parent code 510116009000" in problem.reason


def test_wrong_camera_id_names_the_part(tmp_path, context):
    path = _write(
        tmp_path / "c.geojson",
        [
            (
                {"id": "51011600001110000001", "name": "a", "category": 1, "fov": 360},
                Point(104.0, 30.5),
            ),
            (
                {"id": "99011600001310000001", "name": "b", "category": 1, "fov": 360},
                Point(104.0, 30.5),
            ),
            (
                {"id": "5101160000131000000X", "name": "c", "category": 4, "fov": 360},
                Point(104.0, 30.5),
            ),
        ],
    )
    problems = _problems("cameras", path, context)
    by_row = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(p)
    assert "type part" in by_row[1][0].reason and '"111"' in by_row[1][0].reason
    assert "province part" in by_row[2][0].reason
    assert {p.field for p in by_row[3]} == {"id", "category"}


def test_missing_required_column_lists_accepted_names(tmp_path, context):
    path = _write(
        tmp_path / "g.geojson",
        [({"code": "510116002002001", "name": "x"}, box(104.02, 30.5, 104.03, 30.51))],
    )
    [problem] = _problems("grids", path, context)
    assert "'kind'" in problem.reason and "网格类型" in problem.reason and problem.row is None


def test_directional_camera_without_heading(tmp_path, context):
    path = _write(
        tmp_path / "c.geojson",
        [
            (
                {"id": "51011600001310000001", "name": "a", "category": 1, "fov": 60},
                Point(104.0, 30.5),
            ),
        ],
    )
    [problem] = _problems("cameras", path, context)
    assert "needs a heading" in problem.reason


def test_camera_defaults_are_reported_as_warnings(tmp_path, context):
    path = _write(
        tmp_path / "c.geojson",
        [
            ({"id": "51011600001310000001", "name": "a", "category": "二类"}, Point(104.0, 30.5)),
        ],
    )
    prepared = prepare("cameras", path, context=context)
    assert prepared.frame["fov"].iloc[0] == 360.0 and prepared.frame["range_m"].iloc[0] == 50.0
    assert any("no range" in w.reason for w in prepared.warnings)


def test_unknown_layer(tmp_path, context):
    from boundaries.errors import InvalidInput

    with pytest.raises(InvalidInput, match="layers are admin-areas"):
        prepare("roadz", tmp_path / "x.geojson", context=context)
