from __future__ import annotations

import geopandas as gpd
import pytest

from importers import Context
from tests.gis_api.county import COUNTY, TOWNS, VILLAGES, write_mini_county


@pytest.fixture
def county(tmp_path):
    return write_mini_county(tmp_path / "county")


@pytest.fixture
def context(county):
    """The areas of the small county, as the database would hand them to the importers."""
    rows = [
        {"code": COUNTY, "name": "双流区", "level": "county", "kind": None, "parent_code": None}
    ]
    rows += [
        {"code": c, "name": n, "level": "town", "kind": None, "parent_code": COUNTY}
        for c, n in TOWNS.items()
    ]
    rows += [
        {"code": c, "name": n, "level": "village", "kind": k, "parent_code": c[:9] + "000"}
        for c, (n, k, _) in VILLAGES.items()
    ]
    geoms = [county.areas[r["code"]] for r in rows]
    return Context(areas=gpd.GeoDataFrame(rows, geometry=geoms, crs=4490))
