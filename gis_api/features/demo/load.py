"""Put the demo county into the store through the same importers a user would use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from gis_api.features.demo.extras import incidents as incidents_extra
from gis_api.features.demo.extras import roads as roads_extra
from gis_api.features.demo.files import write_demo_files
from gis_api.features.demo.synth import DemoCounty, synthesize_county
from gis_api.features.imports.service import import_file
from gis_api.schema.imports import ImportResult

# Parents before children: grids and buildings need their villages.
LAYER_ORDER = ("admin-areas", "grids", "buildings", "cameras", "key-sites", "relocation-sites")
# A CSV does not say its CRS: the user passes --crs, and so does the demo.
LAYER_CRS = {"cameras": "cgcs2000"}


def demo_files(directory: Path, *, seed: int, scale: float) -> tuple[DemoCounty, dict[str, Path]]:
    """Synthesize the county and write its layer files into ``directory``."""
    county = synthesize_county(seed=seed, scale=scale)
    return county, write_demo_files(county, directory)


DemoExtra = Callable[[Session, DemoCounty, Path], str]


def demo_extras() -> list[tuple[str, DemoExtra]]:
    """Further demo data from other concerns, loaded after the layers in the same transaction:
    each ``load(session, county, directory) -> summary``.
    """
    return [("incidents", incidents_extra.load), ("roads", roads_extra.load)]


def import_demo(
    session: Session,
    files: dict[str, Path],
    *,
    layers: tuple[str, ...] = LAYER_ORDER,
    on_layer: Callable[[str, ImportResult], None] | None = None,
) -> list[ImportResult]:
    """Import the layer files in order, in the session's transaction."""
    results = []
    for layer in layers:
        result = import_file(
            session, layer=layer, path=files[layer], crs=LAYER_CRS.get(layer), actor="demo"
        )
        results.append(result)
        if on_layer is not None:
            on_layer(layer, result)
    return results
