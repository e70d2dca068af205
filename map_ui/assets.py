"""Front-end assets of the Folium pages, served by the app instead of a CDN.

Government intranets have no internet, so every script and stylesheet a Folium page loads must
come from our own server. The files come from three places:

- npm packages pinned in ``map_ui/package.json``, installed by ``npm ci --prefix map_ui`` into
  ``map_ui/node_modules`` and served as ``/static/vendor/<npm package>/<path in package>``;
- files folium ships in its ``templates`` directory (``leaflet_heat.min.js``), served as
  ``/static/folium/<file>``;
- our own files in ``map_ui/static``, served as ``/static/gridmap/<file>``.

:func:`offline_html` renders a map with every CDN URL rewritten to one of those, and fails
loudly (:class:`MissingAsset`) on any script or stylesheet it cannot map, so a plugin added
without its asset is caught by the tests rather than by a command centre with no internet.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import folium
from branca.element import Element, Figure, Link
from folium.elements import JSCSSMixin

STATIC_PREFIX = "/static"
"""URL path under which the app mounts :func:`static_mounts`."""

MAP_UI_DIR = Path(__file__).resolve().parent
VENDOR_DIR = MAP_UI_DIR / "node_modules"
"""Where ``npm ci --prefix map_ui`` installs the npm packages."""
FOLIUM_TEMPLATES_DIR = Path(folium.__file__).resolve().parent / "templates"
"""Folium's own directory of JavaScript files (HeatMap's ``leaflet_heat.min.js``)."""
OWN_STATIC_DIR = MAP_UI_DIR / "static"
"""Our own CSS/JS (``gridmap.css``)."""
PACKAGE_JSON = MAP_UI_DIR / "package.json"

# Exact CDN URLs used by folium 0.20 / branca 0.8 and the plugins we use, mapped to a path under
# STATIC_PREFIX. None means "deliberately dropped": the page works without it.
CDN_ASSETS: dict[str, str | None] = {
    # folium.Map defaults
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "vendor/leaflet/dist/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": (
        "vendor/leaflet/dist/leaflet.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "vendor/jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "vendor/bootstrap/dist/js/bootstrap.bundle.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        "vendor/bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "vendor/@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (  # noqa: E501
        "vendor/drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (  # noqa: E501
        "vendor/drmonty-leaflet-awesome-markers/css/leaflet.awesome-markers.css"
    ),
    # Bootstrap 3 glyphicons are not on npm; we use Font Awesome icons (prefix="fa") instead.
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    # folium's fa-rotate-N classes for awesome-marker angles; our own equivalent.
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (  # noqa: E501
        "gridmap/gridmap.css"
    ),
    # branca colormap legends
    "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "vendor/d3/d3.min.js",
    # plugins.MarkerCluster
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "vendor/leaflet.markercluster/dist/leaflet.markercluster.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "vendor/leaflet.markercluster/dist/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (  # noqa: E501
        "vendor/leaflet.markercluster/dist/MarkerCluster.Default.css"
    ),
    # plugins.HeatMap (folium ships the file itself)
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js": (  # noqa: E501
        "folium/leaflet_heat.min.js"
    ),
    # plugins.Realtime
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-realtime/2.2.0/leaflet-realtime.js": (
        "vendor/leaflet-realtime/dist/leaflet-realtime.js"
    ),
    # plugins.Draw
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": (
        "vendor/leaflet-draw/dist/leaflet.draw.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": (
        "vendor/leaflet-draw/dist/leaflet.draw.css"
    ),
    # plugins.GeoMan asks for "@latest"; we serve the version pinned in package.json.
    "https://unpkg.com/@geoman-io/leaflet-geoman-free@latest/dist/leaflet-geoman.js": (
        "vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js"
    ),
    "https://unpkg.com/@geoman-io/leaflet-geoman-free@latest/dist/leaflet-geoman.css": (
        "vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css"
    ),
    # plugins.VectorGridProtobuf asks for "@latest"; we serve the version pinned in package.json
    # (map_ui.tiles asks for that version by name and is matched without an entry here).
    "https://unpkg.com/leaflet.vectorgrid@latest/dist/Leaflet.VectorGrid.bundled.js": (
        "vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.js"
    ),
    # plugins.Fullscreen: jsDelivr minifies on the fly; the npm package has only the source.
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "vendor/leaflet.fullscreen/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "vendor/leaflet.fullscreen/Control.FullScreen.css"
    ),
}

# npm CDNs: a file of a package we pin at exactly the version the URL asks for.
_NPM_CDN = re.compile(
    r"https://(?:cdn\.jsdelivr\.net/npm|unpkg\.com)/"
    r"(?P<pkg>(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)@(?P<ver>[^/]+)/(?P<path>[^?#]+)$"
)
# Files folium keeps in its templates directory, linked through jsDelivr's GitHub mirror.
_FOLIUM_GH = re.compile(
    r"https://cdn\.jsdelivr\.net/gh/python-visualization/folium(?:@[^/]+)?"
    r"/folium/templates/(?P<file>[\w.-]+\.(?:js|css))$"
)
_SCRIPT_SRC = re.compile(r"""<script\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_LINK_HREF = re.compile(r"""<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?((?:https?:)?//[^"')\s;]+)""", re.IGNORECASE
)


