"""``/openapi.json`` describes what the API really answers: a schema for every JSON answer,
``ErrorBody`` for every error (FastAPI's ``HTTPValidationError`` nowhere), and real answers
on the test county validate against the documented schemas.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from tests.gis_api.county import COUNTY

ERROR_REF = "#/components/schemas/ErrorBody"
VILLAGE = "510116002001"
GRID = "510116001001001"
JSON_TYPES = ("application/json", "application/geo+json")
NO_ID_IN_PATH = {"/v1/imports/{layer}"}
"""Paths whose parameter names a kind, not a thing that may be missing (an unknown one is 422)."""


@pytest.fixture
def client(app_client, loaded_county):
    return app_client()


@pytest.fixture
def admin(make_key):
    return {"X-API-Key": make_key("admin")}


@pytest.fixture
def spec(client, admin):
    r = client.get("/openapi.json", headers=admin)
    assert r.status_code == 200
    return r.json()


def _operations(spec: dict[str, Any]):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _describes(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a schema says something about the answer (not ``{}``, not a bare object)."""
    schema = _resolve(spec, schema)
    if schema.get("properties"):
        return True
    if schema.get("type") == "array":
        return _describes(spec, schema.get("items", {}))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return _describes(spec, extra)
    return any(_describes(spec, s) for s in schema.get("anyOf", []))


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate_openapi(spec)


def test_every_json_answer_has_a_schema(spec):
    json_operations = 0
    for method, path, operation in _operations(spec):
        answers = {s: r for s, r in operation["responses"].items() if s[0] in "23"}
        assert answers, (method, path)
        for status, response in answers.items():
            content = response.get("content", {})
            for media_type in set(content) & set(JSON_TYPES):
                json_operations += 1
                assert status in ("200", "201"), (method, path, status)
                assert _describes(spec, content[media_type].get("schema", {})), (method, path)
    assert json_operations >= 55


def test_no_fastapi_validation_error_schema_is_left(spec):
    schemas = spec["components"]["schemas"]
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
    assert "HTTPValidationError" not in str(spec)
    for name, schema in schemas.items():
        assert "detail" not in schema.get("properties", {}), name
    assert set(schemas["ErrorBody"]["properties"]) == {"error", "message", "details"}


def test_every_error_is_an_error_body_and_keyed_routes_document_401_and_403(spec):
    keyed = 0
    for method, path, operation in _operations(spec):
        responses = operation["responses"]
        for status, response in responses.items():
            json = response.get("content", {}).get("application/json")
            if status[0] in "45" and json is not None:
                assert json["schema"] == {"$ref": ERROR_REF}, (method, path, status)
        if operation.get("security") == []:
            continue
        keyed += 1
        for status in ("401", "403", "422"):
            assert status in responses, (method, path, status)
            assert responses[status]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
        if "{" in path and path not in NO_ID_IN_PATH:
            assert "404" in responses, (method, path)
    open_ones = {(m, p) for m, p, o in _operations(spec) if o.get("security") == []}
    assert open_ones == {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/logout"),
        ("POST", "/logout"),  # the same as GET /logout, from a form
    }
    assert keyed == len(list(_operations(spec))) - len(open_ones)


def _strict(node: Any) -> Any:
    """The schema with every described object closed: a key the model does not name fails."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if "properties" in out and not isinstance(out.get("additionalProperties"), dict):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


class Documented:
    """Validates answers against the schema ``/openapi.json`` gives their operation."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components = _strict(copy.deepcopy(spec["components"]))
        self.checked: set[tuple[str, str]] = set()

    def operation(self, method: str, url: str) -> tuple[str, dict[str, Any]]:
        path = url.split("?")[0]
        for template, operations in self.spec["paths"].items():
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, path) and method.lower() in operations:
                return template, operations[method.lower()]
        raise AssertionError(f"{method} {path} is not documented")

    def check(self, method: str, url: str, response: Any) -> Any:
        template, operation = self.operation(method, url)
        status = str(response.status_code)
        assert status in operation["responses"], (method, template, status, response.text)
        media_type = response.headers["content-type"].split(";")[0]
        schema = operation["responses"][status]["content"][media_type]["schema"]
        body = response.json()
        validator = Draft202012Validator({**_strict(schema), "components": self.components})
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, (method, template, errors[:5])
        self.checked.add((method, template))
        return body


