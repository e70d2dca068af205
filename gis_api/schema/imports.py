"""What an import did: the answer of ``gridmap import`` and ``POST /v1/imports/{layer}``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    layer: str
    file: str
    crs: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    warnings: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)
