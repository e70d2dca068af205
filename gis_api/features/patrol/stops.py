"""Turn the stops of a request into places: points, sites by code, blind spots, hotspots.

Everything is read within the caller's jurisdiction: a site outside it is "not found", blind
spots come from the coverage service under the caller's principal, hotspots count only the
incidents the caller may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boundaries.errors import InvalidInput, NotFound
from gis_api.core.auth import Principal
from gis_api.features.coverage import service as coverage
from gis_api.features.lookup.points import check_range, to_storage
from gis_api.features.patrol.hotspots import incident_hotspots
from gis_api.features.patrol.models import BlindSpotsSpec, HotspotsSpec, PlaceSpec, StopSpec
from gis_api.schema.models import KeySite, RelocationSite


@dataclass
class Place:
    """Somewhere a patrol goes: its label, what it is, and its geometry (EPSG:4490)."""

    name: str
    kind: str
    """point, key_site, relocation_site, blind_spot or hotspot."""
    ref: str | None
    geometry: shapely.Geometry
    """What is snapped to the roads (a point, or a site's or blind spot's polygon)."""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def point(self) -> shapely.Point:
        """A point to show the place by (inside it, for a polygon)."""
        if shapely.get_type_id(self.geometry) == 0:
            return self.geometry
        return self.geometry.representative_point()


@dataclass
class Underlay:
    """What the stops came from, drawn under the routes on the map."""

    blind_spots: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)


def resolve_place(
    session: Session, spec: PlaceSpec, *, principal: Principal, crs: str, label: str
) -> Place:
    """A point, key site or relocation site; ``NotFound`` for a code the caller cannot see."""
    if spec.point is not None:
        lon, lat = float(spec.point[0]), float(spec.point[1])
        check_range(np.array([lon]), np.array([lat]), label=label)
        x, y, _ = to_storage(lon, lat, crs)
        return Place(spec.name or label, "point", None, shapely.Point(x, y))
    if spec.key_site is not None:
        return _site(session, KeySite, spec.key_site, "key_site", "key site", principal)
    assert spec.relocation_site is not None
    return _site(
        session,
        RelocationSite,
        spec.relocation_site,
        "relocation_site",
        "relocation site",
        principal,
    )


def resolve_stops(
    session: Session, specs: list[StopSpec], *, principal: Principal, crs: str
) -> tuple[list[Place], Underlay]:
    """Every stop of the request, groups expanded, duplicates (same site twice) dropped."""
    places: list[Place] = []
    underlay = Underlay()
    seen: set[tuple[str, str]] = set()
    for i, spec in enumerate(specs):
        if spec.blind_spots is not None:
            found = blind_spot_places(session, spec.blind_spots, principal=principal)
            places += found
            underlay.blind_spots += [
                {"grid_code": p.ref, "area_m2": p.details["area_m2"], "geometry": p.geometry}
                for p in found
            ]
        elif spec.hotspots is not None:
            found, incidents = hotspot_places(session, spec.hotspots, principal=principal)
            places += found
            underlay.incidents += incidents
        else:
            place = resolve_place(session, spec, principal=principal, crs=crs, label=f"stops[{i}]")
            if spec.point is not None and spec.name is None:
                place.name = f"巡逻点{i + 1}"
            if place.ref is not None:
                if (place.kind, place.ref) in seen:
                    continue
                seen.add((place.kind, place.ref))
            places.append(place)
    return places, underlay


def blind_spot_places(
    session: Session, spec: BlindSpotsSpec, *, principal: Principal
) -> list[Place]:
    """The blind spots of an area as stops, largest first (the coverage service finds them)."""
    principal.check_area(spec.area_code)
    frame = coverage.blind_spots(
        session,
        area_code=spec.area_code,
        principal=principal,
        include_offline=spec.include_offline,
    )
    if frame is None or frame.empty:
        raise InvalidInput(f"area {spec.area_code} has no blind spots to patrol")
    frame = frame[frame["area_m2"] >= spec.min_area_m2]
    if frame.empty:
        raise InvalidInput(
            f"area {spec.area_code} has no blind spot of at least {spec.min_area_m2:g} m²"
        )
    frame = frame.sort_values("area_m2", ascending=False, kind="stable").head(spec.limit)
    out = []
    for rank, (grid_code, area, geom) in enumerate(
        zip(frame["grid_code"], frame["area_m2"], frame.geometry, strict=True), start=1
    ):
        out.append(
            Place(
                name=f"盲区{rank}（{float(area):.0f} m²）",
                kind="blind_spot",
                ref=None if grid_code is None else str(grid_code),
                geometry=geom,
                details={"area_m2": float(area), "grid_code": grid_code},
            )
        )
    return out


def hotspot_places(
    session: Session, spec: HotspotsSpec, *, principal: Principal
) -> tuple[list[Place], list[dict[str, Any]]]:
    """The densest incident hotspots as stops, with the incidents used (for the map)."""
    if spec.area_code:
        principal.check_area(spec.area_code)
    hotspots, incidents = incident_hotspots(
        session,
        n=spec.n,
        days=spec.days,
        radius_m=spec.radius_m,
        min_incidents=spec.min_incidents,
        area_code=spec.area_code,
        category=spec.category,
        jurisdiction=principal.jurisdiction,
    )
    if not hotspots:
        raise InvalidInput(
            f"no place had {spec.min_incidents} or more incidents within {spec.radius_m:g} m "
            f"in the last {spec.days} days"
        )
    places = [
        Place(
            name=f"热点{h.rank}（{h.count}起）",
            kind="hotspot",
            ref=f"hotspot-{h.rank}",
            geometry=h.point,
            details={
                "incidents": h.count,
                "categories": h.categories,
                "incident_ids": h.incident_ids[:100],
                "last_reported": h.last_reported.isoformat() if h.last_reported else None,
            },
        )
        for h in hotspots
    ]
    return places, incidents


def _site(
    session: Session, model: Any, code: str, kind: str, word: str, principal: Principal
) -> Place:
    row = session.execute(
        select(
            model.code, model.name, model.area_code, func.ST_AsBinary(model.geom).label("wkb")
        ).where(model.code == code)
    ).first()
    if row is None or not principal.sees(row.area_code):
        raise NotFound(f"no {word} with code {code!r} in this key's jurisdiction")
    return Place(row.name, kind, row.code, shapely.from_wkb(bytes(row.wkb)))
