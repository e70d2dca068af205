"""What road networks are loaded: size, source, and the pieces that do not connect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_api.schema.models import RoadNetwork


def network_status(session: Session) -> list[dict[str, Any]]:
    """One entry per loaded network (driving, walking), with its largest pieces."""
    rows = session.scalars(select(RoadNetwork).order_by(RoadNetwork.network)).all()
    out = []
    for row in rows:
        pieces = row.components or []
        largest = pieces[0]["length_m"] if pieces else 0.0
        out.append(
            {
                "network": row.network,
                "source_file": row.source_file,
                "imported_at": row.imported_at.isoformat() if row.imported_at else None,
                "imported_by": row.imported_by,
                "jurisdiction": row.jurisdiction,
                "edges": row.edges,
                "vertices": row.vertices,
                "length_m": round(row.length_m, 1),
                "pieces": int(row.details.get("pieces", len(pieces))),
                "largest_piece_share": round(largest / row.length_m, 4) if row.length_m else 0.0,
                "components": pieces[:20],
            }
        )
    return out
