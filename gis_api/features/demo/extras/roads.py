"""Demo roads: streets along the grid boundaries, arterials between the towns, site access roads.

The demo county has no real road data, so a plausible network is drawn from its own layout:
every boundary shared by two grids is a street (town boundaries secondary roads, village
boundaries tertiary roads, inside a community residential streets, inside a rural village
village roads), a few of the urban streets are one-way, straight arterials join each town's
centre to its nearest towns, and a short access road reaches every key site and relocation site
far from a street. The lines are written to ``roads.geojson`` and imported like a user would
(``gridmap import roads … --network driving`` and ``--network walking``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from sqlalchemy.orm import Session

from boundaries.projection import from_metric, to_metric
from gis_api.features.demo.synth import DemoCounty
from gis_api.features.imports.service import import_file

SEED = 5_101_165
ONEWAY_SHARE = 0.12
NEAREST_TOWNS = 2
ACCESS_FROM_M = 40.0
NAME_ROOTS = (
    "迎春", "锦华", "白河", "金桥", "瑞祥", "广都", "华阳", "彭祖", "胜利", "建设", "文星", "南湖",
    "棠湖", "双楠", "航空", "临港", "公兴", "黄甲", "永安", "黄龙", "正通", "花园", "新民", "育仁",
    "长城", "丽都", "康宁", "兴隆", "锦江", "太平",
)  # fmt: skip
SUFFIX = {"secondary": "路", "tertiary": "路", "residential": "街", "unclassified": "村道"}


def demo_road_lines(county: DemoCounty, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """The demo road lines (EPSG:4490) with highway, name, oneway columns."""
    rng = np.random.default_rng(seed)
    streets = _grid_streets(county, rng)
    arterials = _arterials(county)
    lines = gpd.GeoDataFrame(pd.concat([streets, arterials], ignore_index=True), crs=4490)
    outline = county.admin_areas[county.admin_areas["level"] == "county"].union_all()
    lines = _tame_oneways(_connect_pieces(lines, outline))
    network = shapely.union_all(np.asarray(lines.geometry.array, dtype=object))
    access = _access_roads(county, network, outline)
    return gpd.GeoDataFrame(pd.concat([lines, access], ignore_index=True), crs=4490)


def _connect_pieces(lines: gpd.GeoDataFrame, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Join every piece that touches no other (a ring around a grid inside another grid) to
    the largest piece by a short service road.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    geoms = np.asarray(lines.geometry.array, dtype=object)
    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    n = len(geoms)
    graph = coo_matrix((np.ones(pairs.shape[1]), (pairs[0], pairs[1])), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    if count == 1:
        return lines
    main = np.bincount(labels).argmax()
    main_lines, epsg = to_metric(shapely.union_all(geoms[labels == main]))
    county_m, _ = to_metric(outline, epsg=epsg)
    rows = []
    for piece in range(count):
        if piece == main:
            continue
        part, _ = to_metric(shapely.union_all(geoms[labels == piece]), epsg=epsg)
        link = link_inside(part, main_lines, county_m)
        rows.append(
            {
                "highway": "service",
                "name": "连接道路",
                "oneway": "no",
                "geometry": from_metric(link, epsg),
            }
        )
    return gpd.GeoDataFrame(
        pd.concat([lines, gpd.GeoDataFrame(rows, crs=4490)], ignore_index=True), crs=4490
    )


def load(session: Session, county: DemoCounty, directory: Path) -> str:
    """Write ``roads.geojson`` and import it as the driving and the walking network."""
    lines = demo_road_lines(county)
    path = Path(directory) / "roads.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(lines.to_json(ensure_ascii=False, drop_id=True), encoding="utf-8")
    out = []
    for network in ("driving", "walking"):
        result = import_file(
            session, layer="roads", path=path, actor="demo", options={"network": network}
        )
        out.append(f"{network} {result.rows:,} edges")
    km = float(to_metric(lines)[0].length.sum()) / 1000.0
    return f"{len(lines):,} road lines ({km:,.0f} km) in {path.name}; " + ", ".join(out)


def _grid_streets(county: DemoCounty, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Boundaries shared by two grids, merged into lines and classed by what they separate."""
    grids = county.grids
    areas = county.admin_areas.set_index("code")
    town_of = areas["parent_code"].to_dict()
    kind_of = areas["kind"].to_dict()
    segments: dict[tuple[tuple[int, int], tuple[int, int]], list[int]] = {}
    coords: dict[tuple[int, int], tuple[float, float]] = {}
    for i, geom in enumerate(grids.geometry):
        for ring in shapely.get_exterior_ring(shapely.get_parts(geom)):
            xy = shapely.get_coordinates(ring)
            keys = [tuple(k) for k in np.round(xy * 1e7).astype(np.int64).tolist()]
            for k in range(len(keys) - 1):
                a, b = keys[k], keys[k + 1]
                pa, pb = xy[k], xy[k + 1]
                if a == b:
                    continue
                coords.setdefault(a, tuple(pa))
                coords.setdefault(b, tuple(pb))
                segments.setdefault((min(a, b), max(a, b)), []).append(i)
    village = grids["village_code"].to_numpy()
    by_class: dict[str, list[shapely.LineString]] = {}
    for (a, b), owners in segments.items():
        if len(owners) < 2:
            continue  # on the county's outer boundary
        va, vb = village[owners[0]], village[owners[1]]
        if town_of.get(va) != town_of.get(vb):
            kind = "secondary"
        elif va != vb:
            kind = "tertiary"
        else:
            kind = "residential" if kind_of.get(va) == "社区" else "unclassified"
        by_class.setdefault(kind, []).append(shapely.LineString([coords[a], coords[b]]))
    rows = []
    for kind in sorted(by_class):
        merged = shapely.line_merge(shapely.MultiLineString(by_class[kind]))
        for line in shapely.get_parts(merged):
            rows.append({"highway": kind, "geometry": line})
    frame = gpd.GeoDataFrame(rows, crs=4490)
    frame["name"] = [
        f"{NAME_ROOTS[rng.integers(len(NAME_ROOTS))]}{SUFFIX[k]}" for k in frame["highway"]
    ]
    frame["oneway"] = "no"
    urban = np.flatnonzero((frame["highway"] == "residential").to_numpy())
    chosen = rng.choice(urban, size=int(len(urban) * ONEWAY_SHARE), replace=False)
    frame.loc[chosen, "oneway"] = "yes"
    return frame


