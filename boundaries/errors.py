"""The one exception hierarchy of gridmap.

Domain code raises these; ``gis_api.core.errors`` maps each class to an HTTP status in one table,
and the CLI prints their message. A message is written for the person who sent the input:
it says what was wrong and where (file, row, field, vertex), and never carries a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class GridmapError(Exception):
    """Base of every error gridmap raises on purpose.

    ``retry_after`` (seconds) marks a passing fault: the same request may well succeed if sent
    again after that long (the API sends it as a ``Retry-After`` header).
    """

    def __init__(
        self, message: str, *, details: Any = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.retry_after = retry_after


class InvalidInput(GridmapError):
    """The caller sent something malformed: a value out of range, a bad code, a bad parameter."""


class BadParameter(InvalidInput):
    """A query parameter that is unknown or malformed (answered 400, as OGC API requires)."""


class InvalidGeometry(InvalidInput):
    """A geometry that is not valid, with where and why."""


class InvalidCode(InvalidInput):
    """A malformed administrative, grid or camera code."""


class CoordinatesOutOfRange(InvalidInput):
    """Longitude or latitude outside the valid range."""


class UnknownCRS(InvalidInput):
    """A coordinate reference system gridmap does not know, or none where one is needed."""


class NotFound(GridmapError):
    """The thing asked for does not exist (or is outside the caller's jurisdiction)."""


class Conflict(GridmapError):
    """The request conflicts with the stored state (a newer version, a duplicate code)."""


class DuplicateCode(Conflict):
    """A code that must be unique is already taken."""


class RetryLater(Conflict):
    """A clash with another writer at the same moment (a deadlock, a lock held too long, a
    serialization failure): nothing was written, and the same request may be sent again.
    """

    def __init__(self, message: str, *, details: Any = None, retry_after: int = 1) -> None:
        super().__init__(message, details=details, retry_after=retry_after)


class TooLarge(GridmapError):
    """A request above a stated limit."""


class AuthenticationRequired(GridmapError):
    """No key, or a key that is not valid."""


class PermissionDenied(GridmapError):
    """A valid key whose role or jurisdiction does not allow the request."""


class ServiceUnavailable(GridmapError):
    """A part the request needs is not ready (no road network loaded, index not loaded, the
    database out of reach).
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row of an input file."""

    reason: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    code: str | None = None
    where: str | None = None
    row_word: str = "row"
    """How a person finds the row: "feature" (n-th feature), "line" (CSV line), "row"."""

    def as_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict, without empty keys."""
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "row_word"}

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"{self.row_word} {self.row}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.field:
            parts.append(f"field {self.field!r}")
        head = ", ".join(parts)
        tail = f" at {self.where}" if self.where else ""
        return f"{head}: {self.reason}{tail}" if head else f"{self.reason}{tail}"


LISTED_PROBLEMS = 100
"""A validation error lists at most this many problems; it counts all of them by field."""
_LONGEST_TEXT = 300


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _LONGEST_TEXT:
        return value[:_LONGEST_TEXT] + f"… ({len(value):,} characters)"
    return value


@dataclass
class ValidationFailed(InvalidInput):
    """Input with one or more problems; nothing was written.

    ``details`` lists the first ``LISTED_PROBLEMS`` problems (texts clipped), and the message
    says how many there are in all and how many per field, so a garbage file of a million bad
    rows gets a short answer that still says what is wrong with it.
    """

    problems: list[Problem] = field(default_factory=list)
    summary: str = "the input has problems; nothing was written"

    def __post_init__(self) -> None:
        total = len(self.problems)
        shown = "; ".join(_clip(str(p)) for p in self.problems[:5])
        more = f" (and {total - 5:,} more)" if total > 5 else ""
        message = f"{self.summary}: {shown}{more}" if shown else self.summary
        if total > LISTED_PROBLEMS:
            counts = self.counts()
            by_field = ", ".join(f"{name} {n:,}" for name, n in counts.items())
            message += (
                f". {total:,} problems in all (by field: {by_field}); "
                f"details lists the first {LISTED_PROBLEMS}"
            )
        GridmapError.__init__(
            self,
            message,
            details=[
                {k: _clip(v) for k, v in p.as_dict().items()}
                for p in self.problems[:LISTED_PROBLEMS]
            ],
        )

    def counts(self) -> dict[str, int]:
        """How many problems concern each field ("row" for those of a whole row), most first."""
        counts: dict[str, int] = {}
        for p in self.problems:
            name = p.field or "row"
            counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    def __str__(self) -> str:
        return self.message
