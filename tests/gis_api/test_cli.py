"""The gridmap command, run as a user would, against a database of its own."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from gis_api.cli import app


@pytest.fixture
def run(fresh_db, monkeypatch):
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", fresh_db.url)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_db_upgrade_is_idempotent(run):
    assert run("db", "upgrade").exit_code == 0
    assert run("db", "upgrade").exit_code == 0


def test_keys_create_prints_only_the_key(run):
    result = run("keys", "create", "--role", "viewer", "--area", "510116001000")
    assert result.exit_code == 0
    assert re.fullmatch(r"gm_[A-Za-z0-9_\-]{43}\n", result.stdout)
    listing = run("keys", "list")
    assert "510116001" in listing.stdout and "viewer" in listing.stdout
    assert result.stdout.strip() not in listing.stdout  # the key itself is never shown again
    assert run("keys", "revoke", result.stdout.strip()).exit_code == 0
    again = run("keys", "revoke", result.stdout.strip())
    assert again.exit_code == 1 and "no active key" in again.stderr


def test_keys_create_refuses_unknown_role(run):
    result = run("keys", "create", "--role", "boss")
    assert result.exit_code == 1 and "boss" in result.stderr


def test_import_reports_counts_then_unchanged(run, mini_county):
    first = run("import", "admin-areas", str(mini_county.files["admin-areas"]))
    assert first.exit_code == 0, first.stderr
    assert "inserted" in first.stderr
    second = run("import", "admin-areas", str(mini_county.files["admin-areas"]))
    assert second.exit_code == 0
    assert re.search(r"7\s+│\s+0\s+│\s+0\s+│\s+7", second.stderr), second.stderr


def test_import_error_names_file_row_and_field(run, mini_county, tmp_path):
    assert run("import", "admin-areas", str(mini_county.files["admin-areas"])).exit_code == 0
    bad = tmp_path / "cams.csv"
    bad.write_text(
        "设备编码,名称,类别,经度,纬度\n51011600001310000001,a,一类,104.0,30.5\n123,b,一类,104.0,30.5\n",
        "utf-8",
    )
    result = run("import", "cameras", str(bad), "--crs", "wgs84")
    assert result.exit_code == 1
    assert "cams.csv, line 3" in result.stderr
    assert "20 digits" in result.stderr
    assert "Traceback" not in result.stderr
