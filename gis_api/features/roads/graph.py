"""The stored road network as an in-memory graph: snapping, cost matrices, paths.

The graph is read from ``road_edges`` (the same rows pgRouting reads) once per imported
network and kept per process; a re-import (new ``imported_at``) is picked up on the next use.
Stops are snapped to the nearest point of an edge (measured in metres, in the metric zone of
the network) and become nodes of their own, splitting that edge, so a route starts and ends
exactly where the stops are. Shortest paths use SciPy's Dijkstra on a sparse matrix.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries.errors import Conflict
from boundaries.projection import from_metric, gk_epsg_for_bounds, to_metric
from gis_api.schema.models import RoadEdge, RoadNetwork
from importers.roads import WALKING_DEFAULT_KMH

_CACHE: OrderedDict[tuple[object, ...], RoutingGraph] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


@dataclass(frozen=True)
class Snap:
    """Where a point meets the network: edge position, fraction along it, distance."""

    edge: int
    """Position of the edge in the graph's arrays (-1: nothing within reach)."""
    fraction: float
    distance_m: float
    point: shapely.Point | None
    """The snapped point (EPSG:4490)."""


@dataclass
class RoutingGraph:
    """One network's edges as arrays; vertices numbered 0..n-1 (``vertex_id`` holds DB ids)."""

    network: str
    imported_at: datetime
    edge_id: NDArray[np.int64]
    source: NDArray[np.int64]
    target: NDArray[np.int64]
    length_m: NDArray[np.float64]
    speed_kmh: NDArray[np.float64]
    oneway: NDArray[np.bool_]
    highway: NDArray[np.object_]
    name: NDArray[np.object_]
    component: NDArray[np.int64]
    geoms: NDArray[np.object_]
    vertex_id: NDArray[np.int64]
    vertex_xy: NDArray[np.float64]
    epsg: int
    metric: NDArray[np.object_]
    tree: shapely.STRtree

    @property
    def n_vertices(self) -> int:
        """Number of vertices."""
        return len(self.vertex_id)

    def costs(
        self, *, speed_kmh: float | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Seconds to travel each edge forward and backward (negative: not allowed).

        ``speed_kmh`` changes the stored speeds: for walking it is the walking speed (every
        class scaled by ``speed_kmh / 5``, so steps stay slower); for driving it caps each
        road's speed (a patrol car driving slowly).
        """
        speed = self.speed_kmh
        if speed_kmh is not None:
            if self.network == "walking":
                speed = speed * (speed_kmh / WALKING_DEFAULT_KMH)
            else:
                speed = np.minimum(speed, speed_kmh)
        forward = self.length_m / (speed / 3.6)
        backward = np.where(self.oneway, -1.0, forward)
        return forward, backward

    def snap(self, points: NDArray[np.object_], *, max_distance_m: float) -> list[Snap]:
        """Snap geometries (EPSG:4490) to the nearest edge; edge -1 when none is within reach
        (the distance then says how far the nearest road is). A polygon (a site, a blind spot)
        snaps to the road point nearest its outline, at distance 0 when a road enters it.
        """
        points = np.asarray(points, dtype=object)
        if not len(points):
            return []
        projected = project(points, self.epsg)
        index, distance = self.tree.query_nearest(projected, return_distance=True)
        best: dict[int, tuple[float, int]] = {}
        for p, e, d in zip(index[0], index[1], distance, strict=True):
            best[int(p)] = min(best.get(int(p), (np.inf, -1)), (float(d), int(e)))
        out: list[Snap] = []
        for i, point in enumerate(projected):
            d, edge = best[i]
            if d > max_distance_m:
                out.append(Snap(edge=-1, fraction=0.0, distance_m=d, point=None))
                continue
            # the point of the edge nearest the geometry (a point, or a site's outline)
            nearest = shapely.get_point(shapely.shortest_line(self.metric[edge], point), 0)
            fraction = float(shapely.line_locate_point(self.metric[edge], nearest, normalized=True))
            at = shapely.line_interpolate_point(self.metric[edge], fraction, normalized=True)
            out.append(
                Snap(edge=edge, fraction=fraction, distance_m=d, point=from_metric(at, self.epsg))
            )
        return out


def project(geoms: NDArray[np.object_], epsg: int) -> NDArray[np.object_]:
    """Geometries (EPSG:4490) in the metric CRS ``epsg``."""
    projected, _ = to_metric(gpd.GeoSeries(geoms, crs=4490), epsg=epsg)
    return np.asarray(projected.array, dtype=object)


def load_graph(session: Session, network: str) -> RoutingGraph:
    """The routing graph of ``network``; ``Conflict`` when that network is not loaded."""
    stored = session.get(RoadNetwork, network)
    if stored is None or stored.edges == 0:
        raise Conflict(
            f"no {network} road network is loaded; import one with "
            f"`gridmap import roads PATH --network {network}`"
        )
    bind = session.get_bind()
    key = (str(bind.engine.url.database), network, stored.fingerprint, stored.imported_at)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    graph = _read(session, network, stored.imported_at)
    with _CACHE_LOCK:
        _CACHE[key] = graph
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return graph


def _read(session: Session, network: str, imported_at: datetime) -> RoutingGraph:
    rows = session.execute(
        select(
            RoadEdge.id,
            RoadEdge.source,
            RoadEdge.target,
            RoadEdge.length_m,
            RoadEdge.speed_kmh,
            RoadEdge.oneway,
            RoadEdge.highway,
            RoadEdge.name,
            RoadEdge.component,
            func.ST_AsBinary(RoadEdge.geom).label("wkb"),
        )
        .where(RoadEdge.network == network)
        .order_by(RoadEdge.id)
    ).all()
    source_db = np.array([r.source for r in rows], dtype=np.int64)
    target_db = np.array([r.target for r in rows], dtype=np.int64)
    vertex_id, inverse = np.unique(np.concatenate([source_db, target_db]), return_inverse=True)
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows])
    source = inverse[: len(rows)]
    target = inverse[len(rows) :]
    vertex_xy = np.zeros((len(vertex_id), 2))
    starts = shapely.get_point(geoms, 0)
    ends = shapely.get_point(geoms, -1)
    vertex_xy[source] = shapely.get_coordinates(starts)
    vertex_xy[target] = shapely.get_coordinates(ends)
    epsg = gk_epsg_for_bounds(*shapely.total_bounds(geoms))
    metric = project(np.asarray(geoms, dtype=object), epsg)
    return RoutingGraph(
        network=network,
        imported_at=imported_at,
        edge_id=np.array([r.id for r in rows], dtype=np.int64),
        source=source,
        target=target,
        length_m=np.array([r.length_m for r in rows], dtype=np.float64),
        speed_kmh=np.array([r.speed_kmh for r in rows], dtype=np.float64),
        oneway=np.array([r.oneway for r in rows], dtype=bool),
        highway=np.array([r.highway for r in rows], dtype=object),
        name=np.array([r.name for r in rows], dtype=object),
        component=np.array([r.component for r in rows], dtype=np.int64),
        geoms=np.asarray(geoms, dtype=object),
        vertex_id=vertex_id,
        vertex_xy=vertex_xy,
        epsg=epsg,
        metric=metric,
        tree=shapely.STRtree(metric),
    )
