"""Export an area's grids as GeoJSON, GeoPackage or a zipped Shapefile.

Fields are the standard ones (15-digit codes as text, never numbers), in English or, with
``chinese=True``, with Chinese names. A Shapefile keeps field names in at most 10 bytes, and a
Chinese character takes 3 bytes in UTF-8, so its Chinese names have at most 3 characters
(编码, 名称, 村编码 …); the zip holds a ``.cpg`` saying UTF-8 and a ``.prj`` with the CGCS2000
(EPSG:4490) WKT, so ArcGIS and QGIS read both the text and the coordinates right.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
from sqlalchemy.orm import Session

from boundaries.codes import significant_prefix
from boundaries.errors import InvalidInput
from gis_api.core.auth import Principal
from gis_api.features.planning import store
from gis_api.features.planning.drafts import draft_frame
from gis_api.features.planning.features import CHINESE_NAMES
from gis_api.features.planning.history import predicted_codes
from gis_api.features.planning.versions import instant_of
from gis_api.schema.fields import DERIVED, DETAIL, KEY, PARENT, VERSION
from gis_api.schema.geojson import feature_collection
from gis_api.schema.layers import GRIDS, INTEGER, TIMESTAMP
from gis_api.schema.models import Draft

EXPORTED_ROLES = (KEY, PARENT, DERIVED, DETAIL, VERSION)
"""Everything but the audit fields (``AUDIT``: who wrote a version)."""

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "zip"),
}
EXPORTED = GRIDS.select(EXPORTED_ROLES)
"""The exported fields, in order (personal ones only for callers who may see them)."""
COLUMNS = [f.name for f in EXPORTED]
#: Shapefile names: at most 10 bytes in UTF-8 (a Chinese character is 3 bytes).
SHAPEFILE_NAMES = {f.name: f.shapefile_name for f in EXPORTED}
SHAPEFILE_CHINESE = {f.name: f.shapefile_label for f in EXPORTED}
CGCS2000_PRJ = pyproj.CRS.from_epsg(4490).to_wkt("WKT1_ESRI")


def _table(frame: gpd.GeoDataFrame, personal: bool) -> gpd.GeoDataFrame:
    """The export columns present in ``frame``, dates as ISO text, personal data only when
    ``personal``.
    """
    fields = GRIDS.select(EXPORTED_ROLES, personal=personal)
    columns = [f.name for f in fields if f.name in frame.columns]
    out = gpd.GeoDataFrame(
        {c: pd.Series(frame[c].tolist(), dtype=object) for c in columns},
        geometry=list(frame.geometry),
        crs=4490,
    )
    for c in (f.name for f in fields if f.type == TIMESTAMP and f.name in out.columns):
        out[c] = [None if v is None else v.isoformat() for v in out[c]]
    for c in (f.name for f in fields if f.type == INTEGER):
        if c in out.columns:
            out[c] = pd.array([None if pd.isna(v) else int(v) for v in out[c]], dtype="Int64")
    return out


def export_grids(
    frame: gpd.GeoDataFrame,
    *,
    fmt: str,
    name: str,
    chinese: bool = False,
    personal: bool = False,
) -> tuple[bytes, str, str]:
    """The grids in ``fmt``; returns (content, media type, file name)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format was {fmt!r} but is expected to be one of {list(FORMATS)}")
    media, extension = FORMATS[fmt]
    table = _table(frame, personal)
    filename = f"{name}.{extension}"
    if fmt == "geojson":
        columns = [c for c in table.columns if c != "geometry"]
        renamed = table.rename(columns=CHINESE_NAMES) if chinese else table
        columns = [c for c in renamed.columns if c != "geometry"]
        data = feature_collection(renamed, properties=columns, layer=GRIDS, name=name)
        return json.dumps(data, ensure_ascii=False).encode("utf-8"), media, filename
    with tempfile.TemporaryDirectory(prefix="gridmap-export-") as tmp:
        directory = Path(tmp)
        if fmt == "gpkg":
            renamed = table.rename(columns=CHINESE_NAMES) if chinese else table
            path = directory / filename
            renamed.to_file(path, driver="GPKG", layer="grids")
            return path.read_bytes(), media, filename
        names = SHAPEFILE_CHINESE if chinese else SHAPEFILE_NAMES
        renamed = table.rename(columns=names)
        too_long = [n for n in renamed.columns if len(n.encode("utf-8")) > 10]
        if too_long:  # a programming error: the tables above are wrong
            raise ValueError(f"Shapefile field names over 10 bytes: {too_long}")
        stem = directory / name
        renamed.to_file(stem.with_suffix(".shp"), driver="ESRI Shapefile", encoding="UTF-8")
        stem.with_suffix(".prj").write_text(CGCS2000_PRJ, encoding="ascii")
        stem.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(directory.iterdir()):
                archive.write(part, arcname=part.name)
        return buffer.getvalue(), media, filename


def area_frame(
    session: Session, code: str, *, version: int | None, principal: Principal
) -> gpd.GeoDataFrame:
    """The grids to export for an area: current ones, or a version of a village."""
    area = store.get_area(session, code)
    principal.check_area(code)
    if version is not None:
        if area.level != "village":
            raise InvalidInput("versions are kept per village or community; leave out `version`")
        frame = store.grids_frame(
            session, village_codes=[code], at=instant_of(session, code, version)
        )
    else:
        frame = store.grids_frame(session, prefix=significant_prefix(code))
    return _with_village_names(session, code, frame)


def draft_export_frame(session: Session, draft: Draft) -> gpd.GeoDataFrame:
    """A draft's grids with the codes publishing would give them now."""
    frame = draft_frame(session, draft)
    frame = frame.assign(code=predicted_codes(session, draft, frame))
    return _with_village_names(session, draft.area_code, frame)


def _with_village_names(session: Session, code: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    villages = store.villages_frame(session, code)
    names = dict(zip(villages["code"], villages["name"], strict=True))
    found = [names.get(v) for v in frame["village_code"]]
    return frame.assign(village_name=pd.Series(found, dtype=object, index=frame.index))
