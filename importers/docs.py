"""Render docs/importing.md from the layer specs and the column names.

The specs are handed in (they are declared in ``gis_api.schema.layers``); write the file with
``python -m gis_api.schema.layers > docs/importing.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from importers.layers import LayerSpec
from importers.values import KEY_SITE_KINDS

HEADER = """# Importing layers

`gridmap import LAYER PATH [--crs wgs84|cgcs2000|gcj02|bd09|EPSG:n] [--layer NAME] [--dry-run]`
(or `POST /v1/imports/{layer}` with the file as multipart `file` and `crs`/`file_layer` fields).

- **Formats**: GeoJSON, GeoPackage (`--layer` picks a layer), Shapefile (`.shp` beside its
  `.dbf`/`.prj`, or all of them zipped), KML/KMZ, CSV (UTF-8 or GB18030) and XLSX (`--layer`
  picks a sheet) with longitude/latitude columns (`lon`/`lat`, `lng`, `longitude`/`latitude`,
  `x`/`y`, `经度`/`纬度`) or a WKT column.
- **Coordinate systems**: a file that says its CRS is converted from it; `--crs` overrides it
  (AMap/Tencent data labelled WGS84 is really `gcj02`). CSV and XLSX never say theirs, so they
  need `--crs`. WGS84 and CGCS2000 are taken as equal (centimetres apart); GCJ-02 and BD-09 are
  converted with the exact iterative inverse; any other EPSG code through PROJ. Everything is
  stored in EPSG:4490.
- **All or nothing**: every row is checked first; one problem and nothing is written. The report
  names the file, the row (the feature number, or the line of a CSV), the field and the reason,
  and for geometry the vertex and the place. `--dry-run` checks and counts without writing.
- **Upsert by code**: re-importing the same file changes nothing. A grid that differs from the
  stored one is never updated in place: its version is closed (`valid_to`) and the next written.
- **Jurisdiction**: over HTTP, a key limited to an area may only import features inside it.

Column names are compared without case, spaces, `_` or `-`. Unknown columns are ignored (and
listed in the report).
"""


def render(layers: Mapping[str, LayerSpec]) -> str:
    """The whole document."""
    parts = [HEADER]
    for spec in layers.values():
        parts.append(f"\n## `{spec.name}` — {spec.title}\n")
        geometry = {
            "polygon": "Polygon or MultiPolygon (stored as MultiPolygon)",
            "point": "Point",
            "point_or_polygon": "Point, Polygon or MultiPolygon",
        }[spec.geometry]
        parts.append(f"Geometry: {geometry}. Key: `{spec.key}`.\n")
        parts.append("| field | required | accepted column names | notes |\n|---|---|---|---|")
        for f in spec.fields:
            names = ", ".join(f"`{n}`" for n in f.column_names)
            if f.name == spec.key and spec.key == "code":
                names += ", `id`"
            parts.append(f"| `{f.name}` | {'yes' if f.required else ''} | {names} | {f.note} |")
    parts.append("\n## Key site kinds\n")
    parts.append("| kind | also accepted |\n|---|---|")
    for kind, spellings in KEY_SITE_KINDS.items():
        parts.append(f"| `{kind}` | {', '.join(spellings)} |")
    return "\n".join(parts) + "\n"
