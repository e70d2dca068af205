from __future__ import annotations

import pytest

import gis_api.features.roads  # noqa: F401 - registers the road importer
from gis_api.features.imports.service import import_file
from tests.gis_api.features.patrol.streets import write_streets


@pytest.fixture
def streets_file(tmp_path):
    return write_streets(tmp_path / "roads")


@pytest.fixture
def roads(session, loaded_county, streets_file):
    """The small county with its street grid imported as both networks."""
    results = {
        network: import_file(
            session, layer="roads", path=streets_file, actor="test", options={"network": network}
        )
        for network in ("driving", "walking")
    }
    session.commit()
    return results


@pytest.fixture
def client(app_client, roads):
    return app_client()
