"""gridmap validate / propose / publish / versions / restore / export, against a database of
its own."""

import json
import zipfile

import pytest
from typer.testing import CliRunner

from gis_api.cli import app
from tests.conftest import load_county_into
from tests.gis_api.features.planning.conftest import YANGPING, load_buildings_into


@pytest.fixture
def run(fresh_db, mini_county, tmp_path, monkeypatch):
    load_county_into(fresh_db.url, mini_county)
    load_buildings_into(fresh_db.url, tmp_path)
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", fresh_db.url)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_validate_counts_and_exit_code(run):
    result = run("validate", "510116000000")
    assert result.exit_code == 0, result.stderr
    assert "households_buildings" in result.stdout and "8 grids" in result.stderr
    as_json = run("validate", YANGPING, "--json")
    assert json.loads(as_json.stdout)["valid"] is True


def test_propose_save_publish_versions_restore_export(run, tmp_path):
    out = tmp_path / "proposal.geojson"
    result = run("propose", YANGPING, "--save", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "100% within 100–300" in result.stderr and "saved as draft" in result.stderr
    assert len(json.loads(out.read_text())["features"]) >= 2
    draft = result.stderr.split("saved as draft ")[1].split()[0]
    refused = run("publish", draft)
    assert refused.exit_code == 1 and "not accepted" in refused.stderr
    published = run("publish", draft, "--accept-all-warnings", "--note", "按建筑重划")
    assert published.exit_code == 0, published.stderr
    assert "published version 2" in published.stderr
    listing = run("versions", YANGPING)
    assert "publish" in listing.stdout and "按建筑重划" in listing.stdout
    restored = run("restore", YANGPING, 1, "--note", "撤回")
    assert restored.exit_code == 0 and "version 3" in restored.stderr
    target = tmp_path / "grids.zip"
    exported = run("export", YANGPING, "--format", "shp", "--version", 2, "--out", target)
    assert exported.exit_code == 0, exported.stderr
    assert any(n.endswith(".prj") for n in zipfile.ZipFile(target).namelist())
    missing = run("restore", YANGPING, 9)
    assert missing.exit_code == 1 and "no version 9" in missing.stderr
