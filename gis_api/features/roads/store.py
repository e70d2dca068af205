"""Import a road network: read, clip to the jurisdiction, node, and replace the stored network.

Registered as ``SPECIAL_IMPORTERS["roads"]``, so ``gridmap import roads PATH --network
walking`` and ``POST /v1/imports/roads`` both land here. The import is all-or-nothing in the
caller's transaction: the network of that kind is replaced as a whole (readers see the old one
until the commit), and re-importing the same file changes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely
from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from boundaries.errors import InvalidInput, PermissionDenied
from gis_api.core.audit import record
from gis_api.core.db import ewkb
from gis_api.schema.imports import ImportResult
from gis_api.schema.models import AdminArea, RoadEdge, RoadNetwork, RoadVertex
from importers.roads import NETWORK_KINDS, RoadGraph, build_network, clip_lines, read_road_lines

BATCH = 2_000
CLIP_MARGIN_M = 30.0
"""Roads are kept up to this far outside the area, so a road along its boundary stays whole."""
LEVEL_RANK = {"county": 0, "town": 1, "village": 2}
VERTICES = cast(Table, RoadVertex.__table__)
EDGES = cast(Table, RoadEdge.__table__)
NETWORKS = cast(Table, RoadNetwork.__table__)


def import_roads(
    session: Session,
    *,
    path: str | Path,
    crs: str | None = None,
    file_layer: str | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    jurisdiction: str = "",
    options: dict[str, str] | None = None,
) -> ImportResult:
    """Import the roads of ``path`` as the ``options["network"]`` network (default driving).

    The roads are clipped to the caller's jurisdiction, or to the loaded county when the caller
    has none; with no areas loaded at all (a city without divisions) everything is kept. The
    warnings report the clip, the classes left out, and the pieces not connected to the largest.

    Raises:
        InvalidInput: An unknown network, an unreadable file, or no roads inside the area.
        PermissionDenied: A jurisdiction with no area loaded, or a stored network that covers
            more than the caller's jurisdiction.

    """
    network = (options or {}).get("network") or "driving"
    if network not in NETWORK_KINDS:
        raise InvalidInput(f"network was {network!r} but is expected to be one of {NETWORK_KINDS}")
    lines = read_road_lines(path, network=network, crs=crs, file_layer=file_layer)
    area, area_label = clip_area(session, jurisdiction)
    clipped, counts = clip_lines(lines, area)
    if clipped.frame.empty:
        raise InvalidInput(f"{lines.source}: none of its roads lie inside {area_label}")
    graph = build_network(clipped, network=network)
    stored = session.get(RoadNetwork, network)
    if stored is not None and not stored.jurisdiction.startswith(jurisdiction):
        owner = _named(stored.jurisdiction, jurisdiction)
        raise PermissionDenied(
            f"the stored {network} network was imported for {owner}; "
            f"a key for {jurisdiction} may not replace it"
        )
    fingerprint = network_fingerprint(graph)
    result = ImportResult(
        layer="roads",
        file=lines.source,
        crs=lines.crs,
        rows=len(graph.edges),
        dry_run=dry_run,
        warnings=report(graph, counts, area_label),
    )
    if stored is not None and stored.fingerprint == fingerprint:
        result.unchanged = len(graph.edges)
        return result
    savepoint = session.begin_nested()
    try:
        replaced = replace_network(
            session,
            graph,
            source_file=lines.source,
            actor=actor,
            jurisdiction=jurisdiction,
            fingerprint=fingerprint,
        )
    except BaseException:
        savepoint.rollback()
        raise
    result.inserted = len(graph.edges)
    if replaced:
        result.warnings.append(
            {"reason": f"replaced the stored {network} network ({replaced} edges)"}
        )
    if dry_run:
        savepoint.rollback()
        return result
    savepoint.commit()
    record(
        session,
        actor=actor,
        action="import.roads",
        area_code=jurisdiction.ljust(12, "0") if len(jurisdiction) >= 6 else None,
        details={
            "network": network,
            "file": lines.source,
            "edges": len(graph.edges),
            "vertices": len(graph.vertices),
            "components": len(graph.components),
        },
    )
    return result


def _named(stored: str, jurisdiction: str) -> str:
    """How a refusal names the jurisdiction a network was stored for: never another town's
    code, only "everywhere" or an area containing the caller's own.
    """
    if not stored:
        return "everywhere"
    return stored if jurisdiction.startswith(stored) else "another jurisdiction"


def clip_area(session: Session, jurisdiction: str) -> tuple[shapely.Geometry | None, str]:
    """The area roads are clipped to (EPSG:4490, with a margin) and how to name it.

    The highest level of area inside the jurisdiction is used (the county for a county key, or
    a town for a town key); with no jurisdiction, the county (or the top areas) loaded.
    """
    condition = (
        AdminArea.code.startswith(jurisdiction) if jurisdiction else AdminArea.code.isnot(None)
    )
    levels = session.execute(
        select(AdminArea.level, func.count()).where(condition).group_by(AdminArea.level)
    ).all()
    if not levels:
        if jurisdiction:
            raise PermissionDenied(
                f"no area of this key's jurisdiction ({jurisdiction}) is loaded; roads are "
                "clipped to it, so import the administrative areas first"
            )
        return None, "everywhere (no areas loaded)"
    top = min((level for level, _ in levels), key=LEVEL_RANK.__getitem__)
    wkb = session.scalar(
        select(
            func.ST_AsBinary(
                func.geometry(
                    func.ST_Buffer(func.geography(func.ST_Union(AdminArea.geom)), CLIP_MARGIN_M)
                )
            )
        ).where(condition, AdminArea.level == top)
    )
    assert wkb is not None  # admin_areas.geom is NOT NULL and the level has rows
    codes = session.scalars(
        select(AdminArea.code).where(condition, AdminArea.level == top).order_by(AdminArea.code)
    ).all()
    shown = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
    return shapely.from_wkb(bytes(wkb)), f"the {top} {shown}"


def network_fingerprint(graph: RoadGraph) -> str:
    """A hash of the edges' geometry and attributes: equal networks have equal fingerprints."""
    digest = hashlib.sha256(graph.network.encode())
    edges = graph.edges
    for wkb in shapely.to_wkb(np.asarray(edges.geometry.array, dtype=object)):
        digest.update(wkb)
    for column in ("highway", "name", "osm_id", "oneway", "speed_kmh"):
        digest.update(repr(edges[column].tolist()).encode())
    return digest.hexdigest()


