"""Every supported format reads into the same canonical layer; CRSs are converted."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from boundaries import coords
from boundaries.errors import ValidationFailed
from tests.importers.specs import prepare

CAMERA_ROWS = [
    ("51011600001310000001", "路口一", "一类", 90, 60, 80, "在线", 104.005, 30.515),
    ("51011600001320000002", "村口二", "三类", "", 360, 40, "离线", 104.035, 30.505),
]
CN_HEADER = ["设备编码", "名称", "类别", "朝向", "视场角", "可视距离", "状态", "经度", "纬度"]


def _camera_frame():
    return pd.DataFrame(CAMERA_ROWS, columns=CN_HEADER)


def _check_cameras(prepared):
    frame = prepared.frame
    assert list(frame["id"]) == [r[0] for r in CAMERA_ROWS]
    assert list(frame["category"]) == [1, 3]
    assert list(frame["status"]) == ["online", "offline"]
    assert frame["heading"].iloc[0] == 90 and frame["heading"].iloc[1] is None
    for geom, row in zip(frame.geometry, CAMERA_ROWS):
        assert geom.x == pytest.approx(row[7], abs=1e-9) and geom.y == pytest.approx(
            row[8], abs=1e-9
        )


def test_csv_with_chinese_headers(tmp_path, context):
    path = tmp_path / "cams.csv"
    _camera_frame().to_csv(path, index=False, encoding="utf-8-sig")
    _check_cameras(prepare("cameras", path, crs="wgs84", context=context))


def test_csv_in_gb18030(tmp_path, context):
    path = tmp_path / "cams.csv"
    _camera_frame().to_csv(path, index=False, encoding="gb18030")
    _check_cameras(prepare("cameras", path, crs="cgcs2000", context=context))


def test_xlsx(tmp_path, context):
    path = tmp_path / "cams.xlsx"
    _camera_frame().to_excel(path, index=False)
    _check_cameras(prepare("cameras", path, crs="wgs84", context=context))


def _camera_gdf():
    frame = _camera_frame()
    return gpd.GeoDataFrame(
        frame.drop(columns=["经度", "纬度"]),
        geometry=[Point(r[7], r[8]) for r in CAMERA_ROWS],
        crs=4490,
    )


def test_geopackage_and_shapefile_zipped_or_not(tmp_path, context):
    gdf = _camera_gdf()
    gpkg = tmp_path / "cams.gpkg"
    gdf.to_file(gpkg, layer="cameras", driver="GPKG")
    _check_cameras(prepare("cameras", gpkg, context=context))
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    # shapefile field names are at most 10 bytes: English aliases
    english = gdf.rename(
        columns=dict(
            zip(CN_HEADER[:7], ["id", "name", "category", "heading", "fov", "range", "status"])
        )
    )
    english.to_file(shp_dir / "cams.shp", encoding="utf-8")
    _check_cameras(prepare("cameras", shp_dir / "cams.shp", context=context))
    archive = tmp_path / "cams.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in shp_dir.iterdir():
            z.write(f, f.name)
    _check_cameras(prepare("cameras", archive, context=context))


def test_kml(tmp_path, context):
    # KML keeps other fields as ExtendedData; the placemark's own <name> is the camera name
    gdf = _camera_gdf().rename(columns={"名称": "Name"})
    path = tmp_path / "cams.kml"
    gdf.to_file(path, driver="KML")
    prepared = prepare("cameras", path, context=context)
    assert list(prepared.frame["id"]) == [r[0] for r in CAMERA_ROWS]
    assert prepared.crs == "EPSG:4326"


def test_gcj02_input_is_converted_with_the_exact_inverse(tmp_path, context):
    lon = np.array([r[7] for r in CAMERA_ROWS])
    lat = np.array([r[8] for r in CAMERA_ROWS])
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    frame = _camera_frame()
    frame["经度"], frame["纬度"] = glon, glat
    path = tmp_path / "amap.csv"
    frame.to_csv(path, index=False)
    _check_cameras(prepare("cameras", path, crs="gcj02", context=context))


def test_projected_gauss_kruger_input(tmp_path, context, county):
    grids = gpd.GeoDataFrame(
        {"code": ["510116001001001"], "name": ["一"], "kind": ["楼院型"]},
        geometry=[county.grids["510116001001001"]],
        crs=4490,
    ).to_crs(4544)
    path = tmp_path / "grids_gk.gpkg"
    grids.to_file(path)
    prepared = prepare("grids", path, context=context)
    got = prepared.frame.geometry.iloc[0]
    assert shapely.equals_exact(
        shapely.normalize(got.geoms[0]), shapely.normalize(county.grids["510116001001001"]), 1e-8
    )


def test_csv_without_crs_is_refused(tmp_path, context):
    path = tmp_path / "cams.csv"
    _camera_frame().to_csv(path, index=False)
    with pytest.raises(ValidationFailed) as info:
        prepare("cameras", path, context=context)
    assert "--crs" in str(info.value) and "cams.csv" in str(info.value)


def test_shapefile_without_prj_is_refused(tmp_path, context):
    shp_dir = tmp_path / "noprj"
    shp_dir.mkdir()
    gpd.GeoDataFrame(
        {"id": ["51011600001310000001"]}, geometry=[Point(104, 30.5)], crs=4490
    ).to_file(shp_dir / "c.shp")
    (shp_dir / "c.prj").unlink()
    with pytest.raises(ValidationFailed, match="coordinate system"):
        prepare("cameras", shp_dir / "c.shp", context=context)
