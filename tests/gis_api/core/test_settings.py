"""Settings refuse what would be silently wrong: a typo in a variable, a default secret in
production."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gis_api.cli import app as cli_app
from gis_api.core.settings import DEV_SECRET, Settings


def test_unknown_variable_is_refused_with_a_suggestion(monkeypatch):
    monkeypatch.setenv("GRIDMAP_SECRET_KYE", "x" * 40)
    with pytest.raises(
        ValueError, match="unknown setting GRIDMAP_SECRET_KYE; did you mean GRIDMAP_SECRET_KEY"
    ):
        Settings()


def test_the_command_line_refuses_to_start_on_an_unknown_variable(monkeypatch):
    monkeypatch.setenv("GRIDMAP_BASEMAPP", "xyz")
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 2
    assert "GRIDMAP_BASEMAPP" in result.output and "GRIDMAP_BASEMAP" in result.output


def test_variables_of_the_tests_and_set_up_are_not_settings_but_allowed(monkeypatch):
    monkeypatch.setenv("GRIDMAP_REQUIRE_DB", "1")
    monkeypatch.setenv("GRIDMAP_DB_PORT", "5433")
    assert Settings().environment == "development"


@pytest.mark.parametrize("secret", [None, DEV_SECRET, "short"])
def test_production_needs_a_secret_of_its_own(monkeypatch, secret):
    monkeypatch.setenv("GRIDMAP_ENVIRONMENT", "production")
    if secret is not None:
        monkeypatch.setenv("GRIDMAP_SECRET_KEY", secret)
    with pytest.raises(ValueError, match="GRIDMAP_SECRET_KEY"):
        Settings()


def test_production_starts_with_a_real_secret_and_development_without(monkeypatch):
    assert Settings().secret_key == DEV_SECRET  # `make demo`, `gridmap serve`: development
    monkeypatch.setenv("GRIDMAP_ENVIRONMENT", "production")
    monkeypatch.setenv("GRIDMAP_SECRET_KEY", "s" * 43)
    assert Settings().environment == "production"
