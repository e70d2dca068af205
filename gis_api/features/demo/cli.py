"""``gridmap demo load``: generate 双流区 and import it through the importers, like a user would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gis_api.core.cli import (
    err,
    errors,
    load_settings,
    print_import_result,
    progress,
    session_factory,
)
from gis_api.core.db import transaction
from gis_api.features.demo.load import LAYER_ORDER, demo_extras, demo_files, import_demo


def register(app: typer.Typer) -> None:
    """Add ``demo load`` to the CLI."""
    demo = typer.Typer(help="The demo county (双流区, 510116).", no_args_is_help=True)
    app.add_typer(demo, name="demo")

    @demo.command("load")
    def demo_load(
        seed: Annotated[
            int, typer.Option(help="random seed: the same seed gives the same county")
        ] = 510116,
        scale: Annotated[float, typer.Option(help="households multiplier (1 = realistic)")] = 1.0,
        directory: Annotated[
            Path, typer.Option("--dir", help="where the layer files are written")
        ] = Path("demo-data"),
    ) -> None:
        """Generate 双流区 (real boundary, towns and villages) and import it like a user would."""
        settings = load_settings()
        with errors(), progress() as bar:
            extras = demo_extras()
            task = bar.add_task("synthesizing 双流区", total=len(LAYER_ORDER) + len(extras) + 1)
            county, files = demo_files(directory, seed=seed, scale=scale)
            bar.update(task, advance=1, description="importing")

            def advance(layer: str, result) -> None:  # type: ignore[no-untyped-def]
                bar.update(task, advance=1, description=f"imported {layer} ({result.rows:,})")

            summaries = []
            with transaction(session_factory(settings)) as session:
                results = import_demo(session, files, on_layer=advance)
                for name, load in extras:
                    bar.update(task, description=f"demo {name}")
                    summaries.append(f"{name}: {load(session, county, directory)}")
                    bar.update(task, advance=1)
        for result in results:
            print_import_result(result)
        for line in summaries:
            err.print(line)
        summary = county.summary()
        err.print(
            "demo county loaded: "
            + ", ".join(f"{k} {v:,}" for k, v in summary.items())
            + f"; files in {directory}/"
        )
