"""No personal field reaches a ``service`` or ``viewer`` key, by any way out; an admin sees them.

Driven by ``gis_api.schema.layers``: for every personal field of every layer, the values
stored in its column are read back, and every answer is searched for them and for the field's
name. A new personal field is covered by declaring it (its column needs values in the test
data: the test says so); a new layer with personal data is checked wherever it is served.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from gis_api.features.ogc.collections import COLLECTIONS
from gis_api.features.tiles.layers import TILE_LAYERS
from gis_api.schema.layers import LAYERS, Layer

PERSONAL_LAYERS = [layer for layer in LAYERS.values() if layer.personal_fields]
PERSONAL = [(layer, name) for layer in PERSONAL_LAYERS for name in layer.personal_fields]
COUNTY = "510116000000"
VILLAGE = "510116002001"
POINT = (104.035, 30.515)  # in grid 510116002001002
Z = 12
OUTSIDERS = ("viewer", "service")


def stored(session: Any, layer: Layer, name: str) -> set[str]:
    """The values of a personal column (long enough not to turn up by chance)."""
    rows = session.execute(
        text(f"SELECT DISTINCT CAST({name} AS text) FROM {layer.table} WHERE {name} IS NOT NULL")
    ).scalars()
    values = set(rows)
    assert values, f"the test data has no {layer.name}.{name}: give it some"
    assert all(len(v) >= 6 for v in values), f"{layer.name}.{name}: values too short to find"
    return values


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


Answer = tuple[int, str]
Fetch = Callable[[Any, dict[str, str]], list[Answer]]
"""(client, headers) → the status and text of the answers of one way out."""


def got(r: Any) -> Answer:
    return r.status_code, r.text


def ogc(layer: Layer) -> Fetch:
    def fetch(client: Any, headers: dict[str, str]) -> list[Answer]:
        url = f"/ogc/collections/{layer.name}/items"
        items = client.get(url, params={"limit": 1000}, headers=headers)
        out = [got(items)]
        if items.status_code == 200:
            assert items.json()["features"], f"{layer.name}: no items"
            fid = items.json()["features"][0]["id"]
            out.append(got(client.get(f"{url}/{fid}", headers=headers)))
        return out

    return fetch


def tiles(layer: Layer) -> Fetch:
    def fetch(client: Any, headers: dict[str, str]) -> list[Answer]:
        x, y = tile_of(*POINT, Z)
        out = []
        for spec in TILE_LAYERS.values():
            if spec.layer is not layer:
                continue
            r = client.get(f"/tiles/{spec.name}/{Z}/{x}/{y}.pbf", headers=headers)
            if r.status_code != 200:
                out.append(got(r))
                continue
            decoded = mapbox_vector_tile.decode(r.content)
            assert decoded[spec.name]["features"], f"the {spec.name} tile holds features"
            out.append((r.status_code, repr(decoded)))
        return out

    return fetch


def export(client: Any, headers: dict[str, str]) -> list[Answer]:
    url = f"/v1/areas/{COUNTY}/export"
    return [
        got(client.get(url, params={"format": "geojson"}, headers=headers)),
        got(client.get(url, params={"format": "geojson", "chinese": True}, headers=headers)),
    ]


def lookups(client: Any, headers: dict[str, str]) -> list[Answer]:
    single = client.get("/v1/lookup", params={"lon": POINT[0], "lat": POINT[1]}, headers=headers)
    many = client.post("/v1/lookup/batch", json={"points": [list(POINT)] * 2}, headers=headers)
    return [got(single), got(many)]


def history(client: Any, headers: dict[str, str]) -> list[Answer]:
    code = VILLAGE + "002"
    return [
        got(client.get(f"/v1/grids/{code}/history", headers=headers)),
        got(client.get(f"/v1/areas/{VILLAGE}/versions/1", headers=headers)),
    ]


def drafts(draft_id: int) -> Fetch:
    def fetch(client: Any, headers: dict[str, str]) -> list[Answer]:
        url = f"/v1/drafts/{draft_id}"
        return [
            got(client.get(url, headers=headers)),
            got(client.get(url + "/export", params={"format": "geojson"}, headers=headers)),
        ]

    return fetch


def page(client: Any, headers: dict[str, str]) -> list[Answer]:
    client.cookies.clear()
    login = client.post("/login", data={"key": headers["X-API-Key"]}, follow_redirects=False)
    if login.status_code >= 400:
        return [got(login)]
    answer = got(client.get("/map"))
    client.cookies.clear()
    return [answer]


def incidents(client: Any, headers: dict[str, str]) -> list[Answer]:
    listed = client.get("/v1/incidents", headers=headers)
    out = [got(listed)]
    if listed.status_code == 200:
        first = listed.json()["items"][0]["id"]
        out.append(got(client.get(f"/v1/incidents/{first}", headers=headers)))
    return out


@pytest.fixture
def world(app_client, loaded_county, session, make_key):  # type: ignore[no-untyped-def]
    """The county (grids with leaders' phones), an incident with every personal field of its
    layer set, and a draft."""
    admin = {"X-API-Key": make_key("admin")}
    client = app_client()
    report = {
        "category": "矛盾纠纷",
        "description": "test",
        "source": "public",
        "lon": POINT[0],
        "lat": POINT[1],
        **{name: f"{name}-of-the-reporter" for name in LAYERS["incidents"].personal_fields},
    }
    r = client.post("/v1/incidents", json=report, headers=admin)
    assert r.status_code == 201, r.text
    values = {(layer.name, name): stored(session, layer, name) for layer, name in PERSONAL}
    r = client.post("/v1/drafts", json={"area": VILLAGE}, headers=admin)
    assert r.status_code == 201, r.text
    ways: dict[str, dict[str, Fetch]] = {layer.name: {} for layer in PERSONAL_LAYERS}
    for layer in PERSONAL_LAYERS:
        if layer.name in COLLECTIONS:
            ways[layer.name]["ogc items"] = ogc(layer)
        if any(spec.layer is layer for spec in TILE_LAYERS.values()):
            ways[layer.name]["vector tiles"] = tiles(layer)
    ways["grids"].update(
        {
            "export": export,
            "lookup": lookups,
            "history": history,
            "drafts": drafts(r.json()["id"]),
            "/map page": page,
        }
    )
    ways["incidents"]["incident answers"] = incidents
    return client, make_key, ways, values


def _found(answers: list[Answer], values: set[str], name: str) -> list[str]:
    texts = [t for _, t in answers]
    quoted = (f'"{name}"', f"'{name}'")
    return [t for t in texts if any(v in t for v in values) or any(q in t for q in quoted)]


IDS = [f"{layer.name}.{name}" for layer, name in PERSONAL]


@pytest.mark.parametrize(("layer", "name"), PERSONAL, ids=IDS)
@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_personal_field_reaches_a_service_or_viewer_key(world, layer, name, role):
    client, make_key, ways, values = world
    headers = {"X-API-Key": make_key(role)}
    assert ways[layer.name], f"{layer.name} is served nowhere this test looks"
    for way, fetch in ways[layer.name].items():
        answers = fetch(client, headers)
        statuses = [status for status, _ in answers]
        if role == "viewer" or way == "lookup":
            # real answers, not refusals that would hide nothing
            assert statuses and all(s == 200 for s in statuses), (way, answers)
        else:
            assert all(s in (200, 401, 403) for s in statuses), (way, answers)
        leaked = _found(answers, values[(layer.name, name)], name)
        assert not leaked, f"{layer.name}.{name} reached a {role} key: {way}"


@pytest.mark.parametrize(("layer", "name"), PERSONAL, ids=IDS)
def test_an_admin_key_sees_them(world, layer, name):
    client, make_key, ways, values = world
    headers = {"X-API-Key": make_key("admin")}
    for way, fetch in ways[layer.name].items():
        answers = fetch(client, headers)
        assert all(status == 200 for status, _ in answers), (way, answers)
        assert _found(answers, values[(layer.name, name)], name), f"{layer.name}.{name}: {way}"
