"""Read a layer file of any supported format into one table with a geometry column.

GeoJSON, GeoPackage, Shapefile (plain or zipped), KML/KMZ through GDAL (pyogrio); CSV and
XLSX with lon/lat (or WKT) columns through pandas. Rows keep their position so that every
message can name the feature (1-based) or, for CSV, the line of the file.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from boundaries.errors import InvalidInput, Problem
from importers.columns import normalise
from importers.values import control_character

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".kml", ".kmz", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
LON_NAMES = {normalise(n) for n in ("lon", "lng", "long", "longitude", "x", "经度")}
LAT_NAMES = {normalise(n) for n in ("lat", "latitude", "y", "纬度")}
KML_STRUCTURAL = {
    "id",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
}
WKT_NAMES = {normalise(n) for n in ("wkt", "geometry", "geom", "the_geom", "几何")}


@dataclass
class SourceTable:
    """A file's rows as a GeoDataFrame, with what is known of its CRS and how to name rows."""

    path: Path
    frame: gpd.GeoDataFrame
    crs: CRS | None
    row_word: str = "feature"
    first_row: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return self.path.name

    def row_number(self, position: int) -> int:
        """The number a person finds the row by (feature n, or CSV line n)."""
        return position + self.first_row

    def problem(self, position: int, reason: str, **kw: str | None) -> Problem:
        """A problem located at row ``position`` of this file."""
        return Problem(
            reason=reason,
            file=self.name,
            row=self.row_number(position),
            row_word=self.row_word,
            **kw,
        )


def read_source(path: str | Path, *, layer: str | None = None) -> SourceTable:
    """Read ``path``; ``layer`` picks a GeoPackage layer or a spreadsheet sheet."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        return _read_vector(path, layer)
    if suffix in TABLE_SUFFIXES:
        return _read_table(path, layer)
    raise InvalidInput(
        f"{path.name}: unsupported file type {suffix!r}; use GeoJSON, GeoPackage, Shapefile "
        f"(.shp or .zip), KML/KMZ, CSV or XLSX"
    )


def _gdal_path(path: Path) -> str:
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX")]
    except zipfile.BadZipFile:
        raise InvalidInput(f"{path.name}: not a readable zip archive") from None
    for wanted in (".shp", ".gpkg", ".geojson", ".kml"):
        inner = [n for n in names if n.lower().endswith(wanted)]
        if len(inner) > 1 and wanted == ".shp":
            raise InvalidInput(f"{path.name}: holds several shapefiles {inner}; zip one per file")
        if inner:
            return f"/vsizip/{path}/{inner[0]}"
    raise InvalidInput(f"{path.name}: the archive holds no .shp, .gpkg, .geojson or .kml")


def _read_vector(path: Path, layer: str | None) -> SourceTable:
    source = _gdal_path(path)
    try:
        layers = pyogrio.list_layers(source)
    except Exception as exc:  # noqa: BLE001 - GDAL raises several kinds; all mean unreadable
        raise InvalidInput(f"{path.name}: cannot be read as a vector file ({exc})") from None
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if layer is None and len(names) > 1 and path.suffix.lower() in (".gpkg", ".zip"):
        raise InvalidInput(f"{path.name} has several layers {names}: choose one with --layer")
    if layer is not None and layer not in names:
        raise InvalidInput(f"{path.name} has no layer {layer!r}; its layers are {names}")
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(f"{path.name}: cannot be read ({exc})") from None
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
    crs = frame.crs
    if path.suffix.lower() in (".kml", ".kmz"):
        crs = CRS.from_epsg(4326)  # KML is WGS84 by definition
        # GDAL's own KML columns (the placemark's XML id, styling, time) are not data
        structural = [c for c in frame.columns if c in KML_STRUCTURAL]
        frame = frame.drop(columns=structural)
    frame = frame.reset_index(drop=True)
    problems = _json_nul_problems(path) if path.suffix.lower() in (".geojson", ".json") else []
    return SourceTable(
        path=path,
        frame=frame,
        crs=CRS.from_user_input(crs) if crs else None,
        problems=problems,
    )


def _json_nul_problems(path: Path) -> list[Problem]:
    """GDAL ends a GeoJSON string at an escaped NUL (``u0000``), so ``values.text`` never
    sees it: find such properties in the file itself (only when the escape occurs at all).
    """
    data = path.read_bytes()
    if b"\\u0000" not in data:
        return []
    try:
        features = json.loads(data).get("features") or []
    except (ValueError, AttributeError):
        return []  # GDAL has read it; a file json cannot parse is left to GDAL's reading
    problems = []
    for position, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for name, value in (props or {}).items():
            why = control_character(value) if isinstance(value, str) else None
            if why is not None:
                problems.append(
                    Problem(
                        reason=why,
                        file=path.name,
                        row=position + 1,
                        row_word="feature",
                        field=str(name),
                    )
                )
    return problems


MAX_CSV_COLUMNS = 1000
"""Columns a CSV may have; checked on its first line before parsing (garbage is slow to parse)."""
SHOWN_COLUMNS = 20
"""An error about a table's columns names at most this many (a garbage header can be huge)."""


