"""What the response models of the JSON routes share.

A response model documents an answer in ``/openapi.json`` and, for a handler that returns a
dict, FastAPI checks the dict against it. It never changes the answer: ``Answer`` keeps keys
it does not name, and ``AnswerRoute`` sends only the keys the handler set (an optional field
the handler left out is not added as ``null``).
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """Base of the response models."""

    model_config = ConfigDict(extra="allow")


class AnswerRoute(APIRoute):
    """A route whose response model checks the answer without changing it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().__init__(*args, **kwargs)


def content_of(model: type[BaseModel], media_type: str = "application/json") -> dict[str, Any]:
    """The ``content`` of a hand-written OpenAPI response answering ``model`` (the model must be
    in the module's ``DOC_MODELS`` so that the app adds it to the schema's components).
    """
    return {media_type: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def documented(model: type[BaseModel], status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` documenting ``model`` for a large answer that is not checked against it
    (with ``response_model=Any``): checking 10,000 features costs ~15× the encoding.
    """
    return {status: {"model": model, "description": "Successful Response"}}
