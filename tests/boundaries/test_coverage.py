"""Coverage overlays against plain shapely unions and intersections, and densified projection."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from boundaries import coverage as cov


def test_covered_parts_equal_union_then_intersection():
    rng = np.random.default_rng(5)
    zones = np.array(
        [box(x, y, x + 100, y + 100) for x in range(0, 400, 100) for y in range(0, 300, 100)]
    )
    views = shapely.buffer(shapely.points(rng.uniform(-20, 420, (80, 2))), rng.uniform(5, 60, 80))
    got = cov.covered_parts(zones, views)
    whole = shapely.union_all(views)
    for zone, part in zip(zones, got, strict=True):
        ref = zone.intersection(whole)
        assert part.symmetric_difference(ref).area < 1e-6
    blind = cov.blind_parts(zones, got)
    np.testing.assert_allclose(
        shapely.area(blind) + shapely.area(got), shapely.area(zones), rtol=1e-12
    )


def test_views_counted_once_where_they_overlap():
    zone = np.array([box(0, 0, 100, 100)])
    views = np.array([box(10, 10, 60, 60), box(10, 10, 60, 60), box(40, 40, 90, 90)])
    assert cov.covered_parts(zone, views)[0].area == pytest.approx(2500 + 2500 - 400)


def test_zone_without_views_is_empty_and_all_blind():
    zone = np.array([box(0, 0, 10, 10)])
    got = cov.covered_parts(zone, np.array([box(50, 50, 60, 60)]))
    assert got[0].is_empty
    assert cov.blind_parts(zone, got)[0].area == pytest.approx(100)


def test_line_coverage_per_zone():
    zones = np.array([box(0, 0, 50, 50), box(50, 0, 100, 50)])
    covered = cov.covered_parts(zones, np.array([box(20, -10, 70, 60)]))
    lines = np.array([LineString([(0, 25), (100, 25)]), LineString([(10, 40), (10, 10)])])
    total, seen = cov.line_coverage(lines, zones, covered)
    np.testing.assert_allclose(total, [50 + 30, 50])
    np.testing.assert_allclose(seen, [30, 20])


def test_share_in_view_points_lines_polygons():
    views = np.array([box(0, 0, 10, 10), box(8, 0, 20, 10)])
    geoms = np.array(
        [
            Point(5, 5),
            Point(10, 10),  # on the edge: in view
            Point(30, 5),
            LineString([(0, 5), (40, 5)]),
            box(15, 0, 25, 10),
        ]
    )
    np.testing.assert_allclose(cov.share_in_view(geoms, views), [1, 1, 0, 0.5, 0.5])


def test_project_densified_keeps_straight_storage_edges():
    # a long east-west edge at 30.5°N: densified, its projected area matches pyproj on a fine ring
    square = box(104.0, 30.5, 104.2, 30.6)
    got = cov.project_densified(np.array([square]), 4544)[0]
    fine = shapely.segmentize(square, 1e-6)
    t = pyproj.Transformer.from_crs(4490, 4544, always_xy=True)
    x, y = t.transform(*np.asarray(fine.exterior.coords).T)
    ref = shapely.Polygon(np.column_stack([x, y]))
    assert got.area == pytest.approx(ref.area, rel=1e-7)
    coarse = shapely.Polygon(np.column_stack(t.transform(*np.asarray(square.exterior.coords).T)))
    assert abs(coarse.area - ref.area) > abs(got.area - ref.area)


def test_inputs_must_be_geometries():
    with pytest.raises(ValueError, match="`zones` must hold shapely geometries"):
        cov.covered_parts(np.array([1, 2]), np.array([box(0, 0, 1, 1)]))


def test_road_piece_of_lines_and_a_point_in_a_zone_with_nothing_in_view():
    # The road touches the zone's corner at one point and runs through it: its piece inside
    # is a line plus a point, and the zone's covered part is empty.
    zone = box(0, 0, 10, 10)
    roads = np.array([LineString([(2, -5), (2, 15)]), LineString([(10, 10), (20, 20)])])
    roads = np.array([shapely.union_all([roads[0], LineString([(12, 8), (10, 10), (12, 12)])])])
    assert shapely.intersection(roads[0], zone).geom_type == "GeometryCollection"
    total, seen = cov.line_coverage(roads, np.array([zone]), np.array([shapely.Polygon()]))
    assert total[0] == pytest.approx(10.0) and seen[0] == 0.0
