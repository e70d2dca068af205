"""OGC API – Features Part 1 (Core, GeoJSON), read-only, so QGIS, ArcGIS and OpenLayers can
read the layers with no custom code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from gis_api.core.deps import Reader, SessionDep
from gis_api.core.errors import error_responses
from gis_api.features.ogc import collections as coll
from gis_api.features.ogc import models as m
from gis_api.features.ogc.params import check_known, items_query
from gis_api.schema.geojson import GeoJSONResponse, feature_collection

router = APIRouter(
    prefix="/ogc",
    tags=["OGC API – Features"],
    # every document checks its query parameters: 400 names one that is not understood
    responses=error_responses(400),
)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
JSON = "application/json"
GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _respond(body: dict[str, Any], media_type: str = JSON) -> Response:
    return Response(orjson.dumps(body), media_type=media_type)


def _url(request: Request, path: str, **params: object) -> str:
    base = str(request.base_url).rstrip("/")
    query = urlencode({k: v for k, v in params.items() if v is not None}, safe=",:/")
    return f"{base}{path}" + (f"?{query}" if query else "")


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


@router.get("", summary="Landing page", response_model=m.Landing)
def landing(request: Request, principal: Reader) -> Response:
    """Links to the API definition, the conformance classes and the collections."""
    check_known(request.query_params, {"f"})
    return _respond(
        {
            "title": "gridmap OGC API – Features",
            "description": "Grids, areas, cameras and sites of grid-based governance "
            "(网格化服务管理), read-only.",
            "links": [
                _link(_url(request, "/ogc"), "self", JSON, "this document"),
                _link(
                    _url(request, "/openapi.json"),
                    "service-desc",
                    "application/vnd.oai.openapi+json;version=3.1",
                    "the API definition",
                ),
                _link(_url(request, "/docs"), "service-doc", "text/html", "the API documentation"),
                _link(_url(request, "/ogc/conformance"), "conformance", JSON, "conformance"),
                _link(_url(request, "/ogc/collections"), "data", JSON, "the collections"),
            ],
        }
    )


@router.get("/conformance", summary="Conformance classes", response_model=m.Conformance)
def conformance(request: Request, principal: Reader) -> Response:
    """The conformance classes this API implements."""
    check_known(request.query_params, {"f"})
    return _respond({"conformsTo": CONFORMANCE})


def _collection_doc(
    request: Request, session: Any, collection: coll.Collection, principal: Any
) -> dict[str, Any]:
    bbox, interval = coll.extent(session, collection, principal=principal)
    extent: dict[str, Any] = {
        "spatial": {"bbox": [bbox] if bbox else [[-180, -90, 180, 90]], "crs": CRS84}
    }
    if interval is not None:
        extent["temporal"] = {
            "interval": [interval],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    path = f"/ogc/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            _link(_url(request, path), "self", JSON, collection.title),
            _link(_url(request, path + "/items"), "items", GEOJSON, "the features"),
        ],
    }


@router.get("/collections", summary="The collections", response_model=m.Collections)
def collections(request: Request, principal: Reader, session: SessionDep) -> Response:
    """Every collection with its extent (within the caller's jurisdiction)."""
    check_known(request.query_params, {"f"})
    return _respond(
        {
            "links": [_link(_url(request, "/ogc/collections"), "self", JSON, "the collections")],
            "collections": [
                _collection_doc(request, session, c, principal) for c in coll.COLLECTIONS.values()
            ],
        }
    )


@router.get(
    "/collections/{collection_id}",
    summary="One collection",
    response_model=m.Collection,
    responses=error_responses(404),
)
def collection(
    request: Request, collection_id: str, principal: Reader, session: SessionDep
) -> Response:
    """A collection's description and extent."""
    check_known(request.query_params, {"f"})
    return _respond(
        _collection_doc(request, session, coll.get_collection(collection_id), principal)
    )


@router.get(
    "/collections/{collection_id}/items",
    summary="Features of a collection",
    response_model=m.Items,
    response_class=GeoJSONResponse,
    responses=error_responses(404),
)
def items(request: Request, collection_id: str, principal: Reader, session: SessionDep) -> Response:
    """A page of features: ``bbox``, ``datetime``, ``limit`` and ``offset``, with next/prev."""
    settings = request.app.state.settings
    target = coll.get_collection(collection_id)
    query = items_query(
        request.query_params,
        default_limit=settings.ogc_default_limit,
        max_limit=settings.ogc_max_limit,
    )
    features, matched = coll.query_items(
        session,
        target,
        principal=principal,
        bbox=query.bbox,
        when=query.when,
        limit=query.limit,
        offset=query.offset,
    )
    path = f"/ogc/collections/{target.id}/items"
    keep = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    links = [
        _link(_url(request, path, **keep, limit=query.limit, offset=query.offset), "self", GEOJSON),
        _link(_url(request, f"/ogc/collections/{target.id}"), "collection", JSON),
    ]
    if query.offset + len(features) < matched:
        links.append(
            _link(
                _url(request, path, **keep, limit=query.limit, offset=query.offset + query.limit),
                "next",
                GEOJSON,
            )
        )
    if query.offset > 0:
        links.append(
            _link(
                _url(
                    request,
                    path,
                    **keep,
                    limit=query.limit,
                    offset=max(0, query.offset - query.limit),
                ),
                "prev",
                GEOJSON,
            )
        )
    return _respond(
        feature_collection(
            features,
            links=links,
            numberMatched=matched,
            numberReturned=len(features),
            timeStamp=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        ),
        GEOJSON,
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_model=m.Item,
    response_class=GeoJSONResponse,
    responses=error_responses(404),
)
def item(
    request: Request,
    collection_id: str,
    feature_id: str,
    principal: Reader,
    session: SessionDep,
) -> Response:
    """One feature by its id."""
    check_known(request.query_params, {"f"})
    target = coll.get_collection(collection_id)
    feature = coll.query_item(session, target, principal=principal, feature_id=feature_id)
    feature["links"] = [
        _link(
            _url(request, f"/ogc/collections/{target.id}/items/{feature['id']}"), "self", GEOJSON
        ),
        _link(_url(request, f"/ogc/collections/{target.id}"), "collection", JSON),
    ]
    return _respond(feature, GEOJSON)
