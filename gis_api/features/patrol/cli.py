"""``gridmap patrol routes|streets REQUEST.json``: patrol plans from the command line (as admin)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from boundaries.errors import InvalidInput
from gis_api.core.auth import Principal
from gis_api.core.cli import err, errors, session_factory
from gis_api.core.db import transaction
from gis_api.features.patrol.models import RouteRequest, StreetPatrolRequest
from gis_api.features.patrol.output import in_crs
from gis_api.features.patrol.plans import keep_plan

patrol_app = typer.Typer(help="Patrol routes (线上巡) from a JSON request.", no_args_is_help=True)


def _plan(kind: str, path: Path, save: bool) -> None:
    # Imported here, not at the top: the solver (OR-Tools) adds ~0.45 s to every ``gridmap``
    # command's start (python -X importtime, 2026-12-04), and only these two commands need it.
    from gis_api.features.patrol.service import plan_routes
    from gis_api.features.patrol.streets import plan_street_patrol

    model = RouteRequest if kind == "routes" else StreetPatrolRequest
    plan = plan_routes if kind == "routes" else plan_street_patrol
    principal = Principal(key_id=0, prefix="cli", role="admin", jurisdiction="")
    with errors():
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            request = model.model_validate({**data, "save": save or data.get("save", False)})
        except (OSError, ValueError, ValidationError) as exc:
            raise InvalidInput(f"{path}: not a valid {kind} request ({exc})") from None
        with transaction(session_factory()) as session:
            result = plan(session, request, principal=principal)  # type: ignore[arg-type]
            if request.save:
                keep_plan(session, kind, request.name, request.model_dump(), result, principal)
    answer = in_crs(result, request.crs)
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=1) + "\n")
    totals = result["totals"]
    saved = f"; saved as plan {result['plan']['id']}" if "plan" in result else ""
    err.print(
        f"{len(result['teams'])} route(s), {totals['distance_m'] / 1000:.1f} km, "
        f"{totals['duration_s'] / 60:.0f} min in all; {len(result['unreachable'])} unreachable"
        f"{saved}"
    )


@patrol_app.command("routes")
def patrol_routes(
    request: Annotated[Path, typer.Argument(help="JSON body as for POST /v1/patrol/routes")],
    save: Annotated[bool, typer.Option("--save", help="keep the plan for the map page")] = False,
) -> None:
    """Plan patrol routes; prints the answer (JSON) on stdout."""
    _plan("routes", request, save)


@patrol_app.command("streets")
def patrol_streets(
    request: Annotated[Path, typer.Argument(help="JSON body as for POST /v1/patrol/streets")],
    save: Annotated[bool, typer.Option("--save", help="keep the plan for the map page")] = False,
) -> None:
    """Plan a street patrol (every street of a grid); prints the answer (JSON) on stdout."""
    _plan("streets", request, save)


def register(app: typer.Typer) -> None:
    """Add ``patrol`` to the ``gridmap`` command."""
    app.add_typer(patrol_app, name="patrol")
