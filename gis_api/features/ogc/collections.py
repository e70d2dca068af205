"""The collections served under /ogc and the queries behind them.

A collection is a layer of ``gis_api.schema.layers`` (its fields, which are personal data, the
column carrying the area code the caller's jurisdiction filters on, its precision) and the
table it reads. Adding a layer is declaring it there and naming its table here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import orjson
import shapely
from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from boundaries.errors import NotFound
from gis_api.core.auth import Principal
from gis_api.schema.fields import SERVED, Layer
from gis_api.schema.geojson import feature, served_geojson
from gis_api.schema.layers import LAYERS
from gis_api.schema.models import (
    AdminArea,
    Building,
    Camera,
    Grid,
    Incident,
    KeySite,
    RelocationSite,
)

MODELS: dict[str, Any] = {
    "admin-areas": AdminArea,
    "grids": Grid,
    "cameras": Camera,
    "relocation-sites": RelocationSite,
    "key-sites": KeySite,
    "buildings": Building,
    "incidents": Incident,
}
"""The table behind each collection."""


@dataclass(frozen=True)
class Interval:
    """A datetime filter: an instant (start == end) or an interval, open where None."""

    start: datetime | None
    end: datetime | None
    instant: bool = False


@dataclass(frozen=True)
class Collection:
    """One layer as an OGC API – Features collection."""

    layer: Layer
    model: Any

    @property
    def id(self) -> str:
        """The collection id: the layer's name."""
        return self.layer.name

    @property
    def title(self) -> str:
        """The layer's title."""
        return self.layer.title

    @property
    def description(self) -> str:
        """The layer's description."""
        return self.layer.description

    @property
    def id_column(self) -> str:
        """The column of the feature id."""
        return self.layer.id_field

    @property
    def area_column(self) -> str:
        """The column whose code prefix the jurisdiction filters on."""
        return self.layer.area_field

    @property
    def versioned(self) -> bool:
        """Whether rows are versions valid from/to an instant."""
        return self.layer.versioned

    @property
    def properties(self) -> tuple[str, ...]:
        """Every property an item may carry."""
        return self.layer.names(SERVED, stored=True)

    @property
    def instant_column(self) -> str | None:
        """Each feature happened at this instant: ``datetime`` selects the features within it."""
        return self.layer.instant_field

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        """A mapped column of the collection's table."""
        return getattr(self.model, name)  # type: ignore[no-any-return]

    def visible_properties(self, principal: Principal) -> tuple[str, ...]:
        """The properties this caller may see (personal ones only with the right role)."""
        return self.layer.names(SERVED, caller=principal, stored=True)


COLLECTIONS: dict[str, Collection] = {
    name: Collection(layer=LAYERS[name], model=model) for name, model in MODELS.items()
}


def get_collection(collection_id: str) -> Collection:
    """The collection, or ``NotFound`` naming the ones there are."""
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound(f"no collection {collection_id!r}; collections are {', '.join(COLLECTIONS)}")
    return collection


def _jurisdiction(collection: Collection, principal: Principal) -> ColumnElement[bool]:
    if not principal.jurisdiction:
        return true()
    return collection.column(collection.area_column).startswith(principal.jurisdiction)


def _temporal(collection: Collection, when: Interval | None) -> ColumnElement[bool]:
    if collection.instant_column is not None:
        return _within(collection.column(collection.instant_column), when)
    if not collection.versioned:
        return true()
    valid_from, valid_to = collection.column("valid_from"), collection.column("valid_to")
    if when is None:
        return valid_to.is_(None)
    conditions = []
    if when.instant:
        conditions.append(valid_from <= when.start)
        conditions.append(or_(valid_to.is_(None), valid_to > when.start))
        return and_(*conditions)
    if when.end is not None:
        conditions.append(valid_from <= when.end)
    if when.start is not None:
        conditions.append(or_(valid_to.is_(None), valid_to > when.start))
    return and_(*conditions) if conditions else true()


def _within(column: InstrumentedAttribute[Any], when: Interval | None) -> ColumnElement[bool]:
    """Instants equal to an instant, or in a closed interval (open where an end is None)."""
    if when is None:
        return true()
    if when.instant:
        return column == when.start
    conditions = []
    if when.start is not None:
        conditions.append(column >= when.start)
    if when.end is not None:
        conditions.append(column <= when.end)
    return and_(*conditions) if conditions else true()


def _bbox(
    collection: Collection, bbox: tuple[float, float, float, float] | None
) -> ColumnElement[bool]:
    if bbox is None:
        return true()
    minx, miny, maxx, maxy = bbox
    geom = collection.column("geom")
    if minx <= maxx:
        return geom.intersects(func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4490))
    # crossing the antimeridian: two boxes
    return or_(
        geom.intersects(func.ST_MakeEnvelope(minx, miny, 180, maxy, 4490)),
        geom.intersects(func.ST_MakeEnvelope(-180, miny, maxx, maxy, 4490)),
    )


