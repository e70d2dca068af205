"""Road files in, a routable network out: noded edges with lengths, speeds and travel costs.

Sources: an OpenStreetMap PBF extract (read with pyrosm, opened by path; nothing is downloaded)
or a GeoJSON/GeoPackage/Shapefile of lines with a road class column. Two network kinds:

- ``driving``: roads a car may use; one-way streets are travelled one way only (``oneway``
  yes/true/1/是/F forward, -1/reverse/T backward, ``junction=roundabout`` and motorways
  one-way unless tagged otherwise); speed is the ``maxspeed`` tag when it is a number, else the
  class default (:data:`DRIVING_KMH`).
- ``walking``: ways a person may walk (no motorways); one-way tags are ignored; speed by class
  (:data:`WALKING_KMH`).

Costs are seconds: ``cost_s`` from source to target, ``reverse_cost_s`` back, negative where
that direction is not allowed (pgRouting's convention). Lengths are metres, measured in the
Gauss–Krüger (or UTM) zone of each edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyrosm
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from boundaries.errors import InvalidInput, Problem, ValidationFailed
from boundaries.projection import length_m
from importers import crs as crs_mod
from importers.geometry import range_problem
from importers.readers import read_source
from importers.road_noding import node_lines
from importers.road_tags import (
    ROAD_COLUMNS,
    cell_integer,
    cell_text,
    column_values,
    grade_separated,
    map_road_columns,
    one_way,
    osm_tags,
    road_class,
    speed_limit,
)

NETWORK_KINDS = ("driving", "walking")

DRIVING_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "road": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 15.0,
}
"""Default driving speed (km/h) by OSM highway class; classes not listed are not driven."""

WALKING_KMH: dict[str, float] = {
    "steps": 2.5,
    "elevator": 1.0,
    "path": 4.0,
    "track": 4.0,
    "bridleway": 4.0,
}
WALKING_DEFAULT_KMH = 5.0
"""Walking speed on every other way that is walked."""
NOT_WALKED = frozenset({"motorway", "motorway_link", "construction", "proposed", "abandoned"})
NOT_DRIVEN = frozenset({"construction", "proposed", "abandoned"})

PBF_SUFFIXES = (".pbf",)
LINE_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


@dataclass
class RoadLines:
    """Road lines read from a file, before noding (EPSG:4490).

    Columns: highway, name, oneway (``"forward"``, ``"backward"`` or ``"no"`` as tagged),
    maxspeed (km/h or NaN), osm_id (or None), separated (bridge/tunnel/layer), geometry.
    """

    frame: gpd.GeoDataFrame
    source: str
    crs: str
    """The CRS the coordinates came in (they are stored in EPSG:4490)."""
    noding: str
    """``vertices`` for OSM data (junctions are shared nodes), ``crossings`` for line files."""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class RoadGraph:
    """A noded network ready to store: ``edges`` reference ``vertices`` by position."""

    network: str
    edges: gpd.GeoDataFrame
    """source, target (vertex positions), length_m, cost_s, reverse_cost_s, oneway, highway,
    name, osm_id, speed_kmh, component (0 = the largest piece), geometry."""
    vertices: gpd.GeoDataFrame
    """component, geometry (Points)."""
    components: list[dict[str, float]]
    """Per connected piece, largest first: edges, vertices, length_m."""
    skipped: dict[str, int]
    """Lines left out, by reason (class not used by this network, …)."""


def read_road_lines(
    path: str | Path, *, network: str, crs: str | None = None, file_layer: str | None = None
) -> RoadLines:
    """Read the roads of ``path`` for ``network`` ("driving" or "walking").

    An ``.osm.pbf`` goes through pyrosm's network filter of that kind; a line file needs a road
    class column (highway, fclass, class, 道路等级, …) and a CRS (its own, or ``crs``).

    Raises:
        ValueError: ``network`` is not one of :data:`NETWORK_KINDS`.
        InvalidInput: The file is missing, of another type, or has no line geometries.
        ValidationFailed: Rows with problems (no class, out-of-range coordinates), each named.

    """
    check_network(network)
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    if path.name.lower().endswith(PBF_SUFFIXES):
        return _read_pbf(path, network)
    if path.suffix.lower() in LINE_SUFFIXES:
        return _read_line_file(path, crs=crs, file_layer=file_layer)
    raise InvalidInput(
        f"{path.name}: unsupported road file {path.suffix!r}; use an OSM extract (.osm.pbf) or "
        "GeoJSON, GeoPackage or Shapefile lines"
    )


def check_network(network: str) -> str:
    """Return ``network`` if it is a known kind; ``ValueError`` naming the kinds otherwise."""
    if network not in NETWORK_KINDS:
        raise ValueError(f'`network` was "{network}" but is expected to be one of {NETWORK_KINDS}')
    return network


def _read_pbf(path: Path, network: str) -> RoadLines:

    try:
        osm = pyrosm.OSM(str(path))
        ways = osm.get_network(network_type=network, nodes=False, extra_attributes=["layer"])
    except Exception as exc:  # noqa: BLE001 - pyrosm raises many kinds on a bad file
        raise InvalidInput(f"{path.name}: cannot be read as an OSM PBF extract ({exc})") from None
    if ways is None or len(ways) == 0:
        raise InvalidInput(f"{path.name}: holds no {network} roads")
    ways = ways.explode(index_parts=False).reset_index(drop=True)
    ways = ways[ways.geometry.geom_type == "LineString"].reset_index(drop=True)
    tags = [osm_tags(t) for t in ways.get("tags", pd.Series([None] * len(ways)))]
    oneway = [
        one_way(o, t.get("junction"), h)
        for o, t, h in zip(column_values(ways, "oneway"), tags, ways["highway"], strict=True)
    ]
    frame = gpd.GeoDataFrame(
        {
            "highway": pd.Series(ways["highway"].astype(str).tolist(), dtype=object),
            "name": pd.Series([cell_text(v) for v in column_values(ways, "name")], dtype=object),
            "oneway": pd.Series(oneway, dtype=object),
            "maxspeed": [speed_limit(v) for v in column_values(ways, "maxspeed")],
            "osm_id": pd.Series([int(v) for v in ways["id"]], dtype=object),
            "separated": grade_separated(
                *(column_values(ways, name) for name in ("bridge", "tunnel", "layer"))
            ),
        },
        geometry=np.asarray(ways.geometry.array, dtype=object),
        crs=4490,
    )
    return RoadLines(frame=frame, source=path.name, crs="wgs84", noding="vertices")


def _read_line_file(path: Path, *, crs: str | None, file_layer: str | None) -> RoadLines:

    source = read_source(path, layer=file_layer)
    source_crs = crs_mod.parse_crs_option(crs) if crs else source.crs
    if source_crs is None:
        raise InvalidInput(f"{path.name}: the file does not say its CRS; pass --crs")
    table = source.frame
    found = map_road_columns([str(c) for c in table.columns if c != table.geometry.name])
    if "highway" not in found:
        names = ", ".join(ROAD_COLUMNS["highway"])
        raise InvalidInput(f"{path.name}: no road class column (accepted names: {names})")
    problems: list[Problem] = []
    geoms = np.asarray(table.geometry.array, dtype=object)
    kinds = shapely.get_type_id(geoms)
    not_lines = np.flatnonzero(shapely.is_missing(geoms) | ~np.isin(kinds, (1, 5)))
    problems += [source.problem(int(i), "not a LineString or MultiLineString") for i in not_lines]
    classes = [road_class(v) for v in table[found["highway"]]]
    problems += [
        source.problem(row, "no road class", field=found["highway"])
        for row, value in enumerate(classes)
        if value is None
    ]
    stored = geoms.copy()
    good = ~(shapely.is_missing(geoms) | ~np.isin(kinds, (1, 5)))
    stored[good] = crs_mod.to_storage(geoms[good], source_crs)
    for i in np.flatnonzero(good):
        reason = range_problem(stored[i])
        if reason:
            problems.append(source.problem(int(i), reason))
    if problems:
        raise ValidationFailed(
            problems, summary=f"{path.name}: {len(problems)} problem(s); nothing was written"
        )

    def col(name: str) -> list[object]:
        return list(table[found[name]]) if name in found else [None] * len(table)

    frame = gpd.GeoDataFrame(
        {
            "highway": pd.Series(classes, dtype=object),
            "name": pd.Series([cell_text(v) for v in col("name")], dtype=object),
            "oneway": pd.Series(
                [one_way(o, None, h) for o, h in zip(col("oneway"), classes, strict=True)],
                dtype=object,
            ),
            "maxspeed": [speed_limit(v) for v in col("maxspeed")],
            "osm_id": pd.Series([cell_integer(v) for v in col("osm_id")], dtype=object),
            "separated": grade_separated(col("bridge"), col("tunnel"), col("layer")),
        },
        geometry=stored,
        crs=4490,
    )
    frame = frame.explode(index_parts=False).reset_index(drop=True)
    frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    if frame.empty:
        raise InvalidInput(f"{path.name}: holds no lines")
    return RoadLines(
        frame=frame, source=path.name, crs=crs_mod.describe(source_crs), noding="crossings"
    )


def clip_lines(lines: RoadLines, area: shapely.Geometry | None) -> tuple[RoadLines, dict[str, int]]:
    """Keep the parts of the lines inside ``area`` (a polygon in EPSG:4490); None keeps all.

    Returns the clipped lines and counts: ``inside`` (kept whole), ``cut`` (kept in part),
    ``outside`` (dropped).
    """
    frame = lines.frame
    if area is None or frame.empty:
        return lines, {"inside": len(frame), "cut": 0, "outside": 0}
    geoms = np.asarray(frame.geometry.array, dtype=object)
    shapely.prepare(area)
    inside = shapely.contains(area, geoms)
    touching = shapely.intersects(area, geoms) & ~inside
    clipped = geoms.copy()
    clipped[touching] = shapely.intersection(geoms[touching], area)
    keep = inside | touching
    out = frame.loc[keep].copy()
    out["geometry"] = clipped[keep]
    out = out.explode(index_parts=False)
    out = out[out.geometry.geom_type == "LineString"].reset_index(drop=True)
    counts = {
        "inside": int(inside.sum()),
        "cut": int(touching.sum()),
        "outside": int((~keep).sum()),
    }
    return RoadLines(out, lines.source, lines.crs, lines.noding), counts


def build_network(lines: RoadLines, *, network: str) -> RoadGraph:
    """Node the lines and give every edge its length, speed and costs for ``network``."""
    check_network(network)
    frame = lines.frame
    usable = _usable(frame["highway"], network)
    skipped: dict[str, int] = {}
    for value in frame.loc[~usable, "highway"]:
        key = f"class {value} not used for {network}"
        skipped[key] = skipped.get(key, 0) + 1
    frame = frame.loc[usable].reset_index(drop=True)
    if frame.empty:
        raise InvalidInput(f"{lines.source}: no roads usable for {network} (after clipping)")
    noded = node_lines(
        np.asarray(frame.geometry.array, dtype=object),
        mode=lines.noding,
        separated=frame["separated"].to_numpy(dtype=bool),
    )
    attrs = frame.iloc[noded.parent].reset_index(drop=True)
    geoms = noded.pieces.copy()
    source, target = noded.source.copy(), noded.target.copy()
    direction = attrs["oneway"].to_numpy(dtype=object) if network == "driving" else None
    backward = np.zeros(len(geoms), dtype=bool) if direction is None else direction == "backward"
    geoms[backward] = shapely.reverse(geoms[backward])
    source[backward], target[backward] = noded.target[backward], noded.source[backward]
    lengths = np.asarray(length_m(gpd.GeoSeries(geoms, crs=4490)), dtype=np.float64)
    speeds = edge_speeds(attrs["highway"], attrs["maxspeed"], network)
    cost = lengths / (speeds / 3.6)
    oneway = np.zeros(len(geoms), dtype=bool) if direction is None else direction != "no"
    components, vertex_component = _components(source, target, len(noded.vertices), lengths)
    edges = gpd.GeoDataFrame(
        {
            "source": source,
            "target": target,
            "length_m": lengths,
            "cost_s": cost,
            "reverse_cost_s": np.where(oneway, -1.0, cost),
            "oneway": oneway,
            "highway": attrs["highway"].to_numpy(dtype=object),
            "name": attrs["name"].to_numpy(dtype=object),
            "osm_id": attrs["osm_id"].to_numpy(dtype=object),
            "speed_kmh": speeds,
            "component": vertex_component[source],
        },
        geometry=geoms,
        crs=4490,
    )
    vertices = gpd.GeoDataFrame(
        {"component": vertex_component},
        geometry=shapely.points(noded.vertices),
        crs=4490,
    )
    return RoadGraph(network, edges, vertices, components, skipped)


def edge_speeds(highway: pd.Series, maxspeed: pd.Series, network: str) -> NDArray[np.float64]:
    """Speed (km/h) of each edge: walking by class; driving by speed limit, else by class."""
    classes = highway.astype(str).to_numpy()
    if network == "walking":
        return np.array([WALKING_KMH.get(c, WALKING_DEFAULT_KMH) for c in classes], np.float64)
    limit = pd.to_numeric(maxspeed, errors="coerce").to_numpy(dtype=np.float64)
    default = np.array([DRIVING_KMH.get(_base_class(c), 30.0) for c in classes], np.float64)
    return np.where(np.isfinite(limit) & (limit > 0), limit, default)


def _usable(highway: pd.Series, network: str) -> pd.Series:
    if network == "walking":
        return ~highway.isin(NOT_WALKED)
    return highway.map(lambda c: _base_class(c) in DRIVING_KMH and c not in NOT_DRIVEN)


def _base_class(value: str) -> str:
    return value if value in DRIVING_KMH else value.removesuffix("_link")


def _components(
    source: NDArray[np.int64], target: NDArray[np.int64], n: int, lengths: NDArray[np.float64]
) -> tuple[list[dict[str, float]], NDArray[np.int64]]:
    """Connected pieces (ignoring direction), numbered from the largest by length."""
    graph = coo_matrix((np.ones(len(source)), (source, target)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    edge_label = labels[source]
    length = np.bincount(edge_label, weights=lengths, minlength=count)
    edges = np.bincount(edge_label, minlength=count)
    vertices = np.bincount(labels, minlength=count)
    order = np.lexsort((-vertices, -length))
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    summary = [
        {"edges": int(edges[c]), "vertices": int(vertices[c]), "length_m": float(length[c])}
        for c in order
    ]
    return summary, rank[labels]