class MissingAsset(ValueError):
    """A page needs an external script or stylesheet that we have no local copy of."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"no local copy of the front-end asset {url!r}: add its npm package to "
            "map_ui/package.json and a row to map_ui.assets.CDN_ASSETS (pages must work "
            "with no internet)"
        )
        self.url = url


def static_mounts(prefix: str = STATIC_PREFIX) -> list[tuple[str, Path]]:
    """Return the (URL prefix, directory) pairs the app must serve as static files.

    Args:
        prefix: The URL path everything is served under, ``/static`` by default.

    Returns:
        ``[(f"{prefix}/vendor", VENDOR_DIR), (f"{prefix}/folium", FOLIUM_TEMPLATES_DIR),
        (f"{prefix}/gridmap", OWN_STATIC_DIR)]``.

    """
    prefix = _check_prefix(prefix)
    return [
        (f"{prefix}/vendor", VENDOR_DIR),
        (f"{prefix}/folium", FOLIUM_TEMPLATES_DIR),
        (f"{prefix}/gridmap", OWN_STATIC_DIR),
    ]


def is_external(url: str) -> bool:
    """Tell whether a script/stylesheet URL points off our server (http, https or ``//``)."""
    return re.match(r"\s*(?:https?:)?//", url, re.IGNORECASE) is not None


def local_url(url: str, *, prefix: str = STATIC_PREFIX) -> str | None:
    """Map one external asset URL to its local URL.

    Args:
        url: A script or stylesheet URL (``https://``, ``http://`` or ``//``).
        prefix: The URL path the static files are served under.

    Returns:
        The local URL, or ``None`` for an asset that is deliberately dropped (glyphicons).

    Raises:
        MissingAsset: When there is no local copy for ``url``.

    """
    prefix = _check_prefix(prefix)
    key = re.sub(r"^(?:https?:)?//", "https://", url.strip(), flags=re.IGNORECASE)
    if key in CDN_ASSETS:
        rel = CDN_ASSETS[key]
        return None if rel is None else f"{prefix}/{rel}"
    match = _NPM_CDN.match(key)
    if match and _pinned_versions().get(match["pkg"]) == match["ver"]:
        return f"{prefix}/vendor/{match['pkg']}/{match['path']}"
    match = _FOLIUM_GH.match(key)
    if match and (FOLIUM_TEMPLATES_DIR / match["file"]).is_file():
        return f"{prefix}/folium/{match['file']}"
    raise MissingAsset(url)


def offline_html(m: folium.Map, *, prefix: str = STATIC_PREFIX) -> str:
    """Render a map to a complete HTML page that loads every script and stylesheet locally.

    The ``default_js``/``default_css`` of the map and of every element below it are rewritten
    before rendering; links that elements add to the page header while rendering (branca's
    colormap adds d3 that way) are rewritten after the elements render and before the page is
    written; finally the page is scanned, and any remaining external ``<script src>``,
    ``<link href>`` or CSS ``@import`` fails. Tile URLs are data, not assets, and are left alone.

    Args:
        m: The map. Rendering mutates it as ``folium.Map.get_root().render()`` does.
        prefix: The URL path the static files are served under (see :func:`static_mounts`).

    Returns:
        The HTML page.

    Raises:
        MissingAsset: Naming the first external script or stylesheet with no local copy.

    """
    if not isinstance(m, folium.Map):
        raise ValueError(f"`m` was a {type(m).__name__} but is expected to be a folium.Map")
    root = m.get_root()
    if not isinstance(root, Figure):
        raise ValueError("`m` is not attached to a branca Figure; create it with folium.Map()")
    for element in _walk(root):
        if isinstance(element, JSCSSMixin):
            # Instance attributes: the class-level lists that folium shares stay untouched.
            element.default_js = _localize_pairs(element.default_js, prefix)
            element.default_css = _localize_pairs(element.default_css, prefix)
    # What Figure.render() does, with the header links rewritten between the two steps.
    for child in list(root._children.values()):
        child.render()
    _localize_header(root.header, prefix)
    html = root._template.render(this=root, kwargs={})
    for url in external_asset_urls(html):
        raise MissingAsset(url)
    return html


def external_asset_urls(html: str) -> list[str]:
    """List the external URLs of scripts, ``<link>`` elements and CSS imports in a page."""
    found = _SCRIPT_SRC.findall(html) + _LINK_HREF.findall(html) + _CSS_IMPORT.findall(html)
    return [url for url in found if is_external(url)]


def check_assets_installed() -> list[str]:
    """List what the asset table needs that is not on disk, for setup and tests.

    Returns:
        One entry per missing file (its path), and one per npm package whose installed version
        differs from the pin in ``map_ui/package.json``. Empty when everything is in place;
        otherwise the fix is ``npm ci --prefix map_ui`` (``make setup``).

    """
    problems: list[str] = []
    for rel in sorted({rel for rel in CDN_ASSETS.values() if rel is not None}):
        path = _disk_path(f"{STATIC_PREFIX}/{rel}")
        if path is None or not path.is_file():
            problems.append(str(path if path is not None else rel))
    for pkg, wanted in sorted(_pinned_versions().items()):
        manifest = VENDOR_DIR / pkg / "package.json"
        if not manifest.is_file():
            problems.append(str(manifest))
            continue
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if installed != wanted:
            problems.append(f"{manifest} (version {installed}, package.json pins {wanted})")
    return problems


def _disk_path(url: str, prefix: str = STATIC_PREFIX) -> Path | None:
    """Map a local static URL back to a file below one of the mounts (None if outside them)."""
    for mount, directory in static_mounts(prefix):
        if url.startswith(mount + "/"):
            path = (directory / url[len(mount) + 1 :]).resolve()
            return path if path.is_relative_to(directory.resolve()) else None
    return None


def _localize_pairs(pairs: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in pairs:
        if not is_external(url):
            out.append((name, url))
            continue
        local = local_url(url, prefix=prefix)
        if local is not None:
            out.append((name, local))
    return out


def _localize_header(header: Element, prefix: str) -> None:
    for name, child in list(header._children.items()):
        if isinstance(child, Link) and is_external(child.url):
            local = local_url(child.url, prefix=prefix)
            if local is None:
                del header._children[name]
            else:
                child.url = local


def _walk(element: Element) -> Iterator[Element]:
    yield element
    if isinstance(element, Figure):
        for part in (element.header, element.html, element.script):
            yield from _walk(part)
    for child in list(element._children.values()):
        yield from _walk(child)


@functools.cache
def _pinned_versions() -> dict[str, str]:
    """Read the exact versions pinned in map_ui/package.json, by npm package name."""
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    return dict(manifest.get("dependencies", {}))


def _check_prefix(prefix: str) -> str:
    if not re.fullmatch(r"(/[\w.-]+)+", prefix):
        raise ValueError(
            f'`prefix` was "{prefix}" but is expected to be a URL path like "/static" '
            "(leading slash, no trailing slash)"
        )
    return prefix
