"""Shared parts of the benchmarks: a database of their own, a county, a server, wrk.

Every benchmark prints ratios measured in one run on one machine (ours against a baseline),
never a bare wall-clock figure to compare with another machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from gis_api.core import migrate
from gis_api.core.auth import create_key

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
BASE_URL = os.environ.get(
    "GRIDMAP_DATABASE_URL", "postgresql+psycopg2://gridmap:gridmap@localhost:5432/gridmap"
)


def database(name: str, *, fresh: bool = True) -> str:
    """URL of a benchmark database (dropped and migrated anew when ``fresh``)."""
    admin = create_engine(
        make_url(BASE_URL).set(database="postgres"),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if fresh and exists:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if fresh or not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def session(url: str) -> Session:
    """A session on ``url`` (NullPool)."""
    return Session(create_engine(url, poolclass=NullPool))


def make_key(url: str, role: str = "service") -> str:
    """A committed key of ``role``."""
    with session(url) as s, s.begin():
        _, key = create_key(s, role=role, label="benchmark")
    return key


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A ``gridmap serve`` subprocess."""

    base: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve(url: str, *, workers: int = 2, **env: str) -> Iterator[Server]:
    """Run ``gridmap serve`` on ``url`` until the block ends."""
    port = free_port()
    environment = {**os.environ, "GRIDMAP_DATABASE_URL": url, **env}
    gridmap = str(Path(sys.executable).with_name("gridmap"))
    process = subprocess.Popen(
        [
            gridmap,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    try:
        yield Server(base=base, process=process)
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class WrkResult:
    """Throughput and latency percentiles from one wrk run."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def wrk(
    url: str, *, script: Path, connections: int = 50, seconds: int = 15, threads: int = 1
) -> WrkResult:
    """Run wrk with a Lua script; parse requests/s and the latency distribution."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run `make bench` (it installs Debian's wrk)")
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.M))

    def parse(p: str) -> float:
        m = re.fullmatch(r"([\d.]+)(\w+)", lat[p])
        return _ms(m.group(1), m.group(2))

    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return WrkResult(
        requests_per_s=rps, p50_ms=parse("50"), p99_ms=parse("99"), requests=total, errors=errors
    )


def lua_script(path: Path, *, key: str, points: list[tuple[float, float]], target: str) -> Path:
    """A wrk script sending the key and, per request, the next of ``points`` as lon/lat to
    ``target``. The baseline (/healthz) gets the same script, so the load generator does the
    same work per request for both and only the server's work differs."""
    lines = [f'wrk.headers["X-API-Key"] = "{key}"']
    lines.append("local pts = {" + ",".join(f"{{{x:.7f},{y:.7f}}}" for x, y in points) + "}")
    lines.append("local i = 0")
    lines.append(
        "request = function()\n"
        "  i = i % #pts + 1\n"
        "  local p = pts[i]\n"
        f'  return wrk.format("GET", string.format("{target}?lon=%.7f&lat=%.7f", p[1], p[2]))\n'
        "end"
    )
    path.write_text("\n".join(lines) + "\n")
    return path


def save(name: str, result: dict[str, object]) -> Path:
    """Write a benchmark's figures to benchmarks/out/<name>.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return path


def workdir() -> Path:
    """A temporary directory for layer files."""
    return Path(tempfile.mkdtemp(prefix="gridmap-bench-"))
