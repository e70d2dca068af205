"""Overlays of empties and mixed collections: answers instead of GEOS' "Unable to determine
overlay result geometry dimension", and the same answers as shapely everywhere else."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from boundaries import overlay

MIXED = GeometryCollection([LineString([(0, 0), (1, 1)]), Point(2, 2)])
EMPTIES = [Polygon(), MultiPolygon(), GeometryCollection(), Point(), LineString()]


def test_intersection_of_a_mixed_collection_with_an_empty_is_empty():
    for empty in EMPTIES:
        assert overlay.intersection(MIXED, empty).is_empty
        assert overlay.intersection(empty, MIXED).is_empty
    got = overlay.intersection(np.array([MIXED, MIXED]), Polygon())
    assert shapely.is_empty(got).all() and (shapely.get_dimensions(got) == 1).all()


def test_difference_of_an_empty_with_a_mixed_collection_is_empty():
    for empty in EMPTIES:
        assert overlay.difference(empty, MIXED).is_empty
        assert overlay.difference(MIXED, empty).equals(MIXED)


def test_non_empty_operands_give_what_shapely_gives():
    square = box(0.5, 0, 3, 3)
    pairs = [(MIXED, square), (box(0, 0, 2, 2), square), (LineString([(0, 0), (4, 4)]), square)]
    for a, b in pairs:
        assert overlay.intersection(a, b).equals(shapely.intersection(a, b))
        assert overlay.difference(a, b).equals(shapely.difference(a, b))
    left = np.array([a for a, _ in pairs], dtype=object)
    right = np.array([b for _, b in pairs], dtype=object)
    want = shapely.intersection(left, right)
    assert all(g.equals(w) for g, w in zip(overlay.intersection(left, right), want, strict=True))


def test_parts_of_dimension_keeps_only_that_dimension():
    nested = GeometryCollection([MIXED, box(5, 5, 6, 6), GeometryCollection([Point(9, 9)])])
    lines, polys, points = (overlay.parts_of_dimension([nested], d)[0] for d in (1, 2, 0))
    assert lines.equals(LineString([(0, 0), (1, 1)]))
    assert polys.equals(box(5, 5, 6, 6))
    assert points.geom_type == "MultiPoint" and len(points.geoms) == 2
    assert overlay.parts_of_dimension([Point(0, 0)], 2)[0].equals(Polygon())
    kept = box(0, 0, 1, 1)
    assert overlay.parts_of_dimension([kept], 2)[0] is kept


def test_valid_polygons_repairs_only_the_invalid_ones():
    bow = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    good = box(5, 5, 6, 6)
    fixed = overlay.valid_polygons([bow, good])
    assert fixed[1] is good
    assert fixed[0].is_valid and fixed[0].area == 2.0
    assert set(shapely.get_type_id(fixed)) <= {3, 6}
