"""Camera views: sectors against shapely's discs, occlusion against hand-made answers and an
independent shadow computation (tests/boundaries/shadows.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from boundaries import viewshed as vs
from tests.boundaries.shadows import sector, visible

FINE = 0.25  # degrees between arc vertices, so arc polygons are within 1e-5 of true arcs


def one(x=0.0, y=0.0, heading=np.nan, fov=360.0, range_m=100.0) -> vs.Cameras:
    return vs.cameras([x], [y], [heading], [fov], [range_m])


def view(footprints, **camera) -> shapely.Geometry:
    step = camera.pop("arc_step_deg", FINE)
    occ = vs.Occluders.from_footprints(footprints) if footprints else None
    return vs.visibility_polygons(one(**camera), occ, arc_step_deg=step)[0]


def chord_polygon_area(r: float, fov: float, step: float) -> float:
    """Exact area of the polygon a sector becomes (vertices on the circle, ``step`` apart)."""
    n = max(2, math.ceil(fov / step))
    return n * 0.5 * r * r * math.sin(math.radians(fov / n))


@pytest.mark.parametrize("fov", [30.0, 90.0, 200.0, 360.0])
def test_sector_area_matches_shapely_sector(fov):
    got = vs.sector_polygons(one(heading=40.0, fov=fov, range_m=80.0), arc_step_deg=FINE)[0]
    ref = sector(0, 0, 40.0, fov, 80.0, quad_segs=512)
    assert got.is_valid
    assert got.symmetric_difference(ref).area / ref.area < 1e-4
    assert got.area == pytest.approx(chord_polygon_area(80.0, fov, FINE), rel=1e-12)


def test_disc_area_ratio_is_the_polygon_share_of_pi_r2():
    disc = vs.sector_polygons(one(range_m=50.0))[0]
    assert disc.area / (math.pi * 50.0**2) == pytest.approx(vs.disc_area_ratio(), rel=1e-12)


@pytest.mark.parametrize(
    ("heading", "direction"), [(0, (0, 1)), (90, (1, 0)), (180, (0, -1)), (270, (-1, 0))]
)
def test_heading_is_clockwise_from_north(heading, direction):
    s = vs.sector_polygons(one(heading=heading, fov=60.0, range_m=100.0))[0]
    c = s.centroid
    assert np.sign(round(c.x, 6)) == direction[0] and np.sign(round(c.y, 6)) == direction[1]
    assert s.contains(Point(50 * direction[0], 50 * direction[1]))


def test_square_in_front_of_a_dome_hides_the_known_wedge():
    # square x 10..20, y -5..5: the shadow is the wedge of half-angle atan(0.5) beyond x = 10
    r = 100.0
    got = view([box(10, -5, 20, 5)], range_m=r)
    alpha = math.atan(0.5)
    shadow = alpha * r * r - 0.5 * 10 * 10  # wedge minus the triangle in front of the wall
    expected = math.pi * r * r - shadow
    assert got.is_valid
    assert got.area == pytest.approx(expected, rel=2e-5)
    assert (
        not got.contains(Point(50, 0)) and got.contains(Point(9, 0)) and got.contains(Point(50, 30))
    )


def test_directional_camera_loses_the_same_wedge():
    r = 100.0
    got = view([box(10, -5, 20, 5)], heading=90.0, fov=90.0, range_m=r)
    expected = math.pi * r * r / 4 - (math.atan(0.5) * r * r - 50.0)
    assert got.area == pytest.approx(expected, rel=2e-5)


def test_building_in_the_shadow_of_another_changes_nothing():
    front = box(10, -5, 20, 5)
    behind = box(40, -3, 45, 3)
    assert view([front, behind]).symmetric_difference(view([front])).area < 1e-6


def test_building_out_of_range_changes_nothing():
    bare = view([])
    assert view([box(150, -5, 160, 5)]).symmetric_difference(bare).area < 1e-9


def test_camera_in_a_courtyard_sees_only_the_courtyard():
    yard = box(-10, -8, 10, 8)
    ring = Polygon(box(-30, -30, 30, 30).exterior.coords, [yard.exterior.coords])
    got = view([ring], range_m=100.0)
    assert got.area == pytest.approx(yard.area, rel=1e-9)
    assert got.symmetric_difference(yard).area < 1e-6


def test_mount_building_does_not_hide():
    # on the south wall of a building, looking south: the building behind is its mount
    mount = box(-10, 0, 10, 10)
    got = view([mount], heading=180.0, fov=90.0, range_m=50.0)
    bare = view([], heading=180.0, fov=90.0, range_m=50.0)
    assert got.symmetric_difference(bare).area < 1e-9


def test_wall_seen_from_the_side_hides_what_is_behind_it():
    # a long thin wall east of the camera, seen end-on along y = 0 is not hidden behind
    wall = box(20, 1, 60, 2)
    got = view([wall], range_m=100.0)
    assert got.contains(Point(80, 0)) and not got.contains(Point(80, 2.5))


def test_l_shaped_building_matches_shadow_reference():
    ell = Polygon([(10, -20), (30, -20), (30, 20), (20, 20), (20, -10), (10, -10)])
    got = view([ell], range_m=90.0)
    ref = visible(0, 0, 0, 360, 90.0, [ell], quad_segs=360)
    assert got.symmetric_difference(ref).area / ref.area < 2e-5
    # the notch facing the camera is in view
    assert got.contains(Point(15, 0))


def test_overlapping_footprints_hide_like_their_union():
    a, b = box(10, -5, 20, 5), box(15, 0, 25, 10)
    got = view([a, b], range_m=80.0)
    ref = visible(0, 0, 0, 360, 80.0, [a.union(b)], quad_segs=360)
    assert got.symmetric_difference(ref).area / ref.area < 2e-5


def test_random_scene_matches_shadow_reference():
    rng = np.random.default_rng(20240601)
    footprints = [
        shapely.affinity.rotate(
            box(x, y, x + rng.uniform(4, 25), y + rng.uniform(4, 25)), rng.uniform(0, 90)
        )
        for x, y in rng.uniform(0, 400, (120, 2))
    ]
    occ = vs.Occluders.from_footprints(footprints)
    merged = list(occ.polygons)
    n = 60
    cams = vs.cameras(
        rng.uniform(0, 400, n),
        rng.uniform(0, 400, n),
        rng.uniform(0, 360, n),
        rng.choice([45.0, 90.0, 200.0, 360.0], n),
        rng.uniform(20, 120, n),
    )
    got = vs.visibility_polygons(cams, occ, arc_step_deg=FINE)
    assert shapely.is_valid(got).all()
    for i in range(n):
        ref = visible(
            cams.x[i],
            cams.y[i],
            cams.heading[i],
            cams.fov[i],
            cams.range_m[i],
            merged,
            quad_segs=360,
        )
        assert got[i].symmetric_difference(ref).area <= 1e-4 * max(ref.area, 1.0), i


def test_unchanged_when_nothing_occludes():
    cams = vs.cameras([0, 500], [0, 0], [10, np.nan], [60, 360], [50, 30])
    occ = vs.Occluders.from_footprints([box(1000, 1000, 1010, 1010)])
    got = vs.visibility_polygons(cams, occ)
    bare = vs.sector_polygons(cams)
    assert all(g.equals(b) for g, b in zip(got, bare))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(fov=[0.0]), "`fov` of camera 0"),
        (dict(fov=[400.0]), "`fov` of camera 0"),
        (dict(range_m=[-1.0]), "`range_m`"),
        (dict(heading=[np.nan], fov=[90.0]), "`heading` of camera 0"),
        (dict(x=[np.inf]), "`x`"),
    ],
)
def test_bad_camera_values_are_named(kwargs, message):
    args = dict(x=[0.0], y=[0.0], heading=[0.0], fov=[90.0], range_m=[10.0]) | kwargs
    with pytest.raises(ValueError, match=message):
        vs.cameras(**args)


def test_footprints_ignore_points_and_empties():
    occ = vs.Occluders.from_footprints([Point(1, 1), Polygon(), box(0, 0, 1, 1), None])
    assert len(occ) == 1 and occ.edges.shape == (4, 4)


def test_small_batches_give_the_same_views(monkeypatch):
    rng = np.random.default_rng(3)
    footprints = [box(x, y, x + 6, y + 6) for x, y in rng.uniform(-150, 150, (300, 2))]
    occ = vs.Occluders.from_footprints(footprints)
    n = 25
    cams = vs.cameras(
        rng.uniform(-100, 100, n),
        rng.uniform(-100, 100, n),
        rng.uniform(0, 360, n),
        rng.choice([90.0, 360.0], n),
        rng.uniform(40, 150, n),
    )
    whole = vs.visibility_polygons(cams, occ)
    monkeypatch.setattr(vs, "_BATCH_CELLS", 500)  # one camera per batch, a few intervals per slice
    sliced = vs.visibility_polygons(cams, occ)
    assert all(a.symmetric_difference(b).area < 1e-9 for a, b in zip(whole, sliced))
    assert sum(g.area for g in whole) < sum(g.area for g in vs.sector_polygons(cams)) - 1000


@pytest.mark.parametrize(("lon", "epsg"), [(106.49, 4544), (103.51, 4544), (104.0, 4544)])
def test_a_camera_facing_north_looks_along_the_true_meridian(lon, epsg):
    # At a zone edge grid north and true north differ by the meridian convergence (0.75° here):
    # the heading is from true north, so the sector's axis must follow the meridian.
    import pyproj

    from boundaries.projection import from_metric, to_metric

    lat, range_m = 30.5, 2000.0
    apex, _ = to_metric(Point(lon, lat), epsg=epsg)
    cams = vs.cameras([apex.x], [apex.y], [0.0], [10.0], [range_m], epsg=epsg)
    sector_m = vs.sector_polygons(cams, arc_step_deg=FINE)[0]
    centroid = sector_m.centroid  # on the axis of a symmetric sector
    dx, dy = centroid.x - apex.x, centroid.y - apex.y
    scale = range_m / math.hypot(dx, dy)
    tip = from_metric(Point(apex.x + dx * scale, apex.y + dy * scale), epsg)
    azimuth, _, distance = pyproj.Geod(ellps="GRS80").inv(lon, lat, tip.x, tip.y)
    assert distance == pytest.approx(range_m, rel=1e-3)
    assert abs(azimuth) < 0.01  # degrees, against 0.5-0.75 before the convergence was applied
    assert abs(tip.x - lon) < 1e-5  # the same longitude, to about a metre
    # without a CRS the heading stays a bearing in the frame itself
    local = vs.cameras([0.0], [0.0], [0.0], [10.0], [range_m])
    assert local.heading[0] == 0.0 and cams.heading[0] != 0.0
