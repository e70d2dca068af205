"""The densest-hotspot clustering, on points whose clusters are known."""

from __future__ import annotations

import numpy as np
import pytest

from gis_api.features.patrol.hotspots import densest_hotspots


def cluster(centre, n, spread, rng):
    return np.asarray(centre) + rng.uniform(-spread, spread, (n, 2))


def test_clusters_are_found_densest_first():
    rng = np.random.default_rng(0)
    big = cluster((0, 0), 6, 30, rng)
    small = cluster((2000, 0), 3, 30, rng)
    lonely = np.array([[5000.0, 5000.0], [-4000.0, 3000.0]])
    xy = np.vstack([lonely[:1], small, big, lonely[1:]])
    found = densest_hotspots(xy, n=5, radius_m=100, min_incidents=2)
    assert [h.count for h in found] == [6, 3]
    assert set(found[0].members) == set(range(4, 10))
    np.testing.assert_allclose(found[0].centre, big.mean(axis=0))
    np.testing.assert_allclose(found[1].centre, small.mean(axis=0))


def test_n_limits_and_min_incidents_one_keeps_singles():
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    assert len(densest_hotspots(xy, n=2, radius_m=10, min_incidents=1)) == 2
    assert densest_hotspots(xy, n=2, radius_m=10, min_incidents=2) == []


def test_members_are_taken_once():
    xy = np.array([[0.0, 0], [50, 0], [100, 0], [150, 0], [200, 0]])
    found = densest_hotspots(xy, n=5, radius_m=60, min_incidents=1)
    members = np.concatenate([h.members for h in found])
    assert sorted(members) == list(range(5))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n": 0}, "n"), ({"radius_m": 0}, "radius_m"), ({"min_incidents": 0}, "min_incidents")],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        densest_hotspots(np.zeros((2, 2)), **{"n": 1, "radius_m": 1.0, **kwargs})
