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
from gis_api.features.planning.features import CHINESE_NAMES, feature_collection
from gis_api.features.planning.versions import instant_of
from gis_api.schema.models import Draft

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "zip"),
}
COLUMNS = [
    "code",
    "name",
    "kind",
    "village_code",
    "village_name",
    "households",
    "population",
    "leader_name",
    "leader_phone",
    "version",
    "valid_from",
    "valid_to",
]
#: Shapefile names: at most 10 bytes in UTF-8 (a Chinese character is 3 bytes).
SHAPEFILE_NAMES = {
    "code": "code",
    "name": "name",
    "kind": "kind",
    "village_code": "village_cd",
    "village_name": "village_nm",
    "households": "households",
    "population": "population",
    "leader_name": "leader",
    "leader_phone": "phone",
    "version": "version",
    "valid_from": "valid_from",
    "valid_to": "valid_to",
}
SHAPEFILE_CHINESE = {
    "code": "编码",
    "name": "名称",
    "kind": "类型",
    "village_code": "村编码",
    "village_name": "村名称",
    "households": "户数",
    "population": "人口",
    "leader_name": "网格长",
    "leader_phone": "电话",
    "version": "版本",
    "valid_from": "生效",
    "valid_to": "失效",
}
CGCS2000_PRJ = pyproj.CRS.from_epsg(4490).to_wkt("WKT1_ESRI")


def _table(frame: gpd.GeoDataFrame, personal: bool) -> gpd.GeoDataFrame:
    """The export columns present in ``frame``, dates as ISO text, no phones unless personal."""
    columns = [c for c in COLUMNS if c in frame.columns and (personal or c != "leader_phone")]
    out = gpd.GeoDataFrame(
        {c: pd.Series(frame[c].tolist(), dtype=object) for c in columns},
        geometry=list(frame.geometry),
        crs=4490,
    )
    for c in ("valid_from", "valid_to"):
        if c in out.columns:
            out[c] = [None if v is None else v.isoformat() for v in out[c]]
    for c in ("households", "population", "version"):
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
        data = feature_collection(table, properties=columns)
        if chinese:
            for feature in data["features"]:
                feature["properties"] = {
                    CHINESE_NAMES.get(k, k): v for k, v in feature["properties"].items()
                }
        data = {"type": "FeatureCollection", "name": name, "features": data["features"]}
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
    from gis_api.features.planning.history import predicted_codes

    frame = draft_frame(session, draft)
    frame = frame.assign(code=predicted_codes(session, draft, frame))
    return _with_village_names(session, draft.area_code, frame)


def _with_village_names(session: Session, code: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    villages = store.villages_frame(session, code)
    names = dict(zip(villages["code"], villages["name"], strict=True))
    found = [names.get(v) for v in frame["village_code"]]
    return frame.assign(village_name=pd.Series(found, dtype=object, index=frame.index))
