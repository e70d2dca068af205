"""A small bar of links between the map pages (and to log out), as a Leaflet control."""

from __future__ import annotations

from collections.abc import Sequence

from map_ui.legend import PageAssets
from map_ui.templating import folium_template, render


class PageNav(PageAssets):
    """Links shown at the top of a map page; the current page is marked, not linked."""

    _template = folium_template("html_control.j2")

    def __init__(self, links: Sequence[tuple[str, str]], *, current: str) -> None:
        """``links`` are (label, path) pairs; ``current`` is the path of this page."""
        super().__init__()
        self._name = "PageNav"
        for _, path in links:
            if not path.startswith("/"):
                raise ValueError(f'link "{path}" is expected to be a path on our server')
        self.html = render("nav.html", links=list(links), current=current)
        self.control = {"position": "bottomright", "className": "gridmap-nav", "html": self.html}
