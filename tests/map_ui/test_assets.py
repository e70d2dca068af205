from __future__ import annotations

import ast
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from branca.colormap import LinearColormap
from branca.element import Element
from folium import plugins
from folium.elements import JSCSSMixin

from map_ui.assets import (
    SERVED_ELEMENTS,
    STATIC_PREFIX,
    MissingAsset,
    cdn_assets,
    check_assets_installed,
    declared_assets,
    local_url,
    offline_html,
    static_mounts,
)


class AssetLinks(HTMLParser):
    """Collect <script src> and <link href> of a page (independent of map_ui's regexes)."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"])
        if tag == "link" and values.get("href"):
            self.links.append(values["href"])


def asset_links(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.scripts + parser.links


def on_disk(url: str) -> Path | None:
    for prefix, directory in static_mounts():
        if url.startswith(prefix + "/"):
            return directory / url[len(prefix) + 1 :]
    return None


def map_with_every_plugin() -> folium.Map:
    """The folium defaults plus every plugin our pages use, and a branca legend (d3)."""
    m = folium.Map(location=[30.5, 103.9], zoom_start=11, tiles=None, maxZoom=18)
    folium.Marker([30.5, 103.9], icon=folium.Icon(prefix="fa", icon="video", angle=45)).add_to(m)
    cluster = plugins.MarkerCluster().add_to(m)
    folium.Marker([30.51, 103.91]).add_to(cluster)
    folium.Marker([30.52, 103.92]).add_to(cluster)
    plugins.HeatMap([[30.5, 103.9, 1.0], [30.51, 103.91, 0.5]]).add_to(m)
    plugins.Realtime("/realtime.geojson", interval=60_000).add_to(m)
    plugins.Draw().add_to(m)
    plugins.GeoMan().add_to(m)
    plugins.Fullscreen().add_to(m)
    LinearColormap(["#ffffff", "#000000"], vmin=0, vmax=1, caption="图例").add_to(m)
    return m


def test_offline_page_links_only_local_files_that_exist():
    html = offline_html(map_with_every_plugin())
    links = asset_links(html)
    assert links, "the page links no scripts at all"
    external = [u for u in links if urlsplit(u).scheme or u.startswith("//")]
    assert external == []
    for url in links:
        path = on_disk(url)
        assert path is not None, f"{url} is outside the static mounts"
        assert path.is_file(), f"{url} -> {path} does not exist (run npm ci --prefix map_ui)"


def test_offline_page_keeps_every_plugin_script():
    html = offline_html(map_with_every_plugin())
    links = set(asset_links(html))
    expected = {
        f"{STATIC_PREFIX}/vendor/leaflet/dist/leaflet.js",
        f"{STATIC_PREFIX}/vendor/d3/d3.min.js",
        f"{STATIC_PREFIX}/vendor/leaflet.markercluster/dist/leaflet.markercluster.js",
        f"{STATIC_PREFIX}/folium/leaflet_heat.min.js",
        f"{STATIC_PREFIX}/vendor/leaflet-realtime/dist/leaflet-realtime.js",
        f"{STATIC_PREFIX}/vendor/leaflet-draw/dist/leaflet.draw.js",
        f"{STATIC_PREFIX}/vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js",
        f"{STATIC_PREFIX}/vendor/leaflet.fullscreen/Control.FullScreen.js",
        f"{STATIC_PREFIX}/gridmap/gridmap.css",
    }
    assert expected <= links
    assert not any("glyphicons" in url for url in links)


def test_offline_html_leaves_folium_class_defaults_alone():
    before = list(folium.Map.default_js)
    offline_html(map_with_every_plugin())
    assert folium.Map.default_js == before
    assert folium.Map().get_root().render().count("https://cdn.jsdelivr.net/npm/leaflet@") == 2


class UnknownPlugin(JSCSSMixin):
    default_js = [("unknown_plugin", "https://cdn.example.org/unknown-plugin/1.0/plugin.js")]


def test_plugin_without_local_asset_raises_missing_asset():
    m = folium.Map(tiles=None)
    UnknownPlugin().add_to(m)
    with pytest.raises(MissingAsset) as info:
        offline_html(m)
    assert info.value.url == "https://cdn.example.org/unknown-plugin/1.0/plugin.js"
    assert isinstance(info.value, ValueError)


def test_raw_external_script_in_the_page_is_caught_by_the_final_scan():
    m = folium.Map(tiles=None)
    m.get_root().header.add_child(
        Element('<script src="https://cdn.example.org/raw.js"></script>'), name="raw"
    )
    with pytest.raises(MissingAsset, match="raw.js"):
        offline_html(m)


def test_npm_cdn_url_maps_only_at_the_pinned_version():
    assert (
        local_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/images/marker-icon.png")
        == f"{STATIC_PREFIX}/vendor/leaflet/dist/images/marker-icon.png"
    )
    with pytest.raises(MissingAsset):
        local_url("https://cdn.jsdelivr.net/npm/leaflet@1.7.1/dist/leaflet.js")


def test_tile_urls_are_not_rewritten():
    m = folium.Map(tiles=None)
    folium.TileLayer("https://tiles.example.org/{z}/{x}/{y}.png", attr="example").add_to(m)
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in offline_html(m)


def test_every_mapped_file_is_installed():
    assert check_assets_installed() == []
    for target in cdn_assets().values():
        if target is not None:
            assert on_disk(f"{STATIC_PREFIX}/{target}").is_file(), target


def test_every_asset_folium_declares_is_served_locally():
    """Whatever folium (and branca's colormap) declare for the elements we use maps to a local
    file that exists; a folium upgrade that adds or moves an asset fails here.
    """
    declared = [
        url for element in SERVED_ELEMENTS for _, url in [*element.default_js, *element.default_css]
    ]
    assert set(declared) <= set(declared_assets())
    for url in declared_assets():
        local = local_url(url)  # MissingAsset for one we cannot serve
        if local is not None:
            assert on_disk(local).is_file(), (url, local)
    assert any("d3" in url for url in declared_assets())  # branca's colormap link


def test_derived_mapping_finds_renamed_and_moved_files():
    # cdnjs names the package differently and lays its files out its own way
    assert (
        local_url(
            "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
            "leaflet.awesome-markers.js"
        )
        == f"{STATIC_PREFIX}/vendor/drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.js"
    )
    assert (
        local_url("https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css")
        == f"{STATIC_PREFIX}/vendor/leaflet-draw/dist/leaflet.draw.css"
    )
    assert (
        local_url("https://code.jquery.com/jquery-3.7.1.min.js")
        == f"{STATIC_PREFIX}/vendor/jquery/dist/jquery.min.js"
    )
    # jsDelivr minifies on the fly; the package has the source only
    assert (
        local_url("https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js")
        == f"{STATIC_PREFIX}/vendor/leaflet.fullscreen/Control.FullScreen.js"
    )
    # another version than the pinned one is not ours to serve
    with pytest.raises(MissingAsset):
        local_url("https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/0.4.2/leaflet.draw.js")
    with pytest.raises(MissingAsset):
        local_url("https://code.jquery.com/jquery-1.12.4.min.js")


def test_served_elements_cover_every_plugin_our_pages_use():
    """A folium plugin imported by map_ui or gis_api is one whose assets we check and serve."""
    root = Path(__file__).resolve().parents[2]
    used: set[str] = set()
    for package in ("map_ui", "gis_api"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "folium.plugins":
                    used.update(alias.name for alias in node.names)
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "plugins"
                ):
                    used.add(node.attr)
    assert used, "no folium plugin found: the scan is broken"
    for name in sorted(used):
        cls = getattr(plugins, name)
        if isinstance(cls, type) and issubclass(cls, JSCSSMixin):
            assert cls in SERVED_ELEMENTS, f"folium.plugins.{name} is not in SERVED_ELEMENTS"


@pytest.mark.browser
def test_page_with_every_plugin_loads_offline_without_errors(static_server, browser_page):
    page, log = browser_page
    static_server.add_page(
        "/realtime.geojson", '{"type": "FeatureCollection", "features": []}', "application/json"
    )
    url = static_server.add_page("/plugins.html", offline_html(map_with_every_plugin()))
    page.goto(url, wait_until="load")
    page.wait_for_selector(".leaflet-draw-toolbar")
    loaded = page.evaluate(
        "() => [typeof L.markerClusterGroup, typeof L.heatLayer, typeof L.realtime,"
        " typeof L.Control.Draw, typeof L.PM, typeof L.Control.FullScreen, typeof d3]"
    )
    assert loaded == [
        "function",
        "function",
        "function",
        "function",
        "object",
        "function",
        "object",
    ]
    assert log.external == []
    assert log.failed == []
    assert log.console_errors == []


def test_missing_install_is_reported(monkeypatch, tmp_path):
    import map_ui.assets as assets

    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path)
    missing = check_assets_installed()
    assert str(tmp_path / "leaflet" / "dist" / "leaflet.js") in missing
    assert str(tmp_path / "leaflet" / "package.json") in missing


def test_rendering_twice_stays_offline():
    m = map_with_every_plugin()
    offline_html(m)
    assert all(not urlsplit(u).scheme for u in asset_links(offline_html(m)))
