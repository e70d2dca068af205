"""``gridmap coverage …`` against a database of its own."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from gis_api.cli import app
from tests.conftest import load_county_into


@pytest.fixture
def run(fresh_db, mini_county, monkeypatch):
    load_county_into(fresh_db.url, mini_county)
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", fresh_db.url)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_report_prints_json_and_a_summary(run):
    result = run("coverage", "report", "510116000000")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["area"]["code"] == "510116000000" and len(body["grids"]) == 8
    assert "联通率 50.0%" in result.stderr and "key sites uncovered 2 of 2" in result.stderr


def test_blind_spots_file(run, tmp_path):
    out = tmp_path / "blind.geojson"
    result = run("coverage", "blind-spots", "510116001001", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    frame = gpd.read_file(out)
    assert sorted(frame["grid_code"]) == ["510116001001001", "510116001001002"]


def test_attach_sites_dry_run_and_bad_area(run):
    result = run("coverage", "attach-sites", "510116000000", "--dry-run")
    assert result.exit_code == 0 and "0 change(s)" in result.stderr
    bad = run("coverage", "report", "99")
    assert bad.exit_code == 1 and "12-digit" in bad.stderr
