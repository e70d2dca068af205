"""Base maps under the vector layers: none, Tianditu (天地图) with a key, or any XYZ template.

Tile URLs are data, not front-end assets: a command centre with no internet uses ``none`` or an
intranet XYZ server. No GCJ-02 offset handling here: Tianditu and a plain XYZ template are
assumed to be in CGCS2000/WGS84 like our data.
"""

from __future__ import annotations

import re
from typing import Literal

import folium

BasemapKind = Literal["none", "tianditu", "xyz"]
BASEMAP_KINDS: tuple[str, ...] = ("none", "tianditu", "xyz")

# Tianditu WMTS in Web Mercator ("_w"), CGCS2000 datum: no shift against our data.
_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTRIBUTION = "&copy; 天地图 Tianditu"
_TIANDITU_SUBDOMAINS = "01234567"


def add_basemap(
    m: folium.Map,
    *,
    kind: BasemapKind = "none",
    key: str | None = None,
    template: str | None = None,
    attribution: str | None = None,
    max_zoom: int = 18,
) -> folium.Map:
    """Add a base map to ``m`` and return ``m``.

    Args:
        m: The map.
        kind: ``"none"`` (no tiles: the vector layers orient the eye), ``"tianditu"`` (vector
            tiles ``vec_w`` with the label layer ``cva_w`` on top, subdomains t0–t7) or
            ``"xyz"`` (any ``{z}/{x}/{y}`` template, an intranet tile server included).
        key: The Tianditu key (``tk``); required for ``"tianditu"``, refused otherwise.
        template: The XYZ URL template; required for ``"xyz"``, refused otherwise.
        attribution: Attribution shown for ``"xyz"`` (required there: tiles have an owner).
        max_zoom: Highest zoom level the tiles are requested for.

    Returns:
        ``m``, with the tile layers added as base layer (and, for Tianditu, a label overlay).

    Raises:
        ValueError: For an unknown ``kind`` or missing/misplaced/malformed arguments.

    """
    if not isinstance(m, folium.Map):
        raise ValueError(f"`m` was a {type(m).__name__} but is expected to be a folium.Map")
    if kind not in BASEMAP_KINDS:
        raise ValueError(f'`kind` was "{kind}" but is expected to be one of {BASEMAP_KINDS}')
    if not isinstance(max_zoom, int) or not 1 <= max_zoom <= 22:
        raise ValueError(f"`max_zoom` was {max_zoom!r} but is expected to be an int in 1..22")
    if kind != "tianditu" and key is not None:
        raise ValueError(f'`key` is only used with kind="tianditu", not kind="{kind}"')
    if kind != "xyz" and (template is not None or attribution is not None):
        raise ValueError(f'`template`/`attribution` are only used with kind="xyz", not "{kind}"')
    if kind == "tianditu":
        _add_tianditu(m, key=key, max_zoom=max_zoom)
    elif kind == "xyz":
        _add_xyz(m, template=template, attribution=attribution, max_zoom=max_zoom)
    return m


def _add_tianditu(m: folium.Map, *, key: str | None, max_zoom: int) -> None:
    if not key:
        raise ValueError('kind="tianditu" needs `key`, the Tianditu token (tk)')
    if not re.fullmatch(r"[0-9A-Za-z]+", key):
        raise ValueError("`key` is expected to be a Tianditu token: letters and digits only")
    for layer, name, overlay in (("vec", "天地图矢量", False), ("cva", "天地图注记", True)):
        folium.TileLayer(
            tiles=_TIANDITU.format(layer=layer, key=key),
            attr=_TIANDITU_ATTRIBUTION,
            name=name,
            overlay=overlay,
            max_zoom=max_zoom,
            subdomains=_TIANDITU_SUBDOMAINS,
        ).add_to(m)


def _add_xyz(
    m: folium.Map, *, template: str | None, attribution: str | None, max_zoom: int
) -> None:
    if not template:
        raise ValueError(
            'kind="xyz" needs `template`, e.g. "https://tiles.example/{z}/{x}/{y}.png"'
        )
    missing = [part for part in ("{z}", "{x}") if part not in template]
    if "{y}" not in template and "{-y}" not in template:
        missing.append("{y}")
    if missing:
        raise ValueError(f'`template` was "{template}" but lacks the placeholders {missing}')
    if not re.match(r"(?:https?://|/)", template):
        raise ValueError(
            f'`template` was "{template}" but is expected to start with http://, https:// or /'
        )
    if not attribution:
        raise ValueError('kind="xyz" needs `attribution` (who owns the tiles)')
    folium.TileLayer(
        tiles=template, attr=attribution, name="底图", overlay=False, max_zoom=max_zoom
    ).add_to(m)
