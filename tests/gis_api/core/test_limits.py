"""Body limits per route (413 naming the limit and its setting) and capped error bodies: a
garbage file gets a short 4xx, never an error as large as the file."""

from __future__ import annotations

import json
import random

import pytest

from boundaries.errors import LISTED_PROBLEMS

SMALL = 64 * 1024
MB = 1024 * 1024


def _words(n_bytes: int, sep: str, seed: int) -> bytes:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz网格经纬"
    out, size = [], 0
    while size < n_bytes:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(4, 12)))
        out.append(word)
        size += len(word.encode()) + 1
    return sep.join(out).encode()


GARBAGE = {
    # one enormous header line: hundreds of thousands of "columns" (refused before parsing)
    "wide header": ("text/csv", _words(5 * MB, ",", 1)),
    # many lines, none of them with a lon/lat column
    "many lines": ("text/csv", _words(5 * MB, "\n", 2)),
    # lon/lat columns whose every value is garbage
    "bad values": ("text/csv", b"lon,lat\n" + _words(5 * MB, "\n", 3).replace(b"\n", b",x\n")),
    "binary": ("text/csv", random.Random(4).randbytes(5 * MB)),
    "json": ("application/json", b'{"points": [' + _words(5 * MB, ",", 5) + b"]}"),
}


@pytest.mark.parametrize("kind", list(GARBAGE))
def test_garbage_batch_gets_a_small_4xx(app_client, make_key, kind):  # type: ignore[no-untyped-def]
    client = app_client()
    content_type, body = GARBAGE[kind]
    r = client.post(
        "/v1/lookup/batch",
        content=body,
        headers={"X-API-Key": make_key("service"), "Content-Type": content_type},
    )
    assert 400 <= r.status_code < 500, r.text[:500]
    assert len(r.content) < SMALL, f"{len(r.content):,} bytes of error for {kind}"
    assert r.json()["error"] == "invalid_input" and r.json()["message"]


def test_wide_header_error_names_a_few_columns_and_the_count(app_client, make_key):  # type: ignore[no-untyped-def]
    header = ",".join(f"c{i}" for i in range(500))
    r = app_client().post(
        "/v1/lookup/batch",
        content=f"{header}\n".encode(),
        headers={"X-API-Key": make_key("service"), "Content-Type": "text/csv"},
    )
    message = r.json()["message"]
    assert r.status_code == 422 and "500 columns" in message and "'c19'" in message
    assert "'c20'" not in message and "480 more" in message


def test_validation_error_lists_the_first_problems_and_counts_all(app_client, make_key):  # type: ignore[no-untyped-def]
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"not-a-code-{i}", "name": f"网格{i}", "kind": "村组型"},
            "geometry": {"type": "Point", "coordinates": [104.0, 30.5]},
        }
        for i in range(3000)
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    r = app_client().post(
        "/v1/imports/grids",
        files={"file": ("grids.geojson", data)},
        headers={"X-API-Key": make_key("planner")},
    )
    assert r.status_code == 422, r.text[:500]
    body = r.json()
    assert len(body["details"]) == LISTED_PROBLEMS
    assert "problems in all (by field:" in body["message"]
    total = int(body["message"].split(" problems in all")[0].rsplit(" ", 1)[-1].replace(",", ""))
    assert total >= 3000  # every feature has at least one problem
    assert len(r.content) < SMALL


def test_a_body_above_the_limit_gets_413_naming_the_setting(app_client, make_key):  # type: ignore[no-untyped-def]
    client = app_client(body_limit_lookup_batch_mb=1)
    headers = {"X-API-Key": make_key("service"), "Content-Type": "text/csv"}
    body = b"lon,lat\n" + b"104.035,30.505\n" * 80_000  # 1.2 MB
    r = client.post("/v1/lookup/batch", content=body, headers=headers)
    assert r.status_code == 413
    assert "at most 1 MB" in r.json()["message"]
    assert "GRIDMAP_BODY_LIMIT_LOOKUP_BATCH_MB" in r.json()["message"]
    # without a Content-Length (chunked), the body is stopped while it is read
    r = client.post("/v1/lookup/batch", content=iter([body[: MB // 2]] * 3), headers=headers)
    assert r.status_code == 413 and "GRIDMAP_BODY_LIMIT_LOOKUP_BATCH_MB" in r.json()["message"]
    # under the limit: answered
    r = client.post("/v1/lookup/batch", content=body[: 15 * 1000 + 8], headers=headers)
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize(
    ("setting", "method", "path", "role"),
    [
        ("body_limit_imports_mb", "POST", "/v1/imports/grids", "planner"),
        ("body_limit_drafts_mb", "POST", "/v1/validation?area=510116002002", "planner"),
        ("body_limit_drafts_mb", "PUT", "/v1/drafts/1/grids", "planner"),
    ],
)
def test_each_limited_route_says_its_setting(app_client, make_key, setting, method, path, role):  # type: ignore[no-untyped-def]
    client = app_client(**{setting: 0.5})
    body = b"x" * MB
    headers = {"X-API-Key": make_key(role), "Content-Type": "application/json"}
    r = client.request(method, path, content=body, headers=headers)
    assert r.status_code == 413, r.text[:300]
    assert f"GRIDMAP_{setting.upper()}" in r.json()["message"]


@pytest.mark.parametrize("kind", ["wide header", "many lines", "bad values", "binary"])
def test_garbage_import_gets_a_small_4xx(app_client, make_key, kind):  # type: ignore[no-untyped-def]
    _, body = GARBAGE[kind]
    r = app_client().post(
        "/v1/imports/grids",
        files={"file": ("grids.csv", body)},
        data={"crs": "wgs84"},
        headers={"X-API-Key": make_key("planner")},
    )
    assert 400 <= r.status_code < 500, r.text[:500]
    assert len(r.content) < SMALL, f"{len(r.content):,} bytes of error for {kind}"
