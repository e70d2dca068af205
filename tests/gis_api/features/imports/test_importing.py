from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import func, select

from gis_api.features.imports.service import import_file
from gis_api.schema.models import AdminArea, Camera, Grid, KeySite, RelocationSite


def test_import_county_stores_every_layer(session, loaded_county):
    assert session.scalar(select(func.count()).select_from(AdminArea)) == 7
    assert session.scalar(select(func.count()).select_from(Grid)) == 8
    assert session.scalar(select(func.count()).select_from(Camera)) == 2
    stored = {
        code: shapely.from_wkb(bytes(wkb))
        for code, wkb in session.execute(select(Grid.code, func.ST_AsBinary(Grid.geom)))
    }
    for code, geom in loaded_county.grids.items():
        assert shapely.equals_exact(
            shapely.normalize(stored[code]), shapely.normalize(geom.buffer(0)), 1e-12
        ) or stored[code].equals(geom)


def test_reimport_changes_nothing(session, loaded_county):
    for layer, path in loaded_county.files.items():
        result = import_file(session, layer=layer, path=path)
        assert (result.inserted, result.updated) == (0, 0), layer
        assert result.unchanged == result.rows
    assert session.scalar(select(func.count()).select_from(Grid)) == 8


def test_trigger_sets_area_code_of_points(session, loaded_county):
    area = dict(session.execute(select(Camera.id, Camera.area_code)).all())
    assert area["51011600001310000001"] == "510116001001"
    assert area["51011600001320000002"] == "510116002002"
    ks = dict(session.execute(select(KeySite.code, KeySite.area_code)).all())
    assert ks == {"KS001": "510116001001", "KS002": "510116002002"}
    site = session.get(RelocationSite, "RS001")
    assert site.origin_village_codes == ["510116001002", "510116002002"]


def _through_zone(path, tmp_path, *, shrink: float = 0.0):
    """The file's features projected to the county's Gauss–Krüger zone and back, then each
    shrunk towards its centre by the factor ``shrink``."""
    frame = gpd.read_file(path)
    there = frame.set_crs(4490, allow_override=True).to_crs(4544).to_crs(4490)
    there["geometry"] = there.geometry.scale(1 - shrink, 1 - shrink, origin="centroid")
    out = tmp_path / f"round_trip_{shrink}.geojson"
    there.to_file(out, driver="GeoJSON")
    return out


def test_reimport_after_a_round_trip_through_a_zone_changes_no_grid(
    session, loaded_county, tmp_path
):
    path = _through_zone(loaded_county.files["grids"], tmp_path)
    moved = gpd.read_file(path).geometry
    original = gpd.read_file(loaded_county.files["grids"]).geometry
    drift = np.abs(shapely.get_coordinates(moved.values) - shapely.get_coordinates(original.values))
    assert 0 < drift.max() < 1e-12  # the vertices did move, by far less than anyone can see
    result = import_file(session, layer="grids", path=path)
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 8)
    assert session.scalar(select(func.count()).select_from(Grid)) == 8


def test_reimport_of_grids_moved_by_a_few_millimetres_writes_new_versions(
    session, loaded_county, tmp_path
):
    path = _through_zone(loaded_county.files["grids"], tmp_path, shrink=1e-5)  # 5e-8°, 5 mm
    result = import_file(session, layer="grids", path=path)
    assert (result.inserted, result.updated) == (0, 8)
    assert session.scalar(select(func.count()).select_from(Grid)) == 16
