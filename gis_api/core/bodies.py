"""The base of every JSON request model: no text value may hold a control character.

The rule is the importers' (``importers.values.control_character``): a NUL or another control
character in a name, a description or a code is refused with the field named (422), never
cut by the driver on the way to the database.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ValidationInfo, field_validator

from boundaries.errors import InvalidInput
from importers.values import control_character


def control_problem(value: Any) -> str | None:
    """Why ``value`` (text, or lists and objects holding text) is refused, or ``None``."""
    if isinstance(value, str):
        return control_character(value)
    if isinstance(value, dict):
        for key, item in value.items():
            why = control_problem(key)
            if why is not None:
                return f"a name {why}"
            why = control_problem(item)
            if why is not None:
                return f"{key}: {why}"
        return None
    if isinstance(value, list | tuple):
        for n, item in enumerate(value):
            why = control_problem(item)
            if why is not None:
                return f"item {n + 1} {why}"
    return None


class RequestBody(BaseModel):
    """A JSON body whose every text value is free of control characters."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        why = control_problem(value)
        if why is not None:
            raise ValueError(why)
        return value


def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: the same rule for the query string and the path's parameters,
    so a NUL in ``?category=`` or ``/v1/incidents/{id}`` is a 422 naming the parameter, not a
    driver error (500) on the way to the database.
    """
    problems = [
        {"where": f"{where} {name}", "reason": why}
        for where, items in (
            ("query", request.query_params.multi_items()),
            ("path", request.path_params.items()),
        )
        for name, value in items
        if (why := control_problem(name) or control_problem(value)) is not None
    ]
    if problems:
        message = "; ".join(f"{p['where']}: {p['reason']}" for p in problems[:5])
        raise InvalidInput(message, details=problems)
