"""Sweeps over the demo county: every area code through every area endpoint, with an admin key.

The demo county (双流区: 19 towns, 257 villages and communities) is generated at a small
``SCALE`` (fewer households, so fewer grids, buildings and cameras; every area is still there)
and loaded through the importers, with its roads and incidents, into a database of this
module's own, once. Each test then asks one endpoint about every area and collects what went
wrong, so a failure lists every area at once. Asserted everywhere: no 5xx, and every geometry
in a JSON answer is valid (shapely ``is_valid`` after ``shape()``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from gis_api.app import create_app
from gis_api.core.settings import Settings
from gis_api.features.demo.load import demo_extras, demo_files, import_demo
from tests.conftest import create_database, create_key_in, drop_database

pytestmark = [pytest.mark.slow, pytest.mark.db]

SCALE = 0.25
SEED = 510116
GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


class Sweep:
    """The client, the admin headers, the area codes, and what went wrong."""

    def __init__(self, client: TestClient, headers: dict[str, str], url: str) -> None:
        self.client = client
        self.headers = headers
        self.url = url
        eng = create_engine(url, poolclass=NullPool)
        with eng.connect() as conn:
            rows = conn.execute(text("SELECT code, level FROM admin_areas ORDER BY code")).all()
            self.grid_of = dict(
                conn.execute(
                    text(
                        "SELECT DISTINCT ON (village_code) village_code, code FROM grids "
                        "WHERE valid_to IS NULL ORDER BY village_code, code"
                    )
                ).all()
            )
            self.town_points = {
                town: [(float(x), float(y)) for x, y in pts]
                for town, pts in conn.execute(
                    text(
                        "SELECT left(village_code, 9) || '000', "
                        "array_agg(ARRAY[ST_X(p), ST_Y(p)] ORDER BY code) FROM ("
                        "  SELECT code, village_code, ST_PointOnSurface(geom) AS p FROM grids"
                        "  WHERE valid_to IS NULL) g GROUP BY 1"
                    )
                ).all()
            }
        eng.dispose()
        self.areas = [code for code, _ in rows]
        self.levels = dict(rows)
        self.villages = [c for c, lv in rows if lv == "village"]
        self.towns = [c for c, lv in rows if lv == "town"]

    def call(self, name: str, method: str, url: str, problems: list[str], **kw: Any) -> Any:
        """Call the endpoint; note a 5xx or an invalid geometry in ``problems``."""
        r = self.client.request(method, url, headers=self.headers, **kw)
        where = f"{method} {url} {kw.get('params', '')}"
        if r.status_code >= 500:
            problems.append(f"{where}: {r.status_code} {r.text[:200]}")
            return None
        media = r.headers.get("content-type", "")
        if r.status_code >= 400 or not media.startswith(
            ("application/json", "application/geo+json")
        ):
            return r
        body = r.json()
        for path, geometry in _geometries(body, ""):
            geom = shape(geometry)
            if geom.is_valid:
                continue
            problems.append(f"{where}: invalid {path}: {shapely.is_valid_reason(geom)}")
        return r


def _geometries(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every GeoJSON geometry object in a JSON document, with where it is."""
    if isinstance(value, dict):
        if value.get("type") in GEOMETRY_TYPES and (
            "coordinates" in value or "geometries" in value
        ):
            yield path or "/", value
            return
        for key, item in value.items():
            yield from _geometries(item, f"{path}/{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _geometries(item, path + "[]")


@pytest.fixture(scope="module")
def sweep(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sweep]:
    """The demo county loaded once into a database of this module's own, and a client."""
    name = f"gridmap_test_{os.getpid()}_sweep_{secrets.token_hex(3)}"
    url = create_database(name, template=template_db)
    directory: Path = tmp_path_factory.mktemp("demo")
    county, files = demo_files(directory, seed=SEED, scale=SCALE)
    eng = create_engine(url, poolclass=NullPool)
    with Session(eng) as session, session.begin():
        import_demo(session, files)
        for _, load in demo_extras():
            load(session, county, directory)
    eng.dispose()
    headers = {"X-API-Key": create_key_in(url, "admin")}
    app = create_app(Settings(database_url=url, environment="test", listen=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Sweep(client, headers, url)
    drop_database(name)


def test_the_demo_county_has_every_area(sweep):
    levels = list(sweep.levels.values())
    assert (levels.count("county"), levels.count("town"), levels.count("village")) == (1, 19, 257)
    assert set(sweep.grid_of) == set(sweep.villages)


def test_coverage_report_of_every_area(sweep):
    problems: list[str] = []
    for code in sweep.areas:
        r = sweep.call("coverage", "GET", "/v1/coverage", problems, params={"area": code})
        if r is not None and r.status_code != 200:
            problems.append(f"coverage {code}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_blind_spots_of_every_area(sweep):
    problems: list[str] = []
    for code in sweep.areas:
        r = sweep.call(
            "blind-spots", "GET", "/v1/coverage/blind-spots", problems, params={"area": code}
        )
        if r is not None and r.status_code != 200:
            problems.append(f"blind spots {code}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_blind_spots_of_every_area_are_valid_before_rounding(sweep):
    """Blind spots are valid before they are served (snap-rounded) too: in metres and back in
    degrees."""
    from gis_api.core.auth import Principal
    from gis_api.features.coverage.service import blind_spots

    admin = Principal(key_id=0, prefix="sweep", role="admin", jurisdiction="")
    eng = create_engine(sweep.url, poolclass=NullPool)
    invalid = []
    with Session(eng) as session:
        for code in sweep.areas:
            frame = blind_spots(session, area_code=code, principal=admin)
            bad = ~frame.geometry.is_valid
            invalid += [f"{code}: grid {g}" for g in frame.loc[bad, "grid_code"]]
    eng.dispose()
    assert not invalid, "\n".join(invalid)


def test_placement_in_every_area(sweep):
    problems: list[str] = []
    for code in sweep.areas:
        body = {"area": code, "k": 2, "time_limit_s": 0.5, "max_candidates": 200}
        sweep.call("placement", "POST", "/v1/coverage/placement", problems, json=body)
    assert not problems, "\n".join(problems)


def test_validation_of_every_area_and_of_every_village_sent_back(sweep):
    problems: list[str] = []
    for code in sweep.areas:
        sweep.call("validation", "GET", f"/v1/areas/{code}/validation", problems)
    for code in sweep.villages:
        export = sweep.client.get(
            f"/v1/areas/{code}/export", params={"format": "geojson"}, headers=sweep.headers
        )
        if export.status_code != 200:
            continue  # the export test reports it
        sweep.call(
            "validation",
            "POST",
            "/v1/validation",
            problems,
            params={"area": code},
            json=export.json(),
        )
    assert not problems, "\n".join(problems)


def test_every_export_format_of_every_village(sweep):
    problems: list[str] = []
    for code in sweep.villages:
        for fmt in ("geojson", "gpkg", "shp"):
            r = sweep.call(
                "export", "GET", f"/v1/areas/{code}/export", problems, params={"format": fmt}
            )
            if r is not None and (r.status_code != 200 or not r.content):
                problems.append(f"export {code} {fmt}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_history_of_a_grid_of_every_village(sweep):
    problems: list[str] = []
    for grid in sweep.grid_of.values():
        r = sweep.call("history", "GET", f"/v1/grids/{grid}/history", problems)
        if r is not None and r.status_code != 200:
            problems.append(f"history {grid}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_proposals_for_every_village_as_a_dry_run(sweep):
    problems: list[str] = []
    for code in sweep.villages:
        r = sweep.call(
            "proposals", "POST", "/v1/proposals", problems, json={"area": code, "save": False}
        )
        if r is not None and r.status_code != 200:
            problems.append(f"proposal {code}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_every_ogc_collection_and_a_page_of_its_items(sweep):
    problems: list[str] = []
    collections = sweep.call("ogc", "GET", "/ogc/collections", problems)
    assert collections is not None and collections.status_code == 200
    ids = [c["id"] for c in collections.json()["collections"]]
    assert len(ids) >= 7
    for cid in ids:
        sweep.call("ogc", "GET", f"/ogc/collections/{cid}", problems)
        r = sweep.call(
            "ogc", "GET", f"/ogc/collections/{cid}/items", problems, params={"limit": 50}
        )
        if r is not None and (r.status_code != 200 or not r.json()["features"]):
            problems.append(f"items of {cid}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_patrol_routes_in_every_town(sweep):
    problems: list[str] = []
    for town in sweep.towns:
        points = sweep.town_points[town]
        step = max(1, len(points) // 4)
        start, *stops = points[::step][:4]
        body = {
            "start": {"point": list(start)},
            "stops": [{"point": list(p)} for p in stops] or [{"point": list(start)}],
            "time_limit_s": 0.5,
            "max_snap_m": 5000,  # grid centres in the fields lie a few hundred metres off roads
        }
        r = sweep.call("patrol", "POST", "/v1/patrol/routes", problems, json=body)
        if r is not None and r.status_code != 200:
            problems.append(f"patrol in {town}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)
