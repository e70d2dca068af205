from pathlib import Path

from importers.docs import render


def test_docs_importing_md_is_current():
    """docs/importing.md is generated from the specs: regenerate with
    `.venv/bin/python -m importers.docs > docs/importing.md`."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "importing.md"
    assert doc.read_text("utf-8") == render()
