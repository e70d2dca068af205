"""Storing a road network: clipped, noded, replaced atomically, checked against pgRouting."""

from __future__ import annotations

import os

import numpy as np
import pyrosm
import pytest
import shapely
from sqlalchemy import func, select, text

from boundaries.errors import PermissionDenied
from gis_api.features.imports.service import import_file
from gis_api.features.roads.graph import load_graph
from gis_api.schema.models import AuditEntry, RoadEdge, RoadNetwork, RoadVertex
from tests.gis_api.features.patrol.streets import LATS, LONS, ONE_WAY_LAT, write_streets

HELSINKI = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")


def count(session, model, network):
    return session.scalar(select(func.count()).select_from(model).where(model.network == network))


def test_street_grid_is_clipped_noded_and_reported(session, roads):
    result = roads["driving"]
    # 9 x 5 junctions: each north–south street in 4 pieces, each east–west one in 8; the
    # island; the line that leaves the county, cut 30 m past the boundary, in 2 pieces where it
    # crosses the west street, which it splits once more
    assert count(session, RoadEdge, "driving") == 9 * 4 + 5 * 8 + 1 + 2 + 1
    reasons = " | ".join(w["reason"] for w in result.warnings)
    assert "1 road line(s) outside were left out and 1 cut" in reasons
    assert "2 disconnected pieces" in reasons
    stored = session.get(RoadNetwork, "driving")
    assert stored.components[0]["edges"] == 9 * 4 + 5 * 8 + 3
    assert stored.components[1]["edges"] == 1


def test_vertices_are_the_edge_ends(session, roads):
    mismatch = session.scalar(
        text(
            "SELECT count(*) FROM road_edges e JOIN road_vertices s ON s.id = e.source "
            "JOIN road_vertices t ON t.id = e.target "
            "WHERE NOT ST_Equals(ST_StartPoint(e.geom), s.geom) "
            "OR NOT ST_Equals(ST_EndPoint(e.geom), t.geom)"
        )
    )
    assert mismatch == 0


def test_one_way_street_only_for_driving(session, roads):
    for network, expected in (("driving", True), ("walking", False)):
        rows = session.execute(
            select(RoadEdge.oneway, RoadEdge.reverse_cost_s, func.ST_AsBinary(RoadEdge.geom)).where(
                RoadEdge.network == network
            )
        ).all()
        on_street = [
            r
            for r in rows
            if np.allclose(
                shapely.get_coordinates(shapely.from_wkb(bytes(r[2])))[:, 1], ONE_WAY_LAT
            )
        ]
        assert len(on_street) == 8
        assert all(r.oneway == expected for r in on_street)
        assert all((r.reverse_cost_s < 0) == expected for r in on_street)


def test_edges_get_the_area_code_of_their_middle(session, roads):
    codes = session.execute(
        text(
            "SELECT area_code, ST_X(ST_LineInterpolatePoint(geom, 0.5)) AS x, "
            "ST_Y(ST_LineInterpolatePoint(geom, 0.5)) AS y FROM road_edges WHERE network='driving'"
        )
    ).all()
    inside = [r for r in codes if 104.0 < r.x < 104.02 and 30.51 < r.y < 30.52]
    assert inside and all(r.area_code == "510116001001" for r in inside)


def test_reimport_changes_nothing_and_other_network_is_kept(session, roads, streets_file):
    ids = session.scalars(select(RoadEdge.id).where(RoadEdge.network == "driving")).all()
    again = import_file(session, layer="roads", path=streets_file, options={"network": "driving"})
    assert again.unchanged == again.rows and again.inserted == 0
    assert session.scalars(select(RoadEdge.id).where(RoadEdge.network == "driving")).all() == ids
    assert count(session, RoadEdge, "walking") == len(ids)


def test_reimport_of_a_changed_file_replaces_the_network(session, roads, tmp_path):
    smaller = write_streets(
        tmp_path / "small",
        [(shapely.LineString([(104.0, 30.51), (104.01, 30.51)]), {"highway": "primary"})],
    )
    result = import_file(session, layer="roads", path=smaller, options={"network": "driving"})
    assert result.inserted == 1
    assert count(session, RoadEdge, "driving") == 1
    assert count(session, RoadVertex, "driving") == 2
    assert any("replaced the stored driving network" in w["reason"] for w in result.warnings)
    assert count(session, RoadEdge, "walking") > 1


def test_dry_run_writes_nothing(session, loaded_county, streets_file):
    result = import_file(
        session, layer="roads", path=streets_file, dry_run=True, options={"network": "walking"}
    )
    assert result.inserted == result.rows > 0
    assert count(session, RoadEdge, "walking") == 0
    assert session.get(RoadNetwork, "walking") is None


def test_import_is_audited(session, roads):
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "import.roads"))
    assert len(actions.all()) == 2


def test_town_key_import_is_clipped_to_the_town(session, loaded_county, streets_file):
    import_file(
        session,
        layer="roads",
        path=streets_file,
        jurisdiction="510116001",
        options={"network": "driving"},
    )
    extent = session.scalar(
        select(func.ST_XMax(func.ST_Extent(RoadEdge.geom))).where(RoadEdge.network == "driving")
    )
    assert extent < 104.0205  # the town is the west half, up to 104.02 (+30 m)


def test_town_key_may_not_replace_a_county_network(session, roads, streets_file):
    with pytest.raises(PermissionDenied, match="imported for everywhere"):
        import_file(
            session,
            layer="roads",
            path=streets_file,
            jurisdiction="510116001",
            options={"network": "driving"},
        )


def test_without_areas_everything_is_kept(session):
    result = import_file(session, layer="roads", path=HELSINKI, options={"network": "driving"})
    assert result.inserted == result.rows > 500
    assert not any("clipped" in w["reason"] for w in result.warnings)


def test_in_memory_costs_equal_pgrouting(session, roads):
    graph = load_graph(session, "driving")
    forward, backward = graph.costs()
    vertices = graph.vertex_id[[0, 5, 17, 30]]
    pgr = session.execute(
        text(
            "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix("
            "'SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost "
            "FROM road_edges WHERE network = ''driving''', :ids, directed => true)"
        ),
        {"ids": [int(v) for v in vertices]},
    ).all()
    from gis_api.features.roads.paths import PointGraph

    points = PointGraph(graph, [], forward=forward, backward=backward)
    index = {int(v): i for i, v in enumerate(graph.vertex_id)}
    ours = points.costs([index[int(v)] for v in vertices])
    position = {int(v): i for i, v in enumerate(vertices)}
    assert len(pgr) == len(vertices) * (len(vertices) - 1)
    for row in pgr:
        assert ours[position[row.start_vid], position[row.end_vid]] == pytest.approx(row.agg_cost)


def test_graph_cache_follows_reimports(session, roads, tmp_path):
    first = load_graph(session, "driving")
    assert load_graph(session, "driving") is first
    smaller = write_streets(
        tmp_path / "small",
        [(shapely.LineString([(LONS[0], LATS[1]), (LONS[1], LATS[1])]), {"highway": "primary"})],
    )
    import_file(session, layer="roads", path=smaller, options={"network": "driving"})
    assert len(load_graph(session, "driving").edge_id) == 1
