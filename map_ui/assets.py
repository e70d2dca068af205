"""Front-end assets of the Folium pages, served by the app instead of a CDN.

Government intranets have no internet, so every script and stylesheet a Folium page loads must
come from our own server. The files come from three places:

- npm packages pinned in ``map_ui/package.json``, installed by ``npm ci --prefix map_ui`` into
  ``map_ui/node_modules`` and served as ``/static/vendor/<npm package>/<path in package>``;
- files folium ships in its ``templates`` directory (``leaflet_heat.min.js``), served as
  ``/static/folium/<file>``;
- our own files in ``map_ui/static``, served as ``/static/gridmap/<file>``.

Which local file stands for a CDN URL is derived, not listed: from the URL (npm CDNs name the
package, version and path; cdnjs and code.jquery.com name a library found among the npm packages
by name and version, and the file by name), ``map_ui/package.json`` and the installed files.
:data:`NOT_ON_NPM` lists the two declared files no npm package has. :func:`declared_assets`
reads what folium and branca declare for the elements we use (:data:`SERVED_ELEMENTS`).

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
from branca.colormap import LinearColormap
from branca.element import Element, Figure, Link
from folium import plugins
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

SERVED_ELEMENTS: tuple[type[JSCSSMixin], ...] = (
    folium.Map,
    plugins.MarkerCluster,
    plugins.HeatMap,
    plugins.Realtime,
    plugins.Draw,
    plugins.GeoMan,
    plugins.VectorGridProtobuf,
    plugins.Fullscreen,
)
"""The folium elements whose declared scripts and stylesheets we serve (every plugin a page of
ours uses must be here; a test checks the imports)."""

NOT_ON_NPM: dict[str, str | None] = {
    # Bootstrap 3 glyphicons are not on npm; we use Font Awesome icons (prefix="fa") instead.
    "bootstrap-glyphicons.css": None,
    # folium's fa-rotate-N classes for awesome-marker angles; our own equivalent.
    "leaflet.awesome.rotate.min.css": "gridmap/gridmap.css",
}
"""Declared files with no npm package, by file name: our replacement (None: dropped)."""

# npm CDNs: a file of a package at a version (``latest`` means the one we pin).
_NPM_CDN = re.compile(
    r"https://(?:cdn\.jsdelivr\.net/npm|unpkg\.com)/"
    r"(?P<pkg>(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)@(?P<ver>[^/]+)/(?P<path>[^?#]+)$"
)
# cdnjs: a library (not always named as on npm) at a version, its files laid out its own way.
_CDNJS = re.compile(
    r"https://cdnjs\.cloudflare\.com/ajax/libs/(?P<lib>[^/]+)/(?P<ver>[^/]+)/(?P<path>[^?#]+)$"
)
# code.jquery.com: ``<library>-<version>[.min].js``.
_JQUERY_CDN = re.compile(
    r"https://code\.jquery\.com/(?P<lib>[a-z]+)-(?P<ver>\d[\d.]*\d)(?P<ext>(?:\.min)?\.js)$"
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
            "map_ui/package.json (npm ci --prefix map_ui), or a file of ours to "
            "map_ui.assets.NOT_ON_NPM (pages must work with no internet)"
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
    rel = _derive(key, VENDOR_DIR)
    return None if rel is None else f"{prefix}/{rel}"


def declared_assets() -> list[str]:
    """Every script and stylesheet URL that folium and branca declare for what we serve: the
    ``default_js``/``default_css`` of :data:`SERVED_ELEMENTS`, and the links a branca colormap
    adds to the page header when it renders (d3).
    """
    urls = [
        url for element in SERVED_ELEMENTS for _, url in [*element.default_js, *element.default_css]
    ]
    m = folium.Map(tiles=None)
    LinearColormap(["#ffffff", "#000000"], vmin=0, vmax=1).add_to(m)
    root = m.get_root()
    if isinstance(root, Figure):
        for child in list(root._children.values()):
            child.render()
        urls.extend(
            child.url
            for child in root.header._children.values()
            if isinstance(child, Link) and is_external(child.url)
        )
    return list(dict.fromkeys(urls))


def cdn_assets() -> dict[str, str | None]:
    """Each URL of :func:`declared_assets` mapped to its path under ``STATIC_PREFIX`` (None:
    deliberately dropped), derived from the URL, ``map_ui/package.json`` and the installed files.

    Raises:
        MissingAsset: For a declared asset we cannot serve.

    """
    return {url: _derive(url, VENDOR_DIR) for url in declared_assets()}


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
    """List what the declared assets need that is not on disk, for setup and tests.

    Returns:
        One entry per missing file (its path) or underivable URL, and one per npm package
        whose installed version differs from the pin in ``map_ui/package.json``. Empty when
        everything is in place; otherwise the fix is ``npm ci --prefix map_ui``
        (``make setup``).

    """
    problems: list[str] = []
    wanted_files: set[str] = set()
    for url in declared_assets():
        try:
            rel = _derive(url, VENDOR_DIR)
        except MissingAsset:
            problems.append(url)
            continue
        if rel is not None:
            wanted_files.add(rel)
    for rel in sorted(wanted_files):
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


@functools.lru_cache(maxsize=256)
def _derive(url: str, vendor_dir: Path) -> str | None:
    """The path under ``STATIC_PREFIX`` of an external asset URL (see :func:`local_url`)."""
    name = url.rsplit("/", 1)[-1]
    if name in NOT_ON_NPM:
        return NOT_ON_NPM[name]
    pinned = _pinned_versions()
    match = _NPM_CDN.match(url)
    if match and match["ver"] in (pinned.get(match["pkg"]), "latest"):
        return f"vendor/{match['pkg']}/{_npm_file(vendor_dir / match['pkg'], match['path'])}"
    match = _CDNJS.match(url) or _JQUERY_CDN.match(url)
    if match:
        parts = match.groupdict()
        pkg = _npm_package(parts["lib"], parts["ver"])
        wanted = parts["path"] if "path" in parts else parts["lib"] + parts["ext"]
        found = _find_in_package(vendor_dir / pkg, wanted) if pkg else None
        if pkg and found:
            return f"vendor/{pkg}/{found}"
    match = _FOLIUM_GH.match(url)
    if match and (FOLIUM_TEMPLATES_DIR / match["file"]).is_file():
        return f"folium/{match['file']}"
    raise MissingAsset(url)


def _npm_file(package_dir: Path, path: str) -> str:
    """``path`` in the package; jsDelivr minifies on the fly, so a ``.min`` file the package
    lacks is served from its source.
    """
    if not (package_dir / path).is_file():
        source = re.sub(r"\.min\.(js|css)$", r".\1", path)
        if (package_dir / source).is_file():
            return source
    return path


def _npm_package(library: str, version: str) -> str | None:
    """The pinned npm package a CDN library name stands for: the same version, and the same
    name once case and punctuation are dropped (or that name with a prefix).
    """

    def plain(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower())

    found = [
        pkg
        for pkg, pin in _pinned_versions().items()
        if pin == version and plain(pkg).endswith(plain(library))
    ]
    return min(found, key=len) if found else None


def _find_in_package(package_dir: Path, path: str) -> str | None:
    """The file of a package that a CDN path names: the same path, else the file of that name
    (under ``dist/`` first, then the shortest path).
    """
    if (package_dir / path).is_file():
        return path
    if not package_dir.is_dir():
        return None
    name = path.rsplit("/", 1)[-1]
    found = sorted(
        (
            rel
            for rel in (p.relative_to(package_dir).as_posix() for p in package_dir.rglob(name))
            if "node_modules/" not in rel and (package_dir / rel).is_file()
        ),
        key=lambda rel: (not rel.startswith("dist/"), len(rel), rel),
    )
    return found[0] if found else None


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
