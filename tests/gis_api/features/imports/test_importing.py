from __future__ import annotations

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
