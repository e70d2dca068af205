"""Grid validation against an independent computation: geodesic areas (pyproj.Geod) of pieces
overlaid with shapely, and building counts by brute-force point-in-polygon tests."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from boundaries.report import ValidationRules
from boundaries.validation import validate_grids

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid differs from GRS80 by 0.1 mm in b
VILLAGE = box(104.00, 30.50, 104.02, 30.51)


def geodesic_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def villages(kind="村"):
    return gpd.GeoDataFrame(
        {"code": ["510116002001"], "name": ["羊坪村"], "kind": [kind]}, geometry=[VILLAGE], crs=4490
    )


def grids(geoms, codes=None, leaders=True, households=None):
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "code": codes or [f"510116002001{i + 1:03d}" for i in range(n)],
            "leader_name": ["张三" if leaders else None] * n,
            "households": households or [150] * n,
        },
        geometry=geoms,
        crs=4490,
    )


def by_kind(report, kind):
    return [i for i in report.issues if i.kind == kind]


def test_clean_tiling_has_no_issues():
    report = validate_grids(
        grids([box(104.00, 30.50, 104.01, 30.51), box(104.01, 30.50, 104.02, 30.51)]), villages()
    )
    assert report.issues == []
    assert [g.status for g in report.grids] == ["ok", "ok"]
    village = report.villages[0]
    assert village.gap_m2 == 0 and village.grids == 2
    assert village.area_m2 == pytest.approx(geodesic_m2(VILLAGE), rel=1e-3)


def test_overlap_area_matches_geodesic_area_of_the_shared_part():
    a, b = box(104.00, 30.50, 104.0115, 30.51), box(104.0102, 30.50, 104.02, 30.51)
    report = validate_grids(grids([a, b]), villages())
    [overlap] = by_kind(report, "overlap")
    assert overlap.severity == "error"
    expected = geodesic_m2(a.intersection(b))
    assert overlap.area_m2 == pytest.approx(expected, rel=1e-3)
    assert shapely.equals(overlap.geometry, a.intersection(b))
    assert set(overlap.grids) == {"510116002001001", "510116002001002"}


def test_gap_and_outside_parts_are_measured_in_square_metres():
    west = box(104.00, 30.50, 104.009, 30.51)  # leaves a 0.001° strip uncovered
    east = box(104.01, 30.50, 104.0212, 30.51)  # sticks out of the village to the east
    report = validate_grids(grids([west, east]), villages())
    [gap] = by_kind(report, "gap")
    assert gap.severity == "warning"
    assert gap.area_m2 == pytest.approx(geodesic_m2(box(104.009, 30.50, 104.01, 30.51)), rel=1e-3)
    [outside] = by_kind(report, "outside_village")
    assert outside.severity == "error"
    assert outside.area_m2 == pytest.approx(geodesic_m2(east.difference(VILLAGE)), rel=1e-3)


def test_tolerances_hide_numerical_noise_but_not_real_gaps():
    west = box(104.00, 30.50, 104.01 - 1e-9, 30.51)  # 1e-9° ≈ 0.1 mm strip
    east = box(104.01, 30.50, 104.02, 30.51)
    assert by_kind(validate_grids(grids([west, east]), villages()), "gap") == []
    strict = ValidationRules(gap_min_m2=0.0)
    assert len(by_kind(validate_grids(grids([west, east]), villages(), rules=strict), "gap")) == 1


def test_invalid_geometry_says_where_and_why():
    bowtie = Polygon([(104.00, 30.50), (104.01, 30.51), (104.01, 30.50), (104.00, 30.51)])
    report = validate_grids(grids([bowtie, box(104.01, 30.50, 104.02, 30.51)]), villages())
    [invalid] = by_kind(report, "invalid_geometry")
    assert invalid.severity == "error"
    assert "Self-intersection" in invalid.message
    assert invalid.geometry.distance(Point(104.005, 30.505)) < 1e-9


def test_multipart_and_sliver_grids_are_warnings():
    main = box(104.00, 30.50, 104.01, 30.51)
    far = box(104.019, 30.50997, 104.0199, 30.51)  # ~ 96 m x 3.3 m, detached
    rest = VILLAGE.difference(main).difference(far)
    report = validate_grids(grids([MultiPolygon([main, far]), rest]), villages())
    [multipart] = by_kind(report, "multipart")
    assert multipart.grids == ("510116002001001",) and multipart.value == 2
    thin = [i for i in by_kind(report, "sliver") if i.grids == ("510116002001001",)]
    assert len(thin) == 1 and thin[0].area_m2 == pytest.approx(geodesic_m2(far), rel=1e-3)


def test_codes_duplicated_malformed_or_of_another_village_are_errors():
    halves = [box(104.00, 30.50, 104.01, 30.51), box(104.01, 30.50, 104.02, 30.51)]
    dup = validate_grids(grids(halves, codes=["510116002001001"] * 2), villages())
    assert len(by_kind(dup, "duplicate_code")) == 1
    bad = validate_grids(grids(halves, codes=["51011600200100X", "510116002002001"]), villages())
    assert len(by_kind(bad, "malformed_code")) == 1
    assert len(by_kind(bad, "code_village_mismatch")) == 1
    new = validate_grids(grids(halves, codes=[None, None]), villages())
    assert by_kind(new, "malformed_code") == [] and by_kind(new, "duplicate_code") == []


def test_households_counted_by_containment_against_brute_force():
    rng = np.random.default_rng(3)
    halves = [box(104.00, 30.50, 104.01, 30.51), box(104.01, 30.50, 104.02, 30.51)]
    xy = rng.uniform((104.0, 30.5), (104.02, 30.51), size=(300, 2))
    hh = rng.integers(0, 5, 300)
    buildings = gpd.GeoDataFrame(
        {"code": [f"B{i}" for i in range(300)], "households": hh},
        geometry=[Point(p) for p in xy],
        crs=4490,
    )
    report = validate_grids(grids(halves), villages(), buildings)
    for grid, summary in zip(halves, report.grids, strict=True):
        inside = [grid.contains(Point(p)) for p in xy]
        assert summary.households == int(hh[inside].sum())
        assert summary.buildings == int(sum(inside))
        standard = (100, 300)
        expected = "ok" if standard[0] <= summary.households <= standard[1] else "below/above"
        assert (summary.status == "ok") == (expected == "ok")


def test_buildings_outside_every_grid_or_in_two_are_reported():
    west = box(104.00, 30.50, 104.01, 30.51)
    footprint = box(104.0095, 30.505, 104.0105, 30.5052)  # cut by the shared boundary
    buildings = gpd.GeoDataFrame(
        {"code": ["cut", "lost", "fine"], "households": [30, 20, 10]},
        geometry=[footprint, Point(104.019, 30.509), Point(104.005, 30.505)],
        crs=4490,
    )
    east_short = box(104.01, 30.50, 104.018, 30.51)
    report = validate_grids(grids([west, east_short]), villages(), buildings)
    [two] = by_kind(report, "building_in_two_grids")
    assert two.grids == ("510116002001001", "510116002001002") and "cut" in two.message
    [lost] = by_kind(report, "buildings_unassigned")
    assert lost.value == 1 and "lost" in lost.message
    assert sum(g.households for g in report.grids) == 40  # "cut" counted once, "lost" nowhere


def test_out_of_range_grid_names_a_building_above_the_ceiling():
    halves = [box(104.00, 30.50, 104.01, 30.51), box(104.01, 30.50, 104.02, 30.51)]
    buildings = gpd.GeoDataFrame(
        {"code": ["tower", "house"], "households": [650, 250]},
        geometry=[Point(104.005, 30.505), Point(104.015, 30.505)],
        crs=4490,
    )
    report = validate_grids(grids(halves, households=[650, 40]), villages("社区"), buildings)
    [above] = by_kind(report, "households_buildings")
    assert "tower alone has 650" in above.message and above.value == 650
    stored = by_kind(report, "households_stored")
    assert {i.value for i in stored} == {650, 40}  # the stored figures are checked as well
    assert report.grids[1].households == 250 and report.grids[1].households_stored == 40


def test_grids_without_leader_are_warned_and_ids_are_stable():
    halves = [box(104.00, 30.50, 104.01, 30.51), box(104.01, 30.50, 104.02, 30.51)]
    first = validate_grids(grids(halves, leaders=False), villages())
    second = validate_grids(grids(halves, leaders=False), villages())
    assert len(by_kind(first, "no_leader")) == 2
    assert [i.id for i in first.issues] == [i.id for i in second.issues]
    moved = [box(104.00, 30.50, 104.0101, 30.51), box(104.0101, 30.50, 104.02, 30.51)]
    overlap = validate_grids(grids([moved[0], halves[1]]), villages())
    again = validate_grids(grids([box(104.0, 30.5, 104.0102, 30.51), halves[1]]), villages())
    assert by_kind(overlap, "overlap")[0].id != by_kind(again, "overlap")[0].id


def test_report_as_geojson():
    a, b = box(104.00, 30.50, 104.0115, 30.51), box(104.0102, 30.50, 104.02, 30.51)
    data = validate_grids(grids([a, b]), villages()).as_dict()
    assert data["valid"] is False and data["errors"] == 1
    feature = data["problems"]["features"][0]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["label"] == "网格重叠"
