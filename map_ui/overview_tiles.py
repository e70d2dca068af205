"""The overview's grids and villages drawn from vector tiles (above the inline limit), with the
same colours, outlines and popups as the inline layers of :mod:`map_ui.overview`.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium

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
    VectorTileLayer(
        source,
        name="村社区",
        style="villages",
        style_config={
            "communityKind": COMMUNITY,
            "communityColor": COMMUNITY_COLOR,
            "villageColor": VILLAGE_COLOR,
        },
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
    fields = [column for column, _ in popup]
    aliases = [label for _, label in popup]
    VectorTileLayer(
        source,
        name="网格",
        style="households",
        style_config=config,
        popup_fields=fields,
        popup_aliases=aliases,
    ).add_to(m)
