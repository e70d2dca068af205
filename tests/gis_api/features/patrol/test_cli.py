"""gridmap import roads / roads info / patrol routes, run as a user would."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gis_api.cli import app
from tests.gis_api.features.patrol.streets import write_streets


@pytest.fixture
def run(fresh_db, monkeypatch):
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", fresh_db.url)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_import_info_and_plan(run, mini_county, tmp_path):
    assert run("import", "admin-areas", mini_county.files["admin-areas"]).exit_code == 0
    assert run("import", "key-sites", mini_county.files["key-sites"]).exit_code == 0
    streets = write_streets(tmp_path / "roads")
    first = run("import", "roads", streets, "--network", "walking")
    assert first.exit_code == 0, first.stderr
    assert "2 disconnected pieces" in first.stderr and "1 road line(s) outside" in first.stderr
    info = run("roads", "info")
    assert info.exit_code == 0 and "walking" in info.stdout and "streets.geojson" in info.stdout
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps(
            {
                "start": {"key_site": "KS001"},
                "stops": [{"point": [104.0301, 30.5168]}, {"key_site": "KS002"}],
                "mode": "walk",
                "time_limit_s": 0.2,
            }
        )
    )
    planned = run("patrol", "routes", request, "--save")
    assert planned.exit_code == 0, planned.stderr
    answer = json.loads(planned.stdout)
    assert len(answer["teams"][0]["stops"]) == 2
    assert "saved as plan" in planned.stderr


def test_bad_network_and_missing_network(run, tmp_path):
    streets = write_streets(tmp_path / "roads")
    bad = run("import", "roads", streets, "--network", "cycling")
    assert bad.exit_code == 1 and "cycling" in bad.stderr
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps({"start": {"point": [104.0, 30.5]}, "stops": [{"point": [104.01, 30.5]}]})
    )
    missing = run("patrol", "routes", request)
    assert missing.exit_code == 1 and "no driving road network is loaded" in missing.stderr
    assert run("roads", "info").exit_code == 1
