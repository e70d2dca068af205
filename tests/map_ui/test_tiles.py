"""Vector tile layers on Folium maps: served locally, styled, and used by the overview."""

from __future__ import annotations

import json
import re

import folium
import pytest

from map_ui.assets import OWN_STATIC_DIR, offline_html
from map_ui.overview import build_overview_map
from map_ui.tiles import TileSource, VectorTileLayer
from tests.map_ui.test_overview import synthetic_county

STYLE = {"style": "fixed", "style_config": {"color": "#333"}}


def test_layer_loads_vectorgrid_from_our_server():
    m = folium.Map(tiles=None)
    VectorTileLayer(
        TileSource("/tiles/grids/{z}/{x}/{y}.pbf?v=3", "grids", minzoom=10),
        name="网格",
        **STYLE,
    ).add_to(m)
    html = offline_html(m)
    assert "/static/vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.js" in html
    assert '<script src="/static/gridmap/gridmap.js"></script>' in html
    config = json.loads(re.search(r"GridmapMaps\.vectorTiles\((.*)\);$", html, re.M).group(1))
    assert config["url"] == "/tiles/grids/{z}/{x}/{y}.pbf?v=3" and config["minZoom"] == 10
    assert config["style"] == "fixed" and config["styleConfig"] == {"color": "#333"}
    script = (OWN_STATIC_DIR / "gridmap.js").read_text(encoding="utf-8")
    assert 'credentials: "same-origin"' in script
    assert "L.DomEvent.fakeStop" in script  # the Leaflet 1.8+ click fix


def test_bad_sources_are_refused():
    with pytest.raises(ValueError, match="placeholders"):
        TileSource("/tiles/grids/{z}/{x}.pbf", "grids")
    with pytest.raises(ValueError, match="plain name"):
        TileSource("/t/{z}/{x}/{y}", "grids; drop")
    with pytest.raises(ValueError, match="tileStyles"):
        VectorTileLayer(TileSource("/t/{z}/{x}/{y}", "g"), name="g", style="function () {}")
    with pytest.raises(ValueError, match="labels"):
        VectorTileLayer(
            TileSource("/t/{z}/{x}/{y}", "g"),
            name="g",
            **STYLE,
            popup_fields=["a"],
            popup_aliases=[],
        )


def test_overview_draws_grids_and_villages_from_tiles():
    areas, grids, cameras, key_sites, relocation = synthetic_county()
    m = build_overview_map(
        areas=areas,
        grids=grids.iloc[0:0],
        cameras=cameras,
        grid_tiles=TileSource("/tiles/grids/{z}/{x}/{y}.pbf?v=1", "grids", minzoom=10),
        village_tiles=TileSource("/tiles/areas/{z}/{x}/{y}.pbf?v=1", "areas"),
    )
    html = offline_html(m)
    assert html.count("GridmapMaps.vectorTiles(") == 2
    overlays = re.search(r"overlays :\s*\{(.*?)\}", html, re.S).group(1)
    assert "\\u7f51\\u683c" in overlays or "网格" in overlays
    # the grid style knows each village's kind (community/village standard) and the steps
    assert "kinds" in html and areas.loc[areas["level"] == "village", "code"].iloc[0] in html
    # no grid geometry inline
    assert grids["code"].iloc[0] not in html
