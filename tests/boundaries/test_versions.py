"""Which grid keeps which code, new codes after the highest ever used, and diffs."""

import geopandas as gpd
from shapely.geometry import MultiPolygon, Point, Polygon, box

from boundaries.versions import (
    SAME_SHAPE_TOLERANCE_DEG,
    assign_codes,
    diff_versions,
    match_codes,
    same_shape,
)

V = "510116002001"


def test_mutual_half_overlap_keeps_the_code():
    old = [box(0, 0, 0.01, 0.01), box(0.01, 0, 0.02, 0.01)]
    codes = [V + "001", V + "002"]
    new = [box(0, 0, 0.007, 0.01), box(0.007, 0, 0.013, 0.01), box(0.013, 0, 0.02, 0.01)]
    kept = match_codes(old, codes, new)
    # 0.007 wide: 100 % in old 1 and 70 % of it -> keeps 001; the middle piece is 50/50 of
    # itself but only 30 % of each old grid -> new; the east piece keeps 002
    assert kept == [V + "001", None, V + "002"]


def test_new_codes_continue_after_the_highest_ever_used_in_reading_order():
    old = [box(0, 0, 0.01, 0.01)]
    new = [box(0, 0, 0.01, 0.01), box(0.02, 0.01, 0.03, 0.02), box(0.01, 0.01, 0.02, 0.02)]
    codes, kept = assign_codes(V, old, [V + "001"], new, highest_sequence=7)
    assert kept == [True, False, False]
    # both new grids lie in one band north of the kept one: west (0.01) before east (0.02)
    assert codes == [V + "001", V + "009", V + "008"]


def test_diff_counts_households_that_changed_grid():
    before = gpd.GeoDataFrame(
        {"code": [V + "001", V + "002"], "name": ["a", "b"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=4490,
    )
    after = gpd.GeoDataFrame(
        {"code": [V + "001", V + "003"], "name": ["a", "c"]},
        geometry=[box(0, 0, 1.5, 1), box(1.5, 0, 2, 1)],
        crs=4490,
    )
    buildings = gpd.GeoDataFrame(
        {"households": [10, 20, 30]},
        geometry=[Point(0.5, 0.5), Point(1.2, 0.5), Point(1.8, 0.5)],
        crs=4490,
    )
    diff = diff_versions(before, after, buildings)
    assert diff.added == [V + "003"] and diff.removed == [V + "002"]
    assert [r["code"] for r in diff.reshaped] == [V + "001"]
    assert diff.households_moved == 50 and diff.buildings_moved == 2
    flows = {(m["from"], m["to"]): m["households"] for m in diff.moves}
    assert flows == {(V + "002", V + "001"): 20, (V + "002", V + "003"): 30}


def test_same_shape_within_the_tolerance_whatever_corner_a_ring_starts_at():
    a = box(104.0, 30.5, 104.01, 30.51)
    tiny = SAME_SHAPE_TOLERANCE_DEG / 100
    # the upper-left corner moves west of the lower-left one: normalising now starts there
    b = Polygon([(104.0, 30.5), (104.01, 30.5), (104.01, 30.51), (104.0 - tiny, 30.51)])
    assert same_shape(a, b) and same_shape(b, a) and same_shape(a, MultiPolygon([b]))
    assert same_shape(a, Polygon([a.exterior.coords[0], (104.01, 30.505), *a.exterior.coords[1:]]))


def test_not_the_same_shape_beyond_the_tolerance():
    a = box(104.0, 30.5, 104.01, 30.51)
    step = SAME_SHAPE_TOLERANCE_DEG * 10
    assert not same_shape(a, box(104.0, 30.5, 104.01 + step, 30.51))
    assert not same_shape(
        a, Polygon([(104.0, 30.5), (104.01, 30.51), (104.01, 30.5), (104.0, 30.51)])
    )
    assert not same_shape(a, a.boundary) and not same_shape(a, Polygon())
    holed = Polygon(a.exterior.coords, [box(104.004, 30.504, 104.006, 30.506).exterior.coords])
    assert not same_shape(a, holed)
