"""POST /v1/patrol/streets: every street of a grid walked, from the start and back."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box, shape

from tests.gis_api.county import grid_geoms
from tests.gis_api.features.patrol.streets import street_lines

GEOD = Geod(ellps="GRS80")
GRID = "510116001001001"  # lon 104.00–104.01, lat 30.51–30.52


def post(client, key, **body):
    body.setdefault("start", {"point": [104.0, 30.51]})
    return client.post("/v1/patrol/streets", json=body, headers={"X-API-Key": key})


def grid_pieces():
    """Independently: the 9 + 5 grid streets cut at their junctions (GEOS noding)."""
    lines = [g for g, _ in street_lines()[:14]]
    return [
        shapely.LineString(p.coords)
        for p in shapely.get_parts(shapely.node(shapely.MultiLineString(lines)))
    ]


def street_pieces_in(area):
    """The pieces whose middle is inside the area or on its boundary."""
    return [p for p in grid_pieces() if area.distance(p.interpolate(0.5, normalized=True)) < 1e-9]


def least_repeats(required):
    """Brute force: the least length that makes every junction of ``required`` even, by
    pairing the odd junctions along shortest paths of the whole street grid (walking).
    """
    graph = nx.Graph()
    for piece in grid_pieces():
        a, b = piece.coords[0], piece.coords[-1]
        graph.add_edge(a, b, weight=GEOD.geometry_length(piece))
    degree = {}
    for piece in required:
        for end in (piece.coords[0], piece.coords[-1]):
            degree[end] = degree.get(end, 0) + 1
    odd = [v for v, d in degree.items() if d % 2]

    def pairings(nodes):
        if not nodes:
            yield []
            return
        for i, other in enumerate(nodes[1:]):
            for tail in pairings(nodes[1 : i + 1] + nodes[i + 2 :]):
                yield [(nodes[0], other), *tail]

    dist = {v: nx.single_source_dijkstra_path_length(graph, v) for v in odd}
    return min(sum(dist[a][b] for a, b in p) for p in pairings(odd))


def test_every_street_of_the_grid_is_walked(client, make_key):
    r = post(client, make_key("dispatcher"), grid_code=GRID, speed_kmh=4)
    assert r.status_code == 200, r.text
    body = r.json()
    route = shape(body["teams"][0]["route"])
    assert route.coords[0] == route.coords[-1]
    pieces = street_pieces_in(grid_geoms()[GRID])
    assert body["streets"]["segments"] == len(pieces) == 12  # 2 x 2 blocks, sides included
    required = sum(GEOD.geometry_length(p) for p in pieces)
    assert body["streets"]["required_m"] == pytest.approx(required, rel=2e-3)
    for piece in pieces:  # the walk passes along each required piece
        assert route.buffer(1e-7).contains(piece)
    total = body["totals"]["distance_m"]
    assert total == pytest.approx(GEOD.geometry_length(route), rel=2e-3)
    assert body["deadhead"]["distance_m"] == pytest.approx(
        total - body["streets"]["required_m"], abs=0.2
    )
    assert body["totals"]["duration_s"] == pytest.approx(total / (4 / 3.6), rel=1e-3)
    # the 4 odd junctions (the sides' middles) paired along the shortest paths
    assert body["deadhead"]["distance_m"] == pytest.approx(least_repeats(pieces), rel=2e-3)
    assert body["method"]["matching"] == "exact minimum-weight"


def test_chosen_edges(client, make_key, session):
    from sqlalchemy import select

    from gis_api.schema.models import RoadEdge

    ids = session.scalars(
        select(RoadEdge.id).where(RoadEdge.network == "walking").order_by(RoadEdge.id).limit(3)
    ).all()
    r = post(client, make_key("planner"), edge_ids=list(ids))
    assert r.status_code == 200, r.text
    assert r.json()["streets"]["segments"] == 3
    bad = post(client, make_key("planner"), edge_ids=[-5])
    assert bad.status_code == 422 and "-5" in bad.json()["message"]


def test_uncovered_streets_of_an_area(client, make_key, monkeypatch):
    import gis_api.features.coverage.service as coverage

    def fake(session, *, area_code, principal, include_offline=False):
        return gpd.GeoDataFrame(
            {"grid_code": ["510116002002001"], "area_m2": [1e5]},
            geometry=[box(104.0255, 30.5005, 104.0345, 30.5045)],
            crs=4490,
        )

    monkeypatch.setattr(coverage, "blind_spots", fake)
    r = post(
        client,
        make_key("dispatcher"),
        area_code="510116002002",
        uncovered=True,
        start={"point": [104.03, 30.5]},
        save=True,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # inside the box: the piece of the street at 104.030 between 30.500 and 30.505
    assert body["streets"]["segments"] == 1
    assert body["plan"]["map_url"].startswith("/map/patrol/")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 422, "exactly one"),
        ({"grid_code": GRID, "edge_ids": [1]}, 422, "exactly one"),
        ({"area_code": "510116002002"}, 422, "uncovered"),
        ({"grid_code": "510116009009009"}, 404, "no current grid"),
        ({"grid_code": GRID, "highways": ["motorway"]}, 422, "no street"),
    ],
)
def test_bad_requests(client, make_key, body, status, message):
    r = post(client, make_key("dispatcher"), **body)
    assert r.status_code == status, r.text
    assert message in r.json()["message"]


def test_viewer_may_not(client, make_key):
    assert post(client, make_key("viewer"), grid_code=GRID).status_code == 403


def test_saved_street_patrol_page(client, make_key):
    r = post(client, make_key("dispatcher"), grid_code=GRID, save=True, name="一网格街巷")
    assert r.status_code == 200, r.text
    client.post("/login", data={"key": make_key("viewer")}, follow_redirects=False)
    page = client.get(r.json()["plan"]["map_url"])
    assert page.status_code == 200
    for layer in ("应巡街巷", "重复路段", "第1组路线"):
        assert layer in page.text or layer.encode("unicode_escape").decode() in page.text
