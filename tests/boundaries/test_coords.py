"""Tests for boundaries.coords: GCJ-02 / BD-09 conversions and their exact inverses."""

from __future__ import annotations

import warnings

import numpy as np
import prcoords
import pyproj
import pytest

from boundaries.coords import CRS_NAMES, convert, from_wgs84, to_wgs84
from boundaries.errors import CoordinatesOutOfRange, UnknownCRS

GEOD = pyproj.Geod(ellps="WGS84")

# Just inside and just outside the rectangle the standard algorithm calls "China".
RECT_LON = (72.004, 137.8347)
RECT_LAT = (0.8293, 55.8271)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres, computed by pyproj."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture(scope="module")
def china_points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240301)
    n = 20_000
    return rng.uniform(73.5, 135.0, n), rng.uniform(18.0, 53.5, n)


def test_round_trip_wgs84_gcj02_is_below_a_millimetre(china_points):
    lon, lat = china_points
    back = to_wgs84(*from_wgs84(lon, lat, "gcj02"), "gcj02")
    assert metres(lon, lat, *back).max() < 0.001


def test_round_trip_wgs84_bd09_is_below_a_millimetre(china_points):
    lon, lat = china_points
    back = to_wgs84(*from_wgs84(lon, lat, "bd09"), "bd09")
    assert metres(lon, lat, *back).max() < 0.001


def test_round_trip_gcj02_bd09_is_below_a_millimetre(china_points):
    lon, lat = china_points
    back = convert(*convert(lon, lat, "gcj02", "bd09"), "bd09", "gcj02")
    assert metres(lon, lat, *back).max() < 0.001


def test_inverse_gcj02_reproduces_the_input_through_the_forward_function(china_points):
    # Take the random points as GCJ-02 input: the inverse must be a preimage to 1e-10 degrees.
    lon, lat = china_points
    forward = from_wgs84(*to_wgs84(lon, lat, "gcj02"), "gcj02")
    assert np.abs(forward[0] - lon).max() < 1e-9
    assert np.abs(forward[1] - lat).max() < 1e-9


def test_inverse_bd09_reproduces_the_input_through_the_forward_function(china_points):
    lon, lat = china_points
    forward = convert(*convert(lon, lat, "bd09", "gcj02"), "gcj02", "bd09")
    assert np.abs(forward[0] - lon).max() < 1e-9
    assert np.abs(forward[1] - lat).max() < 1e-9


def test_one_step_approximation_is_worse_than_the_exact_inverse_and_metres_off(china_points):
    lon, lat = china_points
    gcj_lon, gcj_lat = from_wgs84(lon, lat, "gcj02")
    shifted_lon, shifted_lat = from_wgs84(gcj_lon, gcj_lat, "gcj02")
    approx = (2 * gcj_lon - shifted_lon, 2 * gcj_lat - shifted_lat)
    approx_error = metres(lon, lat, *approx)
    exact_error = metres(lon, lat, *to_wgs84(gcj_lon, gcj_lat, "gcj02"))
    assert approx_error.max() > 1.0
    assert approx_error.max() > 1000 * exact_error.max()


def _independent_points() -> tuple[np.ndarray, np.ndarray]:
    """Random points in China, plus points just inside and outside the rectangle's edges."""
    rng = np.random.default_rng(7)
    lon = list(rng.uniform(73.5, 135.0, 2000))
    lat = list(rng.uniform(18.0, 53.5, 2000))
    eps = 1e-6
    for edge_lon in RECT_LON:
        for d in (-eps, eps):
            lon.append(edge_lon + d)
            lat.append(30.0)
    for edge_lat in RECT_LAT:
        for d in (-eps, eps):
            lon.append(110.0)
            lat.append(edge_lat + d)
    return np.array(lon), np.array(lat)


def test_forward_gcj02_matches_prcoords():
    lon, lat = _independent_points()
    ours = from_wgs84(lon, lat, "gcj02")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prcoords warns about the points outside "China"
        theirs = np.array([prcoords.wgs_gcj((y, x)) for x, y in zip(lon, lat, strict=True)])
    assert np.abs(ours[0] - theirs[:, 1]).max() < 1e-9
    assert np.abs(ours[1] - theirs[:, 0]).max() < 1e-9
    # The edge points: those outside the rectangle were left alone by both.
    assert np.array_equal(ours[0][-8:] == lon[-8:], theirs[-8:, 1] == lon[-8:])


def test_forward_bd09_from_gcj02_matches_prcoords():
    lon, lat = _independent_points()
    ours = convert(lon, lat, "gcj02", "bd09")
    theirs = np.array([prcoords.gcj_bd((y, x)) for x, y in zip(lon, lat, strict=True)])
    assert np.abs(ours[0] - theirs[:, 1]).max() < 1e-9
    assert np.abs(ours[1] - theirs[:, 0]).max() < 1e-9


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(24.94, 60.17), (-74.006, 40.7128), (139.7, 35.7), (151.2, -33.87)],
    ids=["helsinki", "new-york", "tokyo", "sydney"],
)
def test_gcj02_leaves_points_outside_china_unchanged(lon, lat):
    assert from_wgs84(lon, lat, "gcj02") == (lon, lat)
    assert to_wgs84(lon, lat, "gcj02") == (lon, lat)


