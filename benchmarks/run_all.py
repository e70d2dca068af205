"""Run every benchmark in turn (``make bench``). Each prints its ratios and saves its figures."""

from __future__ import annotations

import importlib
import sys


def _discover() -> list[str]:
    """Every module of benchmarks/ with a main(), but the shared ones."""
    import pkgutil
    from pathlib import Path

    skip = {"common", "run_all"}
    return [
        f"benchmarks.{m.name}"
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name not in skip and not m.name.startswith("_")
    ]


BENCHMARKS = _discover()


def main() -> None:
    """Run the benchmarks named on the command line, or all of them."""
    names = sys.argv[1:] or BENCHMARKS
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(name if "." in name else f"benchmarks.{name}")
        saved, sys.argv = sys.argv, [name]
        try:
            module.main()
        finally:
            sys.argv = saved


if __name__ == "__main__":
    main()