def _arterials(county: DemoCounty) -> gpd.GeoDataFrame:
    """Straight primary roads from each town's centre to its nearest towns, inside the county."""
    areas = county.admin_areas
    towns = areas[areas["level"] == "town"].reset_index(drop=True)
    villages = areas[areas["level"] == "village"]
    centres = []
    for code, geom in zip(towns["code"], towns.geometry, strict=True):
        urban = villages[(villages["parent_code"] == code) & (villages["kind"] == "社区")]
        centre = (shapely.union_all(urban.geometry.values) if len(urban) else geom).centroid
        centres.append(centre if geom.contains(centre) else geom.representative_point())
    metric, epsg = to_metric(gpd.GeoSeries(centres, crs=4490))
    xy = shapely.get_coordinates(np.asarray(metric.array, dtype=object))
    _, nearest = cKDTree(xy).query(xy, k=min(NEAREST_TOWNS + 1, len(xy)))
    pairs = {(min(i, j), max(i, j)) for i, row in enumerate(nearest) for j in row[1:]}
    county_m = to_metric(areas[areas["level"] == "county"].geometry)[0].union_all()
    rows = []
    for i, j in sorted(pairs):
        line = shapely.segmentize(shapely.LineString([xy[i], xy[j]]), 200.0)
        inside = line.intersection(county_m)
        merged = inside if inside.geom_type == "LineString" else shapely.line_merge(inside)
        for part in shapely.get_parts(merged):
            if part.geom_type == "LineString" and part.length > 0:
                name = f"{towns.at[i, 'name'][:2]}{towns.at[j, 'name'][:2]}大道"
                rows.append({"highway": "primary", "name": name, "oneway": "no", "geometry": part})
    frame = gpd.GeoDataFrame(rows, crs=epsg)
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry"), geometry=from_metric(frame.geometry, epsg).values, crs=4490
    )


