"""JSON files of an archive, validated by pydantic, with errors that name the place."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sayso.ingest.errors import BadArchive
from sayso.ingest.textfile import decode

Model = TypeVar("Model", bound=BaseModel)


def _json_path(loc: tuple[int | str, ...]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def load_model(data: bytes, source: str, model: type[Model], fix: str) -> Model:
    """``data`` parsed as JSON and validated as ``model``; the first problem is reported.

    Pydantic's own message is used, never the offending value (it may be a name).
    """
    text = decode(data, source)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise BadArchive(source, where, f"not valid JSON ({error.msg})", fix) from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        where = _json_path(tuple(first["loc"]))
        raise BadArchive(source, where, first["msg"], fix) from None
