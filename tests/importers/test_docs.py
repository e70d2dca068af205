from pathlib import Path

from gis_api.schema.layers import IMPORT_LAYERS
from importers.docs import render


def test_docs_importing_md_is_current():
    """docs/importing.md is generated from the specs: regenerate with
    `.venv/bin/python -m gis_api.schema.layers > docs/importing.md`."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "importing.md"
    assert doc.read_text("utf-8") == render(IMPORT_LAYERS)
