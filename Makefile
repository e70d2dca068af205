# gridmap — the commands the README names.
#   make setup   install and start what is missing (PostgreSQL/PostGIS/pgRouting, .venv, assets), migrate
#   make demo    setup, load the demo county (双流区), print the URLs and an admin key, serve
#   make test    setup (with Chromium), then the whole suite against a real PostGIS
#   make bench   setup (with wrk), then the benchmarks; results go to docs/benchmarks.md by hand
#   make lint    ruff, mypy and import-linter (.importlinter)
#   make lock    re-resolve requirements/*.lock (pinned, from pyproject.toml) and map_ui's npm lock;
#                make lock LOCK_ARGS=--upgrade moves every pin to the newest release allowed

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
GRIDMAP := $(VENV)/bin/gridmap
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
PYTEST_ARGS ?=
export GRIDMAP_DATABASE_URL ?= postgresql+psycopg2://gridmap:gridmap@localhost:5432/gridmap

LOCK_ARGS ?=

.PHONY: setup demo test bench lint format lock

setup:
	scripts/setup.sh

demo: setup
	$(GRIDMAP) demo load
	@key=$$($(GRIDMAP) keys create --role admin --label "make demo") && \
	echo "" && \
	echo "  gridmap demo: 双流区 (510116)" && \
	echo "  map:          http://$(HOST):$(PORT)/map   (log in with the key below)" && \
	echo "  API docs:     http://$(HOST):$(PORT)/docs" && \
	echo "  OGC API:      http://$(HOST):$(PORT)/ogc" && \
	echo "  try:          curl -H 'X-API-Key: $$key' 'http://$(HOST):$(PORT)/v1/lookup?lon=103.92&lat=30.57'" && \
	echo "  admin key:    $$key" && \
	echo ""
	$(GRIDMAP) serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test:
	scripts/setup.sh --test
	mkdir -p tests/artifacts
	GRIDMAP_REQUIRE_DB=1 $(PY) -m pytest -q -rs --junitxml=tests/artifacts/junit.xml $(PYTEST_ARGS)

bench:
	scripts/setup.sh --bench
	$(PY) -m benchmarks.run_all

lint:
	$(VENV)/bin/ruff check boundaries importers gis_api map_ui migrations tests benchmarks
	$(VENV)/bin/ruff format --check boundaries importers gis_api map_ui migrations tests benchmarks
	$(VENV)/bin/mypy
	PYTHONPATH=. $(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff format boundaries importers gis_api map_ui migrations tests benchmarks

lock: setup
	$(VENV)/bin/uv pip compile pyproject.toml --universal --quiet $(LOCK_ARGS) \
		--extra dev -o requirements/dev.lock
	$(VENV)/bin/uv pip compile pyproject.toml --universal --quiet $(LOCK_ARGS) \
		--extra dev --extra bench -o requirements/bench.lock
	npm install --package-lock-only --prefix map_ui --no-audit --no-fund --loglevel=error
