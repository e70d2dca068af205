"""Write the demo layers as files, the way a user would supply them to the importers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gis_api.features.demo.synth import DemoCounty

CAMERA_HEADERS = {
    "id": "设备编码",
    "name": "名称",
    "category": "类别",
    "heading": "朝向",
    "fov": "视场角",
    "range_m": "可视距离",
    "status": "状态",
    "owner": "权属单位",
}
CATEGORY_NAMES = {1: "一类", 2: "二类", 3: "三类"}
STATUS_NAMES = {"online": "在线", "offline": "离线"}


def write_demo_files(county: DemoCounty, directory: Path) -> dict[str, Path]:
    """Write the layers of ``county`` into ``directory`` (created if missing).

    - ``admin_areas.geojson``: code, name, level, kind, parent_code;
    - ``grids.gpkg`` (layer ``grids``) and ``buildings.gpkg`` (layer ``buildings``), canonical
      column names;
    - ``cameras.csv``: Chinese headers (设备编码, 名称, 类别, 朝向, 视场角, 可视距离, 状态,
      权属单位, 经度, 纬度), category as 一类/二类/三类, status as 在线/离线, UTF-8 with BOM;
    - ``key_sites.geojson``;
    - ``relocation_sites.geojson`` with ``origin_village_codes`` joined by ``;``.

    Returns the paths keyed "admin-areas", "grids", "buildings", "cameras", "key-sites",
    "relocation-sites".
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "admin-areas": directory / "admin_areas.geojson",
        "grids": directory / "grids.gpkg",
        "buildings": directory / "buildings.gpkg",
        "cameras": directory / "cameras.csv",
        "key-sites": directory / "key_sites.geojson",
        "relocation-sites": directory / "relocation_sites.geojson",
    }
    for path in paths.values():
        path.unlink(missing_ok=True)  # GeoPackage and GeoJSON drivers refuse to overwrite
    county.admin_areas.to_file(paths["admin-areas"], driver="GeoJSON")
    county.grids.to_file(paths["grids"], layer="grids", driver="GPKG")
    county.buildings.to_file(paths["buildings"], layer="buildings", driver="GPKG")
    county.key_sites.to_file(paths["key-sites"], driver="GeoJSON")
    reloc = county.relocation_sites.copy()
    reloc["origin_village_codes"] = reloc["origin_village_codes"].map(";".join)
    reloc.to_file(paths["relocation-sites"], driver="GeoJSON")

    cams = county.cameras
    table = pd.DataFrame({CAMERA_HEADERS[c]: cams[c] for c in CAMERA_HEADERS})
    table["类别"] = cams["category"].map(CATEGORY_NAMES)
    table["状态"] = cams["status"].map(STATUS_NAMES)
    table["经度"] = cams.geometry.x.round(7)
    table["纬度"] = cams.geometry.y.round(7)
    table.to_csv(paths["cameras"], index=False, encoding="utf-8-sig")
    return paths
