"""Schemathesis over ``/openapi.json``: every operation, generated requests, and the answers must
conform to what the document says (no 5xx, documented statuses, content types, schemas, headers).

The app runs on the test database with the small test county loaded, first with an admin key
(every operation, ``ADMIN_EXAMPLES`` each), then with a town-scoped viewer key (fewer examples):
what a viewer may not do must still be a documented 403/404, never a 5xx.
The admin pass runs each operation with an id in its path twice: with generated ids (nearly
all 404/422) and with ids of things that exist (``_known``: the county's codes, a draft made
first), so the generated queries and bodies reach the code behind the lookup.
Schemathesis' phases run as its CLI runs them: the schema's examples, the coverage phase
(boundary values: huge integers, odd dates, NUL characters, unsupported methods) and fuzzing.
The run is seeded (``derandomize``) so CI sees the same requests every time.
Nothing is excluded.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

SEED = 20261204
pytestmark = [pytest.mark.slow, pytest.mark.db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    unsupported_method,
]
ADMIN_EXAMPLES = 25
VIEWER_EXAMPLES = 8
TOWN = "510116001"
"""The test county's first town (tests/gis_api/county.py): the viewer's jurisdiction."""
VILLAGE = "510116001001"
GRID = "510116001001001"


def _known(path: str, draft_id: int) -> dict[str, str]:
    """Path parameters naming things that exist, for ``path`` (``code`` is an area's or a
    grid's, by the path)."""
    values = {
        "code": GRID if path.startswith("/v1/grids/") else VILLAGE,
        "collection_id": "grids",
        "feature_id": GRID,
        "layer": "grids",
        "version": "1",
        "draft_id": str(draft_id),
        "key": GRID,
    }
    return {name: value for name, value in values.items() if "{" + name + "}" in path}


def _run(app, key: str, examples: int, draft_id: int | None = None) -> list[str]:
    """Run every operation; return the failures, one text each (all of them, not the first)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"X-API-Key": key})
    headers = {"X-API-Key": key}
    failures: list[str] = []

    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=headers, allow_redirects=False)
        case.validate_response(response, checks=CHECKS, headers=headers)

    for result in schema.get_all_operations():
        operation = result.ok()
        overrides = [Override()]
        known = _known(operation.path, draft_id) if draft_id is not None else {}
        if known:
            overrides.append(Override(path_parameters=known))
        for override in overrides:
            test = create_test(
                operation=operation,
                test_func=run,
                config=HypothesisTestConfig(
                    project=schema.config,
                    modes=list(HypothesisTestMode),
                    settings=settings(
                        max_examples=examples,
                        deadline=None,
                        derandomize=True,
                        database=None,
                        suppress_health_check=list(HealthCheck),
                    ),
                    seed=SEED,
                    override=override,
                ),
            )
            try:
                test()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all reported
                failures.append(f"{operation.label} {override.path_parameters}: {exc}")
    return failures


def test_every_operation_conforms_for_an_admin(app_client, loaded_county, make_key):
    client = app_client()
    key = make_key("admin")
    draft = client.post("/v1/drafts", json={"area": VILLAGE}, headers={"X-API-Key": key})
    assert draft.status_code == 201, draft.text
    failures = _run(client.app, key, ADMIN_EXAMPLES, draft_id=draft.json()["id"])
    assert not failures, "\n\n".join(failures)


def test_every_operation_conforms_for_a_town_viewer(app_client, loaded_county, make_key):
    client = app_client()
    failures = _run(client.app, make_key("viewer", area=TOWN), VIEWER_EXAMPLES)
    assert not failures, "\n\n".join(failures)
