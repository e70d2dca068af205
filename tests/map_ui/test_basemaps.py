from __future__ import annotations

import folium
import pytest

from map_ui.basemaps import add_basemap


def tile_layers(m: folium.Map) -> list[folium.TileLayer]:
    return [child for child in m._children.values() if isinstance(child, folium.TileLayer)]


def test_none_adds_no_tiles():
    m = add_basemap(folium.Map(tiles=None))
    assert tile_layers(m) == []


def test_tianditu_adds_vector_tiles_and_labels_with_the_key():
    m = add_basemap(folium.Map(tiles=None), kind="tianditu", key="abc123")
    base, labels = tile_layers(m)
    assert "/vec_w/wmts" in base.tiles and "LAYER=vec" in base.tiles
    assert "/cva_w/wmts" in labels.tiles and "LAYER=cva" in labels.tiles
    for layer in (base, labels):
        assert layer.tiles.startswith("https://t{s}.tianditu.gov.cn/")
        assert layer.tiles.endswith("tk=abc123")
        assert layer.options["subdomains"] == "01234567"
    assert base.overlay is False and labels.overlay is True
    html = m.get_root().render()
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in html.replace("\\u0026", "&")


def test_tianditu_without_key_is_refused():
    with pytest.raises(ValueError, match="key"):
        add_basemap(folium.Map(tiles=None), kind="tianditu")
    with pytest.raises(ValueError, match="letters and digits"):
        add_basemap(folium.Map(tiles=None), kind="tianditu", key="abc&x=1")


def test_xyz_template_from_an_intranet_server():
    m = add_basemap(
        folium.Map(tiles=None),
        kind="xyz",
        template="http://10.1.2.3/tiles/{z}/{x}/{y}.png",
        attribution="县大数据中心",
    )
    (layer,) = tile_layers(m)
    assert layer.tiles == "http://10.1.2.3/tiles/{z}/{x}/{y}.png"
    assert layer.options["attribution"] == "县大数据中心"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "osm"}, "kind"),
        ({"kind": "xyz", "attribution": "x"}, "template"),
        ({"kind": "xyz", "template": "https://t/{z}/{x}.png", "attribution": "x"}, "placeholders"),
        ({"kind": "xyz", "template": "https://t/{z}/{x}/{y}.png"}, "attribution"),
        ({"kind": "xyz", "template": "ftp://t/{z}/{x}/{y}.png", "attribution": "x"}, "start with"),
        ({"kind": "none", "key": "abc"}, "only used"),
    ],
)
def test_malformed_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_basemap(folium.Map(tiles=None), **kwargs)
