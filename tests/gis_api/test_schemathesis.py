"""Schemathesis over ``/openapi.json``: every operation, generated requests, and the answers must
conform to what the document says (no 5xx, documented statuses, content types, schemas, headers).

The app runs on the test database with the small test county loaded, first with an admin key
(every operation, ``ADMIN_EXAMPLES`` each), then with a town-scoped viewer key (fewer examples):
what a viewer may not do must still be a documented 403/404, never a 5xx.
The run is seeded (``derandomize``) so CI sees the same requests every time.
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
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SEED = 20261204
pytestmark = [pytest.mark.slow, pytest.mark.db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ADMIN_EXAMPLES = 25
VIEWER_EXAMPLES = 8
TOWN = "510116001"
"""The test county's first town (tests/gis_api/county.py): the viewer's jurisdiction."""


def _run(app, key: str, examples: int) -> list[str]:
    """Run every operation; return the failures, one text each (all of them, not the first)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"X-API-Key": key})
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        def run(case) -> None:  # type: ignore[no-untyped-def]
            headers = {"X-API-Key": key}
            response = case.call(headers=headers, allow_redirects=False)
            case.validate_response(response, checks=CHECKS, headers=headers)

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
            ),
        )
        try:
            test()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all reported together
            failures.append(f"{operation.label}: {exc}")
    return failures


def test_every_operation_conforms_for_an_admin(app_client, loaded_county, make_key):
    client = app_client()
    failures = _run(client.app, make_key("admin"), ADMIN_EXAMPLES)
    assert not failures, "\n\n".join(failures)


def test_every_operation_conforms_for_a_town_viewer(app_client, loaded_county, make_key):
    client = app_client()
    failures = _run(client.app, make_key("viewer", area=TOWN), VIEWER_EXAMPLES)
    assert not failures, "\n\n".join(failures)
