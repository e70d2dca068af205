"""Served geometries are rounded to the layer's precision and stay valid."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import func, select

from gis_api.schema.geojson import (
    GeoJSONFeatureCollection,
    feature_collection,
    served_geojson,
    snap,
)
from gis_api.schema.layers import GRIDS, LAYERS

DIGITS = GRIDS.precision
CELL = 10.0**-DIGITS


def notched(x0: float, y0: float) -> Polygon:
    """A valid polygon with a slit narrower than the grid: rounding each coordinate on its own
    closes the slit onto itself, which makes the ring self-intersect."""
    w = 100 * CELL
    gap = 0.3 * CELL  # both sides of the slit round to the same grid line
    return Polygon(
        [
            (x0, y0),
            (x0 + w, y0),
            (x0 + w, y0 + 0.5 * w - 0.2 * CELL),
            (x0 + 0.5 * w, y0 + 0.5 * w - 0.2 * CELL),
            (x0 + 0.5 * w, y0 + 0.5 * w + gap - 0.2 * CELL),
            (x0 + w, y0 + 0.5 * w + gap - 0.2 * CELL),
            (x0 + w, y0 + w),
            (x0, y0 + w),
        ]
    )


def bowed(x0: float, y0: float) -> Polygon:
    """Two spikes a fraction of a cell apart that cross once each vertex is rounded."""
    w = 100 * CELL
    return Polygon(
        [
            (x0, y0),
            (x0 + w, y0),
            (x0 + w, y0 + w),
            (x0 + 0.5 * w + 0.4 * CELL, y0 + w),
            (x0 + 0.5 * w + 0.4 * CELL, y0 + 0.2 * w),
            (x0 + 0.5 * w - 0.4 * CELL, y0 + 0.2 * w + 0.3 * CELL),
            (x0 + 0.5 * w - 0.4 * CELL, y0 + w),
            (x0, y0 + w),
        ]
    )


CASES = [notched(104.00000000123, 30.5000000031), bowed(104.01000000049, 30.51000000017)]


def naive(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.round(xy, DIGITS))


@pytest.mark.parametrize("geom", CASES, ids=["slit", "spikes"])
def test_the_cases_break_under_naive_rounding(geom):
    assert geom.is_valid
    assert not naive(geom).is_valid  # otherwise the test below proves nothing


def _check_served(served: shapely.Geometry, original: shapely.Geometry) -> None:
    assert served.is_valid, shapely.is_valid_reason(served)
    xy = shapely.get_coordinates(served)
    # every coordinate on the grid of the layer's precision
    assert np.allclose(xy / CELL, np.round(xy / CELL), atol=1e-3)
    # and within the precision of the original: what changed lies within a cell of its
    # boundary (snap rounding moves a boundary by less than a cell, and may close a slit
    # narrower than one), and every vertex served is within a cell of the original
    changed = shapely.symmetric_difference(served, original)
    assert changed.within(original.boundary.buffer(CELL))
    assert shapely.distance(shapely.points(xy), original).max() <= CELL


@pytest.mark.parametrize("geom", CASES, ids=["slit", "spikes"])
def test_served_feature_collections_are_valid_and_within_precision(geom):
    frame = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[geom, MultiPolygon([geom])], crs=4490)
    body = feature_collection(frame, properties=["code"], id_column="code", layer=GRIDS)
    GeoJSONFeatureCollection.model_validate(json.loads(json.dumps(body)))
    for feature in body["features"]:
        served = shape(feature["geometry"])
        _check_served(served, geom)
    assert body["features"][1]["geometry"]["type"] == "MultiPolygon"  # the type stored


def test_what_rounds_cleanly_keeps_its_vertices():
    square = Polygon([(104.000000001, 30.5), (104.001, 30.5), (104.001, 30.501), (104.0, 30.501)])
    assert list(snap(square, DIGITS).exterior.coords) == list(naive(square).exterior.coords)


def test_an_invalid_geometry_is_shown_as_stored_not_repaired():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert shapely.equals_exact(snap(bowtie, DIGITS), bowtie, 0)


@pytest.mark.parametrize("geom", CASES, ids=["slit", "spikes"])
def test_postgis_serves_them_valid_too(session, geom):
    stored = func.ST_GeomFromWKB(shapely.to_wkb(MultiPolygon([geom])), 4490)
    served = shape(json.loads(session.scalar(select(served_geojson(stored, GRIDS)))))
    assert served.geom_type == "MultiPolygon"
    _check_served(served, geom)


def test_every_layer_serves_at_one_precision():
    assert {layer.precision for layer in LAYERS.values()} == {DIGITS}