def report(graph: RoadGraph, counts: dict[str, int], area_label: str) -> list[dict[str, Any]]:
    """Warnings for the import report: clip, classes left out, disconnected pieces."""
    out: list[dict[str, Any]] = []
    if counts["outside"] or counts["cut"]:
        out.append(
            {
                "reason": f"clipped to {area_label}: {counts['outside']} road line(s) outside "
                f"were left out and {counts['cut']} cut at its boundary"
            }
        )
    for reason, n in sorted(graph.skipped.items()):
        out.append({"reason": f"{n} line(s) left out: {reason}"})
    pieces = graph.components
    if len(pieces) > 1:
        rest = pieces[1:]
        sizes = ", ".join(f"{p['edges']} edges/{p['length_m']:.0f} m" for p in rest[:10])
        more = f" and {len(rest) - 10} more" if len(rest) > 10 else ""
        out.append(
            {
                "reason": f"the network has {len(pieces)} disconnected pieces: the largest has "
                f"{pieces[0]['edges']} edges ({pieces[0]['length_m'] / 1000:.1f} km); the "
                f"others ({sizes}{more}) cannot be reached from it",
                "details": {"components": pieces[:100]},
            }
        )
    return out


def replace_network(
    session: Session,
    graph: RoadGraph,
    *,
    source_file: str,
    actor: str,
    jurisdiction: str,
    fingerprint: str,
) -> int:
    """Delete the stored network of this kind and write ``graph``; returns edges replaced."""
    network = graph.network
    replaced = (
        session.scalar(
            select(func.count()).select_from(RoadEdge).where(RoadEdge.network == network)
        )
        or 0
    )
    session.execute(delete(RoadEdge).where(RoadEdge.network == network))
    session.execute(delete(RoadVertex).where(RoadVertex.network == network))
    vertex_rows = [
        {"network": network, "component": int(c), "geom": ewkb(g)}
        for c, g in zip(graph.vertices["component"], graph.vertices.geometry, strict=True)
    ]
    ids: list[int] = []
    for start in range(0, len(vertex_rows), BATCH):
        returning = insert(VERTICES).returning(VERTICES.c.id, sort_by_parameter_order=True)
        ids += session.execute(returning, vertex_rows[start : start + BATCH]).scalars().all()
    vertex_id = np.asarray(ids, dtype=np.int64)
    edges = graph.edges
    columns = {
        name: edges[name].tolist()
        for name in ("length_m", "cost_s", "reverse_cost_s", "oneway", "highway", "name")
    }
    columns.update(
        speed_kmh=edges["speed_kmh"].tolist(),
        component=edges["component"].tolist(),
        osm_id=edges["osm_id"].tolist(),
        source=vertex_id[edges["source"].to_numpy()].tolist(),
        target=vertex_id[edges["target"].to_numpy()].tolist(),
    )
    geoms = [ewkb(g) for g in edges.geometry]
    rows = [
        {"network": network, "geom": geoms[i], **{k: _plain(v[i]) for k, v in columns.items()}}
        for i in range(len(edges))
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(EDGES), rows[start : start + BATCH])
    session.execute(
        text(
            "UPDATE road_edges SET area_code = gridmap_area_at(ST_LineInterpolatePoint(geom, 0.5)) "
            "WHERE network = :network"
        ),
        {"network": network},
    )
    values = {
        "network": network,
        "source_file": source_file,
        "imported_at": func.clock_timestamp(),
        "imported_by": actor,
        "jurisdiction": jurisdiction,
        "fingerprint": fingerprint,
        "edges": len(edges),
        "vertices": len(graph.vertices),
        "length_m": float(edges["length_m"].sum()),
        "components": graph.components[:100],
        "details": {"skipped": graph.skipped, "pieces": len(graph.components)},
    }
    upsert = insert(NETWORKS).values(values)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["network"],
            set_={k: upsert.excluded[k] for k in values if k != "network"},
        )
    )
    return int(replaced)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
