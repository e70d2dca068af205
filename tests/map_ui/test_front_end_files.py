"""The front end lives in files: templates (Jinja2, autoescaped) and static scripts/styles."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from map_ui.templating import TEMPLATES_DIR, escape, folium_template, render

ROOT = Path(__file__).resolve().parents[2]
STRING_TOKENS = {tokenize.STRING} | {
    getattr(tokenize, name) for name in ("FSTRING_MIDDLE",) if hasattr(tokenize, name)
}
# What only front-end code contains: an inline <script> (one without src that is closed in
# the same string), a <style> block, a page, a folium macro, a JavaScript function.
FRONT_END_CODE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>.*?</script>", re.I | re.S),
    "<style> block": re.compile(r"<style\b", re.I),
    "a whole page": re.compile(r"<!doctype", re.I),
    "a folium template": re.compile(r"\{%-?\s*macro\b"),
    "a JavaScript function": re.compile(r"\bfunction\s*\w*\s*\([^)]*\)\s*\{|=>\s*\{"),
}


def python_strings(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(tok.start[0], tok.string) for tok in tokens if tok.type in STRING_TOKENS]


def offences(path: Path) -> list[str]:
    found = []
    for line, text in python_strings(path):
        found.extend(
            f"{path.relative_to(ROOT)}:{line}: {what}"
            for what, pattern in FRONT_END_CODE.items()
            if pattern.search(text)
        )
    return found


def test_no_python_module_holds_front_end_code():
    modules = [
        path
        for package in ("map_ui", "gis_api")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "node_modules" not in path.parts
    ]
    assert len(modules) > 30  # the scan sees the packages
    problems = [problem for path in modules for problem in offences(path)]
    assert problems == [], "\n".join(problems)


def test_the_scan_catches_each_kind(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "A = '<script>alert(1)</script>'\n"
        "B = '''<style>p { color: red; }</style>'''\n"
        "C = '<!doctype html><html></html>'\n"
        "D = '{% macro script(this, kwargs) %}{% endmacro %}'\n"
        "E = f'function (f) {{ return {1}; }}'\n"
        "F = '<script src=\"/static/gridmap/gridmap.js\"></script>'\n",
        encoding="utf-8",
    )
    found = [problem.split(": ", 1)[1] for problem in _offences_anywhere(bad)]
    assert found == [
        "inline <script>",
        "<style> block",
        "a whole page",
        "a folium template",
        "a JavaScript function",
    ]


def _offences_anywhere(path: Path) -> list[str]:
    return [
        f"{line}: {what}"
        for line, text in python_strings(path)
        for what, pattern in FRONT_END_CODE.items()
        if pattern.search(text)
    ]


def test_templates_escape_what_they_are_given():
    page = render("nothing.html", message='<img src=x onerror="alert(1)">')
    assert "<img" not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert escape("a<b & 'c\"") == "a&lt;b &amp; &#39;c&#34;"


def test_every_folium_template_parses_and_every_page_template_renders():
    for path in sorted((TEMPLATES_DIR / "folium").glob("*.j2")):
        module = folium_template(path.name).module
        assert any(hasattr(module, m) for m in ("header", "html", "script")), path.name
    assert 'action="/login"' in render("login.html", next="/map", error="")


@pytest.mark.parametrize("name", ["gridmap.js", "incidents.js", "planner.js", "planner_index.js"])
def test_one_html_escaper_in_the_browser(name):
    """Only gridmap.js defines an escaper; the others use GridmapMaps.escape or textContent."""
    text = (ROOT / "map_ui" / "static" / name).read_text(encoding="utf-8")
    defines = len(re.findall(r"&amp;", text))
    assert defines == (1 if name == "gridmap.js" else 0), name
