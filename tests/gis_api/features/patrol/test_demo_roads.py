"""The demo county's roads: one connected network, routable both ways, reaching every site."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import func, select

from boundaries.projection import to_metric
from gis_api.features.demo.extras.roads import demo_road_lines, load
from gis_api.features.demo.synth import synthesize_county
from gis_api.schema.models import RoadEdge, RoadNetwork
from importers.roads import build_network, read_road_lines


@pytest.fixture(scope="module")
def county():
    return synthesize_county(seed=7, scale=0.2)


@pytest.fixture(scope="module")
def lines(county):
    return demo_road_lines(county)


def test_streets_lie_on_grid_boundaries_inside_the_county(county, lines):
    streets = lines[lines["highway"].isin(["residential", "unclassified", "tertiary", "secondary"])]
    boundaries = shapely.union_all(county.grids.boundary.values)
    shapely.prepare(boundaries)
    vertices = shapely.points(shapely.get_coordinates(streets.geometry.values))
    assert shapely.dwithin(boundaries, vertices, 1e-9).all()
    outline = county.admin_areas[county.admin_areas["level"] == "county"].union_all()
    shapely.prepare(outline)
    every = shapely.points(shapely.get_coordinates(lines.geometry.values))
    assert shapely.dwithin(outline, every, 1e-6).all()
    assert (lines["highway"] == "primary").sum() > 0 and (lines["oneway"] == "yes").sum() > 0


def test_driving_network_is_one_strongly_connected_piece(tmp_path, lines):
    path = tmp_path / "roads.geojson"
    path.write_text(lines.to_json(ensure_ascii=False), encoding="utf-8")
    graph = build_network(read_road_lines(path, network="driving"), network="driving")
    assert len(graph.components) == 1
    edges, n = graph.edges, len(graph.vertices)
    ahead = edges["cost_s"].to_numpy() >= 0
    back = edges["reverse_cost_s"].to_numpy() >= 0
    u = np.concatenate([edges["source"][ahead], edges["target"][back]])
    v = np.concatenate([edges["target"][ahead], edges["source"][back]])
    count, _ = connected_components(
        coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=True, connection="strong"
    )
    assert count == 1
    assert edges["oneway"].any()


def test_every_site_is_near_a_road(county, lines):
    roads, epsg = to_metric(shapely.union_all(lines.geometry.values))
    for frame in (county.key_sites, county.relocation_sites):
        points = to_metric(frame.geometry.representative_point(), epsg=epsg)[0]
        assert max(roads.distance(p) for p in points) < 50.0


def test_load_imports_both_networks(session, county, tmp_path):
    from gis_api.features.demo.load import demo_files, import_demo

    _, files = demo_files(tmp_path, seed=7, scale=0.2)
    import_demo(session, files, layers=("admin-areas",))
    summary = load(session, county, tmp_path)
    assert "driving" in summary and "walking" in summary
    assert (tmp_path / "roads.geojson").exists()
    for network in ("driving", "walking"):
        stored = session.get(RoadNetwork, network)
        assert stored is not None and stored.details["pieces"] == 1
        assert (
            session.scalar(
                select(func.count()).select_from(RoadEdge).where(RoadEdge.network == network)
            )
            == stored.edges
        )
