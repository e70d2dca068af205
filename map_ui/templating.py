"""The front end's HTML, CSS and JavaScript live in files, not in Python strings.

- ``map_ui/templates/*.html``: pages and HTML fragments, rendered by :func:`render` with
  Jinja2 and autoescaping on, so text from the data is escaped where it is written.
- ``map_ui/templates/folium/*.j2``: the ``header``/``html``/``script`` macros of our folium
  elements (:func:`folium_template`); they hand data to the JavaScript as JSON (``|tojson``).
- ``map_ui/static/*``: stylesheets and scripts served at ``/static/gridmap/`` and linked
  (:data:`GRIDMAP_JS` and friends).

:func:`escape` is the one HTML escaper for the odd string that goes into HTML without a
template (a folium tooltip); in the browser ``GridmapMaps.escape`` (``static/gridmap.js``) is.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from folium.template import Template

MAP_UI_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = MAP_UI_DIR / "templates"
OWN_STATIC_URL = "/static/gridmap"
"""Where the app serves ``map_ui/static`` (see :func:`map_ui.assets.static_mounts`)."""

GRIDMAP_JS = ("gridmap_js", f"{OWN_STATIC_URL}/gridmap.js")
"""``GridmapMaps``: the escaper and the functions our folium elements call."""
MAPS_CSS = ("gridmap_maps_css", f"{OWN_STATIC_URL}/maps.css")
"""Styles of our map controls (legend, page links, labels, tooltips)."""

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def escape(value: object) -> str:
    """Escape text for HTML element content or a quoted attribute value."""
    return str(markupsafe.escape(value))


def render(name: str, **context: Any) -> str:
    """Render ``map_ui/templates/<name>`` with ``context`` (every value escaped on output)."""
    return _ENV.get_template(name).render(**context)


@functools.cache
def folium_template(name: str) -> Template:
    """The folium template (macros ``header``/``html``/``script``) in
    ``map_ui/templates/folium/<name>``.
    """
    return Template((TEMPLATES_DIR / "folium" / name).read_text(encoding="utf-8"))
