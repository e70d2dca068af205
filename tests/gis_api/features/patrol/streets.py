"""A street grid for the small county (tests/gis_api/county.py): 9 north–south streets every
0.005° of longitude and 5 east–west streets every 0.005° of latitude, all residential, with one
one-way street, an island segment that touches nothing, and lines partly or wholly outside.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import LineString, mapping

LONS = [round(104.0 + 0.005 * i, 3) for i in range(9)]
LATS = [round(30.50 + 0.005 * i, 3) for i in range(5)]
ONE_WAY_LAT = 30.505
"""The east–west street at this latitude is one-way, eastbound."""
ISLAND = LineString([(104.0315, 30.5125), (104.0335, 30.5125)])
"""Between the streets at 104.030 and 104.035: it touches neither."""
OUTSIDE = LineString([(104.06, 30.51), (104.07, 30.51)])
CROSSING_OUT = LineString([(103.99, 30.5075), (104.0025, 30.5075)])


def street_lines() -> list[tuple[LineString, dict[str, object]]]:
    """The lines with their properties."""
    out: list[tuple[LineString, dict[str, object]]] = []
    for i, lon in enumerate(LONS):
        out.append(
            (
                LineString([(lon, LATS[0]), (lon, LATS[-1])]),
                {"highway": "residential", "name": f"南北{i}街"},
            )
        )
    for j, lat in enumerate(LATS):
        props = {"highway": "residential", "name": f"东西{j}路"}
        if lat == ONE_WAY_LAT:
            props["oneway"] = "yes"
        out.append((LineString([(LONS[0], lat), (LONS[-1], lat)]), props))
    out.append((ISLAND, {"highway": "residential", "name": "孤岛巷"}))
    out.append((OUTSIDE, {"highway": "residential", "name": "县外路"}))
    out.append((CROSSING_OUT, {"highway": "residential", "name": "出县路"}))
    return out


def write_streets(
    directory: Path, lines: list[tuple[LineString, dict[str, object]]] | None = None
) -> Path:
    """Write the street grid as GeoJSON (WGS84) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for geom, props in (lines if lines is not None else street_lines())
        ],
    }
    path = directory / "streets.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path
