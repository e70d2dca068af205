"""Real data: the Helsinki extract shipped in pyrosm, its buildings and its surveillance cameras.

The extract's 221 cameras (man_made=surveillance) carry no camera:direction and no camera:angle
tag (checked below; six say camera:type=dome, 34 revolving=yes), so every one is a 360° camera
here; a camera:direction, where present, would make it a 90° camera aimed that way. The range
is the importer's default, 50 m. Coverage of a 200 m lattice of zones over the cameras is
compared with the independent shadow computation in tests/boundaries/shadows.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import geopandas as gpd
import numpy as np
import pyrosm
import pytest
import shapely
from shapely.geometry import box

from boundaries import coverage as cov
from boundaries import viewshed as vs
from boundaries.projection import to_metric
from tests.boundaries.shadows import visible

PBF = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
RANGE_M = 50.0
DIRECTIONAL_FOV = 90.0
COMPASS = {"N": 0, "NE": 45, "E": 90, "SE": 135, "S": 180, "SW": 225, "W": 270, "NW": 315}


def heading_of(tags: dict[str, str]) -> float:
    value = (tags.get("camera:direction") or "").strip().upper()
    if not value:
        return np.nan
    return float(COMPASS[value]) if value in COMPASS else float(value) % 360


@pytest.fixture(scope="module")
def helsinki():
    osm = pyrosm.OSM(PBF)
    cams = osm.get_data_by_custom_criteria(
        custom_filter={"man_made": ["surveillance"]},
        filter_type="keep",
        keep_nodes=True,
        keep_ways=False,
        keep_relations=False,
        extra_attributes=["camera:direction", "camera:angle"],
    )
    tags = [
        {
            **(json.loads(t) if isinstance(t, str) else {}),
            **{
                k: row[k]
                for k in ("camera:direction", "camera:angle")
                if k in row and isinstance(row[k], str)
            },
        }
        for t, (_, row) in zip(cams["tags"], cams.iterrows(), strict=True)
    ]
    buildings = osm.get_buildings()
    buildings = buildings[buildings.geom_type.isin(["Polygon", "MultiPolygon"])]
    cams_m, epsg = to_metric(gpd.GeoDataFrame(geometry=cams.geometry.values, crs=4326))
    buildings_m, _ = to_metric(
        gpd.GeoDataFrame(geometry=buildings.geometry.values, crs=4326), epsg=epsg
    )
    return cams_m, tags, buildings_m, epsg


def test_extract_has_the_cameras_and_tags_we_expect(helsinki):
    cams_m, tags, buildings_m, epsg = helsinki
    assert len(cams_m) == 221
    assert 32601 <= epsg <= 32660  # outside China: UTM
    keys = Counter(k for t in tags for k in t)
    assert keys["camera:direction"] == 0 and keys["camera:angle"] == 0
    assert keys["camera:type"] == 6
    assert len(buildings_m) > 400


def test_coverage_matches_independent_shadow_computation(helsinki):
    cams_m, tags, buildings_m, _ = helsinki
    xy = shapely.get_coordinates(cams_m.geometry.values)
    heading = np.array([heading_of(t) for t in tags])
    fov = np.where(np.isnan(heading), 360.0, DIRECTIONAL_FOV)
    cams = vs.cameras(xy[:, 0], xy[:, 1], heading, fov, np.full(len(xy), RANGE_M))
    occ = vs.Occluders.from_footprints(buildings_m.geometry.values)
    views = vs.visibility_polygons(cams, occ, arc_step_deg=0.5)
    assert shapely.is_valid(views).all()

    minx, miny, maxx, maxy = shapely.total_bounds(views)
    zones = np.array(
        [
            box(x, y, x + 200, y + 200)
            for x in np.arange(minx, maxx, 200)
            for y in np.arange(miny, maxy, 200)
        ]
    )
    got = shapely.area(cov.covered_parts(zones, views))

    # independent: footprints dissolved by shapely, shadows edge by edge, one union
    footprints = list(
        shapely.get_parts(shapely.union_all(shapely.make_valid(buildings_m.geometry.values)))
    )
    footprints = [f for f in footprints if f.geom_type == "Polygon"]
    tree = shapely.STRtree(footprints)
    ref_views = []
    for i in range(len(xy)):
        near = [footprints[j] for j in tree.query(shapely.Point(xy[i]).buffer(RANGE_M + 1))]
        ref_views.append(
            visible(
                xy[i, 0],
                xy[i, 1],
                0.0 if np.isnan(heading[i]) else heading[i],
                fov[i],
                RANGE_M,
                near,
                quad_segs=180,
            )
        )
    union = shapely.union_all(ref_views)
    ref = shapely.area(shapely.intersection(zones, union))

    assert got.sum() > 0.1 * np.pi * RANGE_M**2 * len(xy) / 10  # the cameras see something
    np.testing.assert_allclose(got, ref, rtol=2e-4, atol=1.0)
    assert got.sum() == pytest.approx(ref.sum(), rel=1e-4)
    # buildings hide a real part of what the bare discs would cover
    bare = shapely.area(shapely.intersection(zones, shapely.union_all(vs.sector_polygons(cams))))
    assert got.sum() < 0.97 * bare.sum()