def check_csv_width(data: bytes, what: str) -> None:
    """``InvalidInput`` when the first line of a CSV has more than ``MAX_CSV_COLUMNS`` columns."""
    end = data.find(b"\n")
    columns = data[: end if end >= 0 else len(data)].count(b",") + 1
    if columns > MAX_CSV_COLUMNS:
        raise InvalidInput(
            f"{what}: the first line has {columns:,} columns; at most {MAX_CSV_COLUMNS:,} "
            "are accepted"
        )


def describe_columns(columns: list[str]) -> str:
    """``N columns: [first SHOWN_COLUMNS names, clipped] and M more``, for error messages."""
    found = [c if len(c) <= 40 else c[:40] + "…" for c in columns[:SHOWN_COLUMNS]]
    more = f" and {len(columns) - SHOWN_COLUMNS:,} more" if len(columns) > SHOWN_COLUMNS else ""
    return f"{len(columns):,} columns: {found}{more}"


def _read_csv_bytes(data: bytes, path: Path) -> pd.DataFrame:
    check_csv_width(data, path.name)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding
            )
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InvalidInput(f"{path.name}: not a readable CSV ({exc})") from None
    raise InvalidInput(f"{path.name}: the CSV is neither UTF-8 nor GB18030 text")


def _read_table(path: Path, layer: str | None) -> SourceTable:
    if path.suffix.lower() in (".csv", ".txt"):
        table = _read_csv_bytes(path.read_bytes(), path)
        word, first = "line", 2
    else:
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise InvalidInput(f"{path.name}: not a readable spreadsheet ({exc})") from None
        if layer is None and len(sheets) > 1:
            raise InvalidInput(
                f"{path.name} has several sheets {list(sheets)}: choose with --layer"
            )
        if layer is not None and layer not in sheets:
            raise InvalidInput(f"{path.name} has no sheet {layer!r}; its sheets are {list(sheets)}")
        table = sheets[layer] if layer is not None else next(iter(sheets.values()))
        word, first = "spreadsheet row", 2
    table.columns = [str(c).strip().lstrip("\ufeff") for c in table.columns]
    geoms, used, problems = _table_geometry(table, path, first, word)
    table = table.drop(columns=used).reset_index(drop=True)
    frame = gpd.GeoDataFrame(table, geometry=geoms)
    return SourceTable(
        path=path, frame=frame, crs=None, row_word=word, first_row=first, problems=problems
    )


def _table_geometry(
    table: pd.DataFrame, path: Path, first: int, word: str
) -> tuple[gpd.GeoSeries, list[str], list[Problem]]:
    """Geometry from lon/lat columns or from a WKT column (and which columns held it)."""
    normalised = {normalise(c): c for c in table.columns}
    lon_col = next((normalised[n] for n in normalised if n in LON_NAMES), None)
    lat_col = next((normalised[n] for n in normalised if n in LAT_NAMES), None)
    wkt_col = next((normalised[n] for n in normalised if n in WKT_NAMES), None)
    problems: list[Problem] = []
    n = len(table)
    if lon_col and lat_col:
        lon = pd.to_numeric(table[lon_col].str.strip(), errors="coerce").to_numpy(np.float64)
        lat = pd.to_numeric(table[lat_col].str.strip(), errors="coerce").to_numpy(np.float64)
        bad = np.flatnonzero(np.isnan(lon) | np.isnan(lat))
        for i in bad[:200]:
            problems.append(
                Problem(
                    reason=f"{lon_col}={table[lon_col].iat[i]!r}, {lat_col}="
                    f"{table[lat_col].iat[i]!r} is not a pair of numbers",
                    file=path.name,
                    row=int(i) + first,
                    row_word=word,
                    field=f"{lon_col}/{lat_col}",
                )
            )
        geoms = shapely.points(lon, lat)
        geoms[np.isnan(lon) | np.isnan(lat)] = None
        return gpd.GeoSeries(geoms), [lon_col, lat_col], problems
    if wkt_col:
        values = table[wkt_col].to_numpy(dtype=object)
        geoms = np.empty(n, dtype=object)
        for i, text in enumerate(values):
            try:
                geoms[i] = shapely.from_wkt(text) if text else None
            except shapely.errors.GEOSException as exc:
                problems.append(
                    Problem(
                        reason=f"not readable WKT ({exc})",
                        file=path.name,
                        row=i + first,
                        row_word=word,
                        field=wkt_col,
                    )
                )
                geoms[i] = None
        return gpd.GeoSeries(geoms), [wkt_col], problems
    raise InvalidInput(
        f"{path.name}: a {word.split()[-1]} table needs longitude and latitude columns "
        f"(lon/lat, lng, longitude/latitude, x/y, 经度/纬度) or a WKT column; "
        f"found {describe_columns([str(c) for c in table.columns])}"
    )
