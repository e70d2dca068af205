"""The batch parser's fast path gives exactly what the general JSON path gives."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest

from boundaries.errors import InvalidInput, TooLarge
from gis_api.features.lookup.batch import _fast_points, parse_json_points


def _general(body: bytes):
    data = orjson.loads(body)
    arr = np.array(data["points"], dtype=np.float64)
    return arr[:, 0], arr[:, 1], data.get("crs")


@pytest.mark.parametrize(
    "body",
    [
        orjson.dumps(
            {
                "crs": "gcj02",
                "points": np.random.default_rng(1).uniform(-180, 180, (5000, 2)).tolist(),
            }
        ),
        b'{"points":[[104,30.5],[1e-3,-2.5E1],[-0.0,0]]}',
        b'{"points": [[104.1,30.5]], "crs": "bd09"}',
        b'{"crs":"wgs84","points":[[103.912345678901234,30.5]]}',
    ],
)
def test_fast_path_equals_general_json(body):
    fast = _fast_points(body, limit=10**6)
    assert fast is not None
    x, y, crs = _general(body)
    assert np.array_equal(fast[0], x) and np.array_equal(fast[1], y) and fast[2] == crs


@pytest.mark.parametrize(
    "body",
    [
        b'{"points": [ [104.1, 30.5], [1, 2] ]}',  # whitespace: general path
        b'{"points":[[104.1,30.5,7],[1,2]]}',  # three numbers: general path names it
        b'{"points":[[104.1],[1,2]]}',
        b'{"points":[[104.1,"x"],[1,2]]}',
        b'{"points":[[104.1,30.5]],"points":[[1,2]]}',
        b'{"points":[[104.1,30.5]]',  # broken JSON
    ],
)
def test_unusual_bodies_leave_the_fast_path(body):
    assert _fast_points(body, limit=10**6) is None


def test_general_path_still_names_the_bad_point():
    with pytest.raises(InvalidInput, match=r"points\[0\]"):
        parse_json_points(b'{"points":[[104.1,30.5,7],[1,2]]}', limit=10)
    x, y, _ = parse_json_points(b'{"points": [ [104.1, 30.5], [1, 2] ]}', limit=10)
    assert list(x) == [104.1, 1.0] and list(y) == [30.5, 2.0]


def test_limit_applies_on_the_fast_path():
    body = json.dumps({"points": [[1, 2]] * 11}, separators=(",", ":")).encode()
    with pytest.raises(TooLarge, match="at most 10"):
        parse_json_points(body, limit=10)
