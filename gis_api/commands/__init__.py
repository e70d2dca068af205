"""Sub-commands of ``gridmap``, one module per concern; each has ``register(app: typer.Typer)``.

``gis_api.cli`` imports every module here and calls its ``register``, so a new concern adds a
file rather than editing the CLI.
"""
