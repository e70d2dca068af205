"""``gridmap keys``: create, revoke and list API keys (a key is shown once, stored hashed)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from gis_api.core.audit import record
from gis_api.core.auth import create_key, list_keys, revoke_key
from gis_api.core.cli import err, errors, load_settings, out, session_factory
from gis_api.core.db import transaction


def register(app: typer.Typer) -> None:
    """Add ``keys create|revoke|list`` to the CLI."""
    keys = typer.Typer(help="API keys.", no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("create")
    def keys_create(
        role: Annotated[str, typer.Option(help="admin, planner, dispatcher, service or viewer")],
        area: Annotated[
            str | None, typer.Option(help="jurisdiction: an area code or code prefix; none = all")
        ] = None,
        label: Annotated[str | None, typer.Option(help="a note saying whose key this is")] = None,
    ) -> None:
        """Make a key; prints only the key on stdout (it is shown once, never stored)."""
        settings = load_settings()
        with errors(), transaction(session_factory(settings)) as session:
            row, key = create_key(session, role=role, area=area, label=label)

            record(
                session,
                actor="cli",
                action="key.create",
                area_code=None,
                details={"prefix": row.prefix, "role": role, "jurisdiction": row.jurisdiction},
            )
        sys.stdout.write(key + "\n")
        err.print(
            f"created {row.role} key {row.prefix}… jurisdiction {row.jurisdiction or '(all)'}"
        )

    @keys.command("revoke")
    def keys_revoke(key: Annotated[str, typer.Argument(help="the key, or its prefix")]) -> None:
        """Revoke a key. Every worker forgets it at once (NOTIFY)."""
        with errors(), transaction(session_factory()) as session:
            revoke_key(session, key=key)
            record(session, actor="cli", action="key.revoke", details={"prefix": key[:11]})
        err.print("revoked")

    @keys.command("list")
    def keys_list() -> None:
        """List keys (prefix, role, jurisdiction, dates), never the keys."""
        with session_factory()() as session:
            table = Table("prefix", "role", "jurisdiction", "label", "created", "revoked")
            for k in list_keys(session):
                table.add_row(
                    k.prefix,
                    k.role,
                    k.jurisdiction or "(all)",
                    k.label or "",
                    f"{k.created_at:%Y-%m-%d %H:%M}",
                    f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
                )
        out.print(table)
