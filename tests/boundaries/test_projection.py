"""Tests for boundaries.projection: zone choice, projecting to metres and back, measuring."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from boundaries.errors import CoordinatesOutOfRange
from boundaries.projection import (
    area_m2,
    from_metric,
    gk_epsg_for_bounds,
    gk_epsg_for_lon,
    length_m,
    to_metric,
)

GEOD = pyproj.Geod(ellps="GRS80")  # the ellipsoid of CGCS2000


def central_meridian(epsg: int) -> float:
    """The central meridian of a transverse Mercator CRS, read from pyproj."""
    params = pyproj.CRS.from_epsg(epsg).coordinate_operation.params
    (value,) = [p.value for p in params if p.name == "Longitude of natural origin"]
    return value


def square_km(lon: float, lat: float) -> Polygon:
    """A square of about 1 km side with its south-west corner at (lon, lat)."""
    dlat = 1000.0 / 111_000.0
    dlon = dlat / math.cos(math.radians(lat))
    return box(lon, lat, lon + dlon, lat + dlat)


def geod_area(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def geod_perimeter(geom) -> float:
    return GEOD.geometry_area_perimeter(geom)[1]


def test_zone_for_chengdu_is_4544_with_central_meridian_105():
    assert gk_epsg_for_lon(104.0) == 4544
    assert central_meridian(4544) == 105.0
    assert "Gauss-Kruger CM 105E" in pyproj.CRS.from_epsg(4544).name


@pytest.mark.parametrize("epsg", range(4534, 4555))
def test_each_gk_zone_is_chosen_at_its_own_central_meridian(epsg):
    cm = central_meridian(epsg)
    assert pyproj.CRS.from_epsg(epsg).datum.name.startswith("China 2000")
    assert gk_epsg_for_lon(cm) == epsg
    assert gk_epsg_for_lon(cm - 1.49) == epsg
    assert gk_epsg_for_lon(cm + 1.49) == epsg


def test_chosen_gk_zone_is_the_nearest_central_meridian():
    rng = np.random.default_rng(3)
    for lon in rng.uniform(73.5, 136.49, 500):
        assert abs(central_meridian(gk_epsg_for_lon(lon)) - lon) <= 1.5


def test_helsinki_falls_back_to_utm_35n():
    epsg = gk_epsg_for_lon(24.9, 60.2)
    assert epsg == 32635
    assert pyproj.CRS.from_epsg(epsg).name == "WGS 84 / UTM zone 35N"


@pytest.mark.parametrize(
    ("lon", "lat", "name"),
    [
        (72.0, 40.0, "WGS 84 / UTM zone 43N"),
        (137.0, 35.0, "WGS 84 / UTM zone 53N"),
        (120.0, -30.0, "WGS 84 / UTM zone 51S"),
        (-74.0, 40.7, "WGS 84 / UTM zone 18N"),
    ],
)
def test_outside_the_gk_band_the_utm_zone_is_used(lon, lat, name):
    assert pyproj.CRS.from_epsg(gk_epsg_for_lon(lon, lat)).name == name


def test_zone_for_bounds_uses_the_centre():
    assert gk_epsg_for_bounds(103.0, 30.0, 104.2, 31.0) == gk_epsg_for_lon(103.6, 30.5)
    assert gk_epsg_for_bounds(24.8, 60.1, 25.0, 60.3) == 32635


def test_bad_zone_inputs_are_rejected():
    with pytest.raises(CoordinatesOutOfRange):
        gk_epsg_for_lon(181.0)
    with pytest.raises(CoordinatesOutOfRange):
        gk_epsg_for_lon(104.0, 95.0)
    with pytest.raises(ValueError, match="minx <= maxx"):
        gk_epsg_for_bounds(105.0, 30.0, 104.0, 31.0)
    with pytest.raises(ValueError, match="finite"):
        gk_epsg_for_bounds(float("nan"), 30.0, 104.0, 31.0)


def test_area_of_a_square_km_near_chengdu_agrees_with_the_geodesic_area():
    sq = square_km(104.0, 30.6)
    expected = geod_area(sq)
    assert 0.9e6 < expected < 1.1e6
    assert area_m2(sq) == pytest.approx(expected, rel=1e-3)
    assert length_m(sq) == pytest.approx(geod_perimeter(sq), rel=1e-3)


def test_area_in_helsinki_agrees_with_the_geodesic_area():
    sq = square_km(24.94, 60.17)
    assert area_m2(sq) == pytest.approx(geod_area(sq), rel=1e-3)


def test_area_of_a_series_measures_each_geometry_in_its_own_zone():
    chengdu, harbin, kashgar = square_km(104.0, 30.6), square_km(126.6, 45.7), square_km(76.0, 39.5)
    series = gpd.GeoSeries(
        [chengdu, None, Polygon(), harbin, kashgar], index=list("abcde"), crs=4490
    )
    areas = area_m2(series)
    assert list(areas.index) == list("abcde")
    assert math.isnan(areas["b"]) and areas["c"] == 0.0
    for key, geom in {"a": chengdu, "d": harbin, "e": kashgar}.items():
        assert areas[key] == pytest.approx(geod_area(geom), rel=1e-3)
    frame = gpd.GeoDataFrame({"n": range(5)}, geometry=series.values, index=series.index)
    assert area_m2(frame).equals(areas)


def test_length_of_a_line_agrees_with_the_geodesic_length():
    line = LineString([(104.0, 30.6), (104.05, 30.62), (104.08, 30.7)])
    expected = GEOD.geometry_length(line)
    assert length_m(gpd.GeoSeries([line], crs=4326)).iloc[0] == pytest.approx(expected, rel=1e-3)


def test_to_metric_matches_geopandas_to_crs_and_chooses_the_zone():
    series = gpd.GeoSeries([square_km(104.0, 30.6), Point(104.3, 30.9)], crs=4490)
    projected, epsg = to_metric(series)
    assert epsg == 4544 and projected.crs.to_epsg() == 4544
    reference = series.to_crs(4544)
    for ours, theirs in zip(projected, reference, strict=True):
        assert shapely.equals_exact(ours, theirs, tolerance=1e-6)


def test_to_metric_then_from_metric_round_trips_within_1e_9_degrees():
    rng = np.random.default_rng(11)
    centres = rng.uniform([103.5, 30.2], [104.5, 31.0], size=(50, 2))
    polygons = [Point(x, y).buffer(0.01, 8) for x, y in centres]
    frame = gpd.GeoDataFrame({"k": range(50)}, geometry=polygons, crs=4490, index=range(100, 150))
    projected, epsg = to_metric(frame)
    assert isinstance(projected, gpd.GeoDataFrame) and list(projected["k"]) == list(range(50))
    back = from_metric(projected, epsg)
    assert isinstance(back, gpd.GeoDataFrame) and back.crs.to_epsg() == 4490
    assert list(back.index) == list(frame.index)
    original = shapely.get_coordinates(frame.geometry.values)
    returned = shapely.get_coordinates(back.geometry.values)
    assert np.abs(original - returned).max() < 1e-9


def test_a_bare_geometry_round_trips_and_keeps_its_z():
    point = Point(104.0, 30.6, 500.0)
    projected, epsg = to_metric(point)
    assert isinstance(projected, Point) and projected.has_z and projected.z == 500.0
    back = from_metric(projected, epsg)
    assert abs(back.x - 104.0) < 1e-9 and abs(back.y - 30.6) < 1e-9 and back.z == 500.0


def test_to_metric_uses_a_given_epsg():
    projected, epsg = to_metric(Point(104.0, 30.6), epsg=4543)
    assert epsg == 4543
    expected = pyproj.Transformer.from_crs(4490, 4543, always_xy=True).transform(104.0, 30.6)
    assert projected.x == pytest.approx(expected[0]) and projected.y == pytest.approx(expected[1])


def test_bad_inputs_to_to_metric_are_rejected():
    with pytest.raises(ValueError, match="no CRS"):
        to_metric(gpd.GeoSeries([Point(104.0, 30.6)]))
    with pytest.raises(ValueError, match="EPSG:4490"):
        to_metric(gpd.GeoSeries([Point(400000.0, 3300000.0)], crs=4544))
    with pytest.raises(ValueError, match="projected CRS in metres"):
        to_metric(Point(104.0, 30.6), epsg=4326)
    with pytest.raises(ValueError, match="empty"):
        to_metric(gpd.GeoSeries([Polygon()], crs=4490))
    with pytest.raises(TypeError):
        to_metric([Point(104.0, 30.6)])  # type: ignore[type-var]


def test_from_metric_refuses_data_in_another_crs():
    projected, _ = to_metric(gpd.GeoSeries([Point(104.0, 30.6)], crs=4490))
    with pytest.raises(ValueError, match="must agree"):
        from_metric(projected, 4543)