def test_real_answers_match_the_documented_schemas(client, admin, spec, loaded_county):
    doc = Documented(spec)

    def call(method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        r = client.request(method, url, headers=admin, **kwargs)
        assert r.status_code == expect, (method, url, r.text)
        return doc.check(method, url, r)

    call("GET", "/healthz")
    call("GET", "/v1/lookup?lon=104.005&lat=30.515")
    call("GET", "/v1/lookup?lon=104.005&lat=30.515&crs=gcj02&at=2030-01-01")
    assert call("GET", "/v1/lookup?lon=120&lat=10")["grid"] is None
    batch = call("POST", "/v1/lookup/batch", json={"points": [[104.005, 30.515], [120, 10]]})
    assert batch["results"][1] == [None, None, None, None]
    call("GET", "/tiles")
    call("GET", "/tiles/grids.json")
    call("GET", "/ogc")
    call("GET", "/ogc/conformance")
    call("GET", "/ogc/collections")
    call("GET", "/ogc/collections/grids")
    call("GET", "/ogc/collections/grids/items?limit=3")
    call("GET", f"/ogc/collections/grids/items/{GRID}")
    call("GET", f"/v1/coverage?area={COUNTY}")
    call("GET", f"/v1/coverage/blind-spots?area={VILLAGE}")
    call("GET", f"/v1/coverage/relocation-sites?area={COUNTY}")
    call("POST", "/v1/coverage/relocation-sites/attach", json={"area": COUNTY, "dry_run": True})
    call("GET", "/v1/incidents/config")
    report = {
        "category": "矛盾纠纷",
        "description": "邻里因停车位发生争执",
        "source": "grid_worker",
        "lon": 104.005,
        "lat": 30.515,
    }
    incident = call("POST", "/v1/incidents", 201, json=report)
    call("POST", f"/v1/incidents/{incident['id']}/transitions", json={"action": "open"})
    call("GET", f"/v1/incidents/{incident['id']}")
    call("GET", "/v1/incidents")
    call("GET", "/v1/incidents/live")
    call("GET", "/v1/incidents/summary")
    call("GET", "/v1/incidents/figures")
    call("GET", "/v1/incidents/hotspots")
    call("GET", f"/v1/areas/{COUNTY}/validation")
    call("GET", f"/v1/areas/{COUNTY}/rules")
    call("GET", f"/v1/areas/{VILLAGE}/versions")
    call("GET", f"/v1/areas/{VILLAGE}/versions/1")
    call("GET", f"/v1/grids/{GRID}/history")
    draft = call("POST", "/v1/drafts", 201, json={"area": VILLAGE})
    call("GET", "/v1/drafts")
    call("GET", f"/v1/drafts/{draft['id']}/validation")
    call("GET", f"/v1/drafts/{draft['id']}/diff")
    call("POST", f"/v1/drafts/{draft['id']}/rebase")
    call("GET", f"/v1/areas/{VILLAGE}/export?format=geojson")
    call("GET", "/v1/patrol/plans")
    call("GET", "/v1/patrol/networks")
    camera_file = loaded_county.files["cameras"]
    call(
        "POST",
        "/v1/imports/cameras?dry_run=true",
        files={"file": (camera_file.name, camera_file.read_bytes())},
    )
    assert len(doc.checked) == 38  # operations, each called at least once above


def test_real_errors_match_the_error_body(client, admin, spec, make_key):
    doc = Documented(spec)
    service = {"X-API-Key": make_key("service")}
    cases = [
        ("GET", "/v1/lookup?lon=104&lat=30", {}, 401),
        ("GET", "/v1/lookup?lon=east&lat=30", admin, 422),
        ("GET", "/ogc/collections", service, 403),
        ("GET", "/ogc/collections?colour=red", admin, 400),
        ("GET", "/ogc/collections/rivers", admin, 404),
        ("GET", "/v1/incidents/999999", admin, 404),
        ("GET", "/v1/incidents?limit=0", admin, 422),
        ("GET", "/tiles/rivers/1/0/0.pbf", admin, 404),
        ("POST", "/v1/lookup/batch?at=yesterday", admin, 422),
    ]
    for method, url, headers, status in cases:
        r = client.request(method, url, headers=headers)
        assert r.status_code == status, (url, r.text)
        body = doc.check(method, url, r)
        assert body["error"] and body["message"], body


def test_errors_are_documented_as_the_json_they_are_sent_as(spec):
    """FastAPI filed a GeoJSON route's errors under ``application/geo+json``, and a page's 404
    (a page saying so) under JSON: schemathesis saw the answers' types differ."""
    for method, path, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status[0] not in "45" or "content" not in response:
                continue
            types = set(response["content"])
            if operation.get("responses", {}).get("200", {}).get("content", {}).get("text/html"):
                assert types <= {"application/json", "text/html"}, (method, path, status)
            else:
                assert types == {"application/json"}, (method, path, status)
    items = spec["paths"]["/ogc/collections/{collection_id}/items"]["get"]["responses"]
    assert set(items["404"]["content"]) == {"application/json"}
    page = spec["paths"]["/map/patrol/{plan_id}"]["get"]["responses"]
    assert set(page["404"]["content"]) == {"text/html"}
