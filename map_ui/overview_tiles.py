"""The overview's grids and villages drawn from vector tiles (above the inline limit), with the
same colours, outlines and popups as the inline layers of :mod:`map_ui.overview`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
from folium.utilities import JsCode

from map_ui.overview import (
    ABOVE_COLOR,
    BELOW_COLOR,
    COMMUNITY,
    COMMUNITY_COLOR,
    HOUSEHOLD_COLORS,
    HOUSEHOLD_STEPS,
    OUT_OF_STANDARD_DASH,
    VILLAGE_COLOR,
    VILLAGE_PANE,
    household_colormap,
)
from map_ui.tiles import TileSource, VectorTileLayer


def add_village_tiles(m: folium.Map, source: TileSource) -> None:
    """Villages and communities from the ``areas`` vector tiles, in the two line styles."""
    style = JsCode(
        "function (p) { if (p.level !== 'village') { return {stroke: false, fill: false}; }"
        f" return p.kind === '{COMMUNITY}' ? {{color: '{COMMUNITY_COLOR}', weight: 1.5, "
        f"fill: false}} : {{color: '{VILLAGE_COLOR}', weight: 1.5, dashArray: '4 3', "
        "fill: false}; }"
    )
    VectorTileLayer(
        source,
        name="村社区",
        style=style,
        pane=VILLAGE_PANE,
        interactive=False,  # outlines only: clicks go through to the grids below
    ).add_to(m)


def add_grid_tiles(
    m: folium.Map,
    source: TileSource,
    village_kinds: dict[str, str | None],
    community: tuple[int, int],
    village: tuple[int, int],
    *,
    popup: Sequence[tuple[str, str]],
) -> None:
    """Grids from vector tiles: the same household colours, standard outlines and popup."""
    colormap = household_colormap(HOUSEHOLD_STEPS[-1] + 100)
    colormap.add_to(m)
    config = {
        "kinds": village_kinds,
        "community": list(community),
        "village": list(village),
        "steps": list(HOUSEHOLD_STEPS),
        "colors": list(HOUSEHOLD_COLORS),
        "above": ABOVE_COLOR,
        "below": BELOW_COLOR,
        "dash": OUT_OF_STANDARD_DASH,
        "community_kind": COMMUNITY,
    }
    style = JsCode(
        "(function (c) { return function (p) {"
        " var std = c.kinds[p.village_code] === c.community_kind ? c.community : c.village;"
        " var fill = c.colors[0];"
        " for (var i = 0; i < c.steps.length; i++) { if (p.households >= c.steps[i]) {"
        " fill = c.colors[i]; } }"
        " var out = {fill: true, fillColor: fill, fillOpacity: 0.65, color: '#555555',"
        " weight: 0.8};"
        " if (p.households > std[1]) { out.color = c.above; out.weight = 3;"
        " out.dashArray = c.dash; }"
        " else if (p.households < std[0]) { out.color = c.below; out.weight = 3;"
        " out.dashArray = c.dash; }"
        " return out; }; })(" + json.dumps(config, ensure_ascii=False) + ")"
    )
    fields = [column for column, _ in popup]
    aliases = [label for _, label in popup]
    VectorTileLayer(
        source, name="网格", style=style, popup_fields=fields, popup_aliases=aliases
    ).add_to(m)
