"""Request ids, the access log and the logging of a 500 (with its trace, never in the answer)."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from gis_api.app import create_app
from gis_api.core.logging import JsonFormatter, request_id


@pytest.fixture
def client(settings, factory):
    app = create_app(settings, session_factory=factory)

    def explode() -> dict[str, str]:
        raise RuntimeError("the secret inner state is 42")

    app.add_api_route("/_test/explode", explode, methods=["GET"])
    with TestClient(app) as c:
        yield c


def _records(caplog, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


def test_a_request_id_is_echoed_and_on_the_access_line(client, caplog):
    caplog.set_level(logging.INFO)
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    [line] = _records(caplog, "gridmap.access")
    assert line.request_id == "abc-123"
    assert (line.method, line.path, line.status) == ("GET", "/healthz", r.status_code)
    assert line.ms >= 0
    assert request_id.get() is None  # reset after the request


def test_a_request_without_id_gets_one_and_a_bad_id_is_replaced(client, caplog):
    caplog.set_level(logging.INFO)
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 16 and int(made, 16) >= 0
    bad = client.get("/healthz", headers={"X-Request-ID": "x" * 200}).headers["X-Request-ID"]
    assert bad != "x" * 200 and len(bad) == 16
    assert [r.request_id for r in _records(caplog, "gridmap.access")] == [made, bad]


def test_the_access_log_can_be_turned_off(settings, factory, caplog):
    caplog.set_level(logging.INFO)
    app = create_app(settings.model_copy(update={"access_log": False}), session_factory=factory)
    with TestClient(app) as c:
        assert c.get("/healthz").headers["X-Request-ID"]
    assert _records(caplog, "gridmap.access") == []


def test_a_500_is_logged_with_its_traceback_and_the_answer_has_none(client, caplog):
    caplog.set_level(logging.INFO)
    r = client.get("/_test/explode", headers={"X-Request-ID": "boom-1"})
    assert r.status_code == 500
    assert r.json() == {"error": "internal", "message": "internal error; it has been logged"}
    assert r.headers["X-Request-ID"] == "boom-1"
    assert "secret" not in r.text and "Traceback" not in r.text
    [failed] = _records(caplog, "gridmap.requests")
    assert failed.levelno == logging.ERROR and failed.request_id == "boom-1"
    assert failed.exc_info is not None and failed.exc_info[0] is RuntimeError
    line = json.loads(JsonFormatter().format(failed))
    assert line["request_id"] == "boom-1" and line["level"] == "error"
    assert "Traceback" in line["exc"] and "the secret inner state is 42" in line["exc"]
    [access] = _records(caplog, "gridmap.access")
    assert access.status == 500 and access.request_id == "boom-1"


def test_a_line_is_one_json_object_with_the_extra_fields(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/healthz", headers={"X-Request-ID": "json-1"})
    [line] = _records(caplog, "gridmap.access")
    parsed = json.loads(JsonFormatter().format(line))
    assert parsed["request_id"] == "json-1"
    assert parsed["logger"] == "gridmap.access" and parsed["status"] == 200
    assert parsed["message"] == "GET /healthz 200"
    assert "\n" not in JsonFormatter().format(line)
