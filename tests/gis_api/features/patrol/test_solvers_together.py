"""The two optimisers share a worker: OR-Tools routing (patrols) and OR-Tools' MIP solvers
(camera placement). highspy must never be loaded beside them: its libhighs clashes with the
one OR-Tools bundles, and whichever loads second fails (this test runs in a fresh process so
the import order is the worker's)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_routing_and_placement_in_one_process():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import gis_api.app  # everything the service loads
        from boundaries import placement
        from gis_api.features.patrol.tour import solve

        routes = solve(np.array([[0, 2, 9], [2, 0, 4], [9, 4, 0]]), time_limit_s=0.2)
        cover = placement.coverage_matrix(
            [__import__("shapely").box(0, 0, 2, 2), __import__("shapely").box(1, 1, 3, 3)],
            [[0.5, 0.5], [2.5, 2.5], [1.5, 1.5]],
        )
        best = placement.exact(cover, np.ones(3), k=1)
        print(routes, sorted(best.chosen.tolist()), "highspy" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("False"), result.stdout