def test_shift_near_chengdu_is_a_few_hundred_metres():
    shifted = from_wgs84(104.0, 30.6, "gcj02")
    d = metres(104.0, 30.6, *shifted)
    assert 100.0 < d < 1000.0


def test_wgs84_and_cgcs2000_are_identical(china_points):
    lon, lat = china_points
    same = convert(lon, lat, "wgs84", "cgcs2000")
    assert np.array_equal(same[0], lon) and np.array_equal(same[1], lat)
    via_cgcs = convert(lon, lat, "cgcs2000", "gcj02")
    via_wgs = convert(lon, lat, "wgs84", "gcj02")
    assert np.array_equal(via_cgcs[0], via_wgs[0]) and np.array_equal(via_cgcs[1], via_wgs[1])


def test_names_are_case_insensitive_and_epsg_aliases_work():
    expected = from_wgs84(104.0, 30.6, "gcj02")
    assert convert(104.0, 30.6, "EPSG:4326", " GCJ02 ") == expected
    assert convert(104.0, 30.6, "epsg:4490", "Gcj02") == expected
    assert set(CRS_NAMES) == {"wgs84", "cgcs2000", "gcj02", "bd09"}


def test_scalars_in_give_python_floats_out():
    out = from_wgs84(104.0, 30.6, "bd09")
    assert all(type(v) is float for v in out)
    out = to_wgs84(np.float32(104.0), 30, "gcj02")
    assert all(type(v) is float for v in out)


def test_arrays_keep_their_shape_and_lists_become_arrays():
    lon = np.linspace(100.0, 110.0, 12).reshape(3, 4)
    lat = np.linspace(25.0, 35.0, 12).reshape(3, 4)
    out_lon, out_lat = to_wgs84(lon, lat, "bd09")
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    assert out_lon.dtype == np.float64
    flat = to_wgs84(lon.ravel(), lat.ravel(), "bd09")
    assert np.array_equal(out_lon.ravel(), flat[0]) and np.array_equal(out_lat.ravel(), flat[1])
    from_list = from_wgs84([104.0, 105.0], [30.6, 31.0], "gcj02")
    assert isinstance(from_list[0], np.ndarray) and from_list[0].shape == (2,)


def test_inputs_are_not_modified():
    lon = np.array([104.0, 105.0])
    lat = np.array([30.6, 31.0])
    from_wgs84(lon, lat, "bd09")
    to_wgs84(lon, lat, "bd09")
    assert lon.tolist() == [104.0, 105.0] and lat.tolist() == [30.6, 31.0]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_nan_passes_through_and_leaves_other_points_alone(crs):
    lon = np.array([104.0, np.nan, 105.0])
    lat = np.array([30.6, 31.0, np.nan])
    for func in (from_wgs84, to_wgs84):
        out_lon, out_lat = func(lon, lat, crs)
        assert np.isnan(out_lon[1]) and np.isnan(out_lat[2])
        assert (out_lon[0], out_lat[0]) == func(104.0, 30.6, crs)


def test_unknown_crs_name_lists_the_allowed_names():
    with pytest.raises(UnknownCRS) as info:
        to_wgs84(104.0, 30.6, "mars")
    for name in CRS_NAMES:
        assert name in str(info.value)
    assert "mars" in str(info.value)
    with pytest.raises(UnknownCRS):
        from_wgs84(104.0, 30.6, "epsg:3857")
    with pytest.raises(UnknownCRS):
        convert(104.0, 30.6, "wgs84", None)  # type: ignore[arg-type]


def test_out_of_range_names_the_first_bad_point():
    with pytest.raises(CoordinatesOutOfRange) as info:
        to_wgs84([104.0, 200.0, 300.0], [30.0, 30.0, 30.0], "gcj02")
    assert "point 1" in str(info.value) and "200" in str(info.value)
    with pytest.raises(CoordinatesOutOfRange) as info:
        from_wgs84([[104.0, 105.0], [106.0, 107.0]], [[30.0, 30.0], [-91.5, 30.0]], "bd09")
    assert "(1, 0)" in str(info.value) and "-91.5" in str(info.value)
    with pytest.raises(CoordinatesOutOfRange):
        from_wgs84(np.inf, 30.0, "gcj02")


def test_lon_lat_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        to_wgs84([104.0, 105.0], [30.0], "gcj02")
    with pytest.raises(ValueError, match="shape"):
        to_wgs84(104.0, [30.0, 31.0], "gcj02")