def feature_id(collection: Collection, row: Any) -> str:
    """A versioned feature's id names its version unless it is the current one."""
    fid = str(getattr(row, collection.id_column))
    if collection.versioned and row.valid_to is not None:
        return f"{fid}.v{row.version}"
    return fid


def _columns(collection: Collection) -> list[Any]:
    cols = [collection.column(p) for p in collection.properties]
    if collection.versioned:
        cols = list(
            dict.fromkeys([*cols, collection.column("version"), collection.column("valid_to")])
        )
    return [*cols, served_geojson(collection.column("geom"), collection.layer).label("geojson")]


def _feature(collection: Collection, row: Any, props: tuple[str, ...]) -> dict[str, Any]:
    properties = {}
    for p in props:
        value = getattr(row, p)
        properties[p] = value.isoformat() if isinstance(value, datetime) else value
    return feature(orjson.Fragment(row.geojson), properties, id=feature_id(collection, row))


def query_items(
    session: Session,
    collection: Collection,
    *,
    principal: Principal,
    bbox: tuple[float, float, float, float] | None,
    when: Interval | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of features and how many match in all."""
    where = and_(
        _jurisdiction(collection, principal), _temporal(collection, when), _bbox(collection, bbox)
    )
    matched = session.scalar(select(func.count()).select_from(collection.model).where(where)) or 0
    order = [collection.column(collection.id_column)]
    if collection.versioned:
        order.append(collection.column("version"))
    rows = session.execute(
        select(*_columns(collection)).where(where).order_by(*order).limit(limit).offset(offset)
    ).all()
    props = collection.visible_properties(principal)
    return [_feature(collection, r, props) for r in rows], matched


def query_item(
    session: Session, collection: Collection, *, principal: Principal, feature_id: str
) -> dict[str, Any]:
    """One feature by id (``code`` or, for an old grid version, ``code.vN``)."""
    key, version = feature_id, None
    if collection.versioned and ".v" in feature_id:
        key, _, tail = feature_id.partition(".v")
        if tail.isdigit():
            version = int(tail)
    conditions = [
        collection.column(collection.id_column) == key,
        _jurisdiction(collection, principal),
    ]
    if collection.versioned:
        if version is None:
            conditions.append(collection.column("valid_to").is_(None))
        else:
            conditions.append(collection.column("version") == version)
    row = session.execute(select(*_columns(collection)).where(*conditions)).first()
    if row is None:
        raise NotFound(f"no feature {feature_id!r} in collection {collection.id!r}")
    return _feature(collection, row, collection.visible_properties(principal))


def extent(
    session: Session, collection: Collection, *, principal: Principal
) -> tuple[list[float] | None, list[str | None] | None]:
    """The bbox of what this caller may see, and for versioned layers the time span."""
    where = _jurisdiction(collection, principal)
    box = session.execute(
        select(
            func.ST_XMin(func.ST_Extent(collection.column("geom"))),
            func.ST_YMin(func.ST_Extent(collection.column("geom"))),
            func.ST_XMax(func.ST_Extent(collection.column("geom"))),
            func.ST_YMax(func.ST_Extent(collection.column("geom"))),
        ).where(where)
    ).one()
    digits = collection.layer.precision
    bbox = [round(float(v), digits) for v in box] if box[0] is not None else None
    interval = None
    if collection.versioned:
        first = session.scalar(select(func.min(collection.column("valid_from"))).where(where))
        interval = [first.isoformat() if first else None, None]
    elif collection.instant_column is not None:
        at = collection.column(collection.instant_column)
        first, last = session.execute(select(func.min(at), func.max(at)).where(where)).one()
        if first is not None:
            interval = [first.isoformat(), last.isoformat()]
    return bbox, interval


def load_frame(
    session: Session,
    collection: Collection,
    *,
    principal: Principal,
    when: Interval | None = None,
) -> gpd.GeoDataFrame:
    """The whole layer the caller may see, as a GeoDataFrame (EPSG:4490), for the maps."""
    props = collection.visible_properties(principal)
    where = and_(_jurisdiction(collection, principal), _temporal(collection, when))
    rows = session.execute(
        select(
            *[collection.column(p) for p in props],
            func.ST_AsBinary(collection.column("geom")).label("wkb"),
        )
        .where(where)
        .order_by(collection.column(collection.id_column))
    ).all()
    data = {p: [getattr(r, p) for r in rows] for p in props}
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=4490)