def _access_roads(
    county: DemoCounty, network: shapely.Geometry, outline: shapely.Geometry
) -> gpd.GeoDataFrame:
    """A service road from each site farther than ``ACCESS_FROM_M`` from a road to the road."""
    sites = pd.concat(
        [county.key_sites[["name", "geometry"]], county.relocation_sites[["name", "geometry"]]],
        ignore_index=True,
    )
    points = sites.geometry.representative_point().values
    roads_m, epsg = to_metric(network)
    county_m, _ = to_metric(outline, epsg=epsg)
    points_m = to_metric(gpd.GeoSeries(points, crs=4490), epsg=epsg)[0].values
    rows = []
    for name, point in zip(sites["name"], points_m, strict=True):
        if roads_m.distance(point) <= ACCESS_FROM_M:
            continue
        line = link_inside(point, roads_m, county_m)
        rows.append(
            {
                "highway": "service",
                "name": f"{name}进出道路",
                "oneway": "no",
                "geometry": from_metric(shapely.segmentize(line, 200.0), epsg),
            }
        )
    if not rows:
        return gpd.GeoDataFrame(columns=["highway", "name", "oneway", "geometry"], crs=4490)
    return gpd.GeoDataFrame(rows, crs=4490)


def _tame_oneways(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Make two-way again every one-way street that leaves part of the driving network
    unreachable (a one-way dead end, say), until every junction can reach every other.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from importers.roads import RoadLines, build_network

    lines = lines.reset_index(drop=True)
    for _ in range(10):
        frame = gpd.GeoDataFrame(
            {
                "highway": lines["highway"].to_numpy(dtype=object),
                "name": lines["name"].to_numpy(dtype=object),
                "oneway": ["forward" if o == "yes" else "no" for o in lines["oneway"]],
                "maxspeed": np.nan,
                "osm_id": pd.Series(np.arange(len(lines)), dtype=object),
                "separated": False,
            },
            geometry=np.asarray(lines.geometry.array, dtype=object),
            crs=4490,
        )
        graph = build_network(RoadLines(frame, "demo", "wgs84", "crossings"), network="driving")
        edges, n = graph.edges, len(graph.vertices)
        source, target = edges["source"].to_numpy(), edges["target"].to_numpy()
        ahead = edges["cost_s"].to_numpy() >= 0
        back = edges["reverse_cost_s"].to_numpy() >= 0
        u = np.concatenate([source[ahead], target[back]])
        v = np.concatenate([target[ahead], source[back]])
        matrix = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, labels = connected_components(matrix, directed=True, connection="strong")
        stray = labels != np.bincount(labels).argmax()
        touching = (stray[source] | stray[target]) & edges["oneway"].to_numpy(dtype=bool)
        culprits = sorted({int(i) for i in edges.loc[touching, "osm_id"]})
        if not culprits:
            return lines
        lines.loc[culprits, "oneway"] = "no"
    return lines


def link_inside(
    part: shapely.Geometry, roads: shapely.Geometry, county: shapely.Geometry
) -> shapely.LineString:
    """The shortest straight road from ``part`` to ``roads`` that stays in the county (metric
    geometries): the shortest line when it does, else one to the nearest road vertex it can
    reach without leaving the county.
    """
    county = county.buffer(1.0)
    link = shapely.shortest_line(part, roads)
    if county.covers(link):
        return link
    vertices = shapely.points(shapely.get_coordinates(roads))
    order = np.argsort(shapely.distance(part, vertices))
    for index in order[:2000]:
        candidate = shapely.shortest_line(part, vertices[index])
        if county.covers(candidate):
            return candidate
    return link
