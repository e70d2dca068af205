"""A small county drawn by hand for database tests: two towns, four villages, eight grids.

Layout (lon 104.00–104.04, lat 30.50–30.52)::

    +---------------------+---------------------+  30.52
    | 001001 (社区)        | 002001 (村)          |
    |  grid 001 | grid 002 |  grid 001 | grid 002 |
    +---------------------+---------------------+  30.51
    | 001002 (社区)        | 002002 (村)          |
    |  grid 001 | grid 002 |  grid 001 | grid 002 |
    +---------------------+---------------------+  30.50
   104.00     104.01     104.02     104.03     104.04

Town 510116001 is the west half, town 510116002 the east half.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import MultiPolygon, Point, box, mapping
from shapely.geometry.base import BaseGeometry

COUNTY = "510116000000"
TOWNS = {"510116001000": "东升街道", "510116002000": "彭镇"}
VILLAGES = {
    "510116001001": ("棠湖社区", "社区", box(104.00, 30.51, 104.02, 30.52)),
    "510116001002": ("白鹤社区", "社区", box(104.00, 30.50, 104.02, 30.51)),
    "510116002001": ("羊坪村", "村", box(104.02, 30.51, 104.04, 30.52)),
    "510116002002": ("观音村", "村", box(104.02, 30.50, 104.04, 30.51)),
}


@dataclass
class MiniCounty:
    """Paths of the layer files and the geometries they hold."""

    files: dict[str, Path]
    grids: dict[str, BaseGeometry]
    areas: dict[str, BaseGeometry]


def _fc(features: list[dict[str, object]]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geom: BaseGeometry, **props: object) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def grid_geoms() -> dict[str, BaseGeometry]:
    """The eight grids: each village cut in two at its middle longitude."""
    out: dict[str, BaseGeometry] = {}
    for code, (_, _, geom) in VILLAGES.items():
        minx, miny, maxx, maxy = geom.bounds
        mid = (minx + maxx) / 2
        out[code + "001"] = box(minx, miny, mid, maxy)
        out[code + "002"] = box(mid, miny, maxx, maxy)
    return out


def write_mini_county(directory: Path) -> MiniCounty:
    """Write admin-areas, grids, cameras, key sites and relocation sites as GeoJSON files."""
    directory.mkdir(parents=True, exist_ok=True)
    areas: dict[str, BaseGeometry] = {COUNTY: box(104.00, 30.50, 104.04, 30.52)}
    areas["510116001000"] = box(104.00, 30.50, 104.02, 30.52)
    areas["510116002000"] = box(104.02, 30.50, 104.04, 30.52)
    features = [_feature(MultiPolygon([areas[COUNTY]]), code=COUNTY, name="双流区", level="county")]
    for code, name in TOWNS.items():
        features.append(_feature(areas[code], code=code, name=name, level="town"))
    for code, (name, kind, geom) in VILLAGES.items():
        areas[code] = geom
        features.append(_feature(geom, code=code, name=name, level="village", kind=kind))
    files = {"admin-areas": directory / "areas.geojson"}
    files["admin-areas"].write_text(json.dumps(_fc(features), ensure_ascii=False), "utf-8")

    grids = grid_geoms()
    grid_features = []
    for i, (code, geom) in enumerate(sorted(grids.items())):
        kind = "楼院型" if code.startswith("510116001") else "村组型"
        grid_features.append(
            _feature(
                geom,
                code=code,
                name=f"第{code[-1]}网格",
                kind=kind,
                households=150 + 10 * i,
                population=400 + 25 * i,
                leader_name=f"网格员{i}",
                leader_phone=f"1380000{i:04d}",
            )
        )
    files["grids"] = directory / "grids.geojson"
    files["grids"].write_text(json.dumps(_fc(grid_features), ensure_ascii=False), "utf-8")

    cameras = [
        _feature(
            Point(104.005, 30.515),
            id="51011600001310000001",
            name="棠湖路口",
            category=1,
            heading=90,
            fov=60,
            range_m=80,
            status="online",
            owner="公安分局",
        ),
        _feature(
            Point(104.035, 30.505),
            id="51011600001320000002",
            name="观音村口",
            category=3,
            heading=None,
            fov=360,
            range_m=40,
            status="offline",
            owner="观音村",
        ),
    ]
    files["cameras"] = directory / "cameras.geojson"
    files["cameras"].write_text(json.dumps(_fc(cameras), ensure_ascii=False), "utf-8")

    sites = [
        _feature(Point(104.012, 30.512), code="KS001", kind="学校", name="棠湖小学"),
        _feature(
            box(104.031, 30.501, 104.032, 30.502), code="KS002", kind="market", name="观音市场"
        ),
    ]
    files["key-sites"] = directory / "key_sites.geojson"
    files["key-sites"].write_text(json.dumps(_fc(sites), ensure_ascii=False), "utf-8")

    relocation = [
        _feature(
            box(104.025, 30.512, 104.027, 30.514),
            code="RS001",
            name="羊坪安置小区",
            households=120,
            population=380,
            managing_area_code="510116002001",
            management="attached",
            origin_village_codes="510116001002;510116002002",
        ),
    ]
    files["relocation-sites"] = directory / "relocation.geojson"
    files["relocation-sites"].write_text(json.dumps(_fc(relocation), ensure_ascii=False), "utf-8")
    return MiniCounty(files=files, grids=grids, areas=areas)
