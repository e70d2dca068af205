"""Reading road files into a routable network: OSM PBF (Helsinki) and line files."""

from __future__ import annotations

import json
import os

import networkx as nx
import numpy as np
import pyrosm
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, box, mapping

from boundaries.errors import InvalidInput, ValidationFailed
from importers.roads import (
    DRIVING_KMH,
    WALKING_DEFAULT_KMH,
    build_network,
    clip_lines,
    read_road_lines,
)

HELSINKI = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
GEOD = Geod(ellps="GRS80")


@pytest.fixture(scope="module")
def driving():
    return build_network(read_road_lines(HELSINKI, network="driving"), network="driving")


@pytest.fixture(scope="module")
def walking():
    return build_network(read_road_lines(HELSINKI, network="walking"), network="walking")


def test_lengths_are_metres_on_the_ellipsoid(driving):
    geodesic = np.array([GEOD.geometry_length(g) for g in driving.edges.geometry])
    np.testing.assert_allclose(driving.edges["length_m"], geodesic, rtol=2e-3)


def test_costs_are_length_over_speed(driving):
    edges = driving.edges
    np.testing.assert_allclose(edges["cost_s"], edges["length_m"] / (edges["speed_kmh"] / 3.6))
    two_way = ~edges["oneway"]
    np.testing.assert_allclose(edges.loc[two_way, "reverse_cost_s"], edges.loc[two_way, "cost_s"])
    assert (edges.loc[edges["oneway"], "reverse_cost_s"] < 0).all()
    assert edges["oneway"].sum() > 100  # central Helsinki has many one-way streets


def test_driving_uses_the_speed_limit_else_the_class(driving):
    lines = read_road_lines(HELSINKI, network="driving").frame
    tagged = lines["maxspeed"].dropna().unique()
    assert set(np.round(driving.edges["speed_kmh"].unique())) <= set(tagged) | set(
        DRIVING_KMH.values()
    )


def test_walking_ignores_one_way_and_walks_footways(walking, driving):
    edges = walking.edges
    assert not edges["oneway"].any()
    assert (edges["reverse_cost_s"] == edges["cost_s"]).all()
    assert "footway" in set(edges["highway"]) and "footway" not in set(driving.edges["highway"])
    steps = edges[edges["highway"] == "steps"]
    assert (steps["speed_kmh"] < WALKING_DEFAULT_KMH).all()


def test_one_way_edges_run_in_the_allowed_direction():
    lines = read_road_lines(HELSINKI, network="driving").frame
    assert set(lines["oneway"]) <= {"forward", "backward", "no"}


def test_components_agree_with_networkx(walking):
    graph = nx.Graph()
    graph.add_nodes_from(range(len(walking.vertices)))
    graph.add_edges_from(zip(walking.edges["source"], walking.edges["target"], strict=True))
    sizes = sorted((len(c) for c in nx.connected_components(graph)), reverse=True)
    assert len(walking.components) == len(sizes)
    assert sum(c["edges"] for c in walking.components) == len(walking.edges)
    assert sorted((c["vertices"] for c in walking.components), reverse=True) == sizes
    assert walking.components[0]["length_m"] == max(c["length_m"] for c in walking.components)
    assert (walking.edges["component"] == 0).sum() == walking.components[0]["edges"]


def _write(path, features, crs="EPSG:4326"):
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": crs}},
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for geom, props in features
        ],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path


def test_line_file_with_chinese_columns(tmp_path):
    path = _write(
        tmp_path / "roads.geojson",
        [
            (
                LineString([(104.0, 30.5), (104.01, 30.5)]),
                {"道路等级": "主干路", "名称": "大道", "单行": "是"},
            ),
            (
                LineString([(104.005, 30.495), (104.005, 30.505)]),
                {"道路等级": "支路", "名称": "小街", "单行": "-1"},
            ),
            (LineString([(104.0, 30.49), (104.01, 30.49)]), {"道路等级": "人行道", "名称": "步道"}),
        ],
    )
    driving = build_network(read_road_lines(path, network="driving"), network="driving")
    edges = driving.edges
    assert set(edges["highway"]) == {"primary", "residential"}  # footways are not driven
    assert len(edges) == 4  # both roads split where they cross
    avenue = edges[edges["highway"] == "primary"]
    assert avenue["oneway"].all() and (avenue["speed_kmh"] == DRIVING_KMH["primary"]).all()
    # "-1": travelled against the drawing direction, so the stored edge is reversed (south-bound)
    street = edges[edges["highway"] == "residential"]
    for line in street.geometry:
        xy = shapely.get_coordinates(line)
        assert xy[0, 1] > xy[-1, 1]
    walking = build_network(read_road_lines(path, network="walking"), network="walking")
    assert "footway" in set(walking.edges["highway"]) and len(walking.components) == 2


def test_line_file_without_a_class_column_is_refused(tmp_path):
    path = _write(tmp_path / "r.geojson", [(LineString([(0, 0), (1, 1)]), {"name": "x"})])
    with pytest.raises(InvalidInput, match="road class"):
        read_road_lines(path, network="driving")


def test_rows_without_class_are_named(tmp_path):
    path = _write(
        tmp_path / "r.geojson",
        [
            (LineString([(104, 30), (104.1, 30)]), {"highway": "residential"}),
            (LineString([(104, 30.1), (104.1, 30.1)]), {"highway": None}),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        read_road_lines(path, network="driving")
    assert caught.value.problems[0].row == 2 and "no road class" in str(caught.value)


def test_unknown_network_is_refused():
    with pytest.raises(ValueError, match="network"):
        read_road_lines(HELSINKI, network="cycling")


def test_clip_keeps_the_inside_parts(tmp_path):
    path = _write(
        tmp_path / "r.geojson",
        [
            (LineString([(0.1, 0.5), (0.9, 0.5)]), {"highway": "residential"}),
            (LineString([(0.5, 0.5), (1.5, 0.5)]), {"highway": "residential"}),
            (LineString([(2.0, 0.5), (3.0, 0.5)]), {"highway": "residential"}),
        ],
    )
    lines = read_road_lines(path, network="driving")
    area = box(0, 0, 1, 1)
    clipped, counts = clip_lines(lines, area)
    assert counts == {"inside": 1, "cut": 1, "outside": 1}
    assert all(area.covers(g) for g in clipped.frame.geometry)
    assert sum(g.length for g in clipped.frame.geometry) == pytest.approx(0.8 + 0.5)
