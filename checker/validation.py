"""Turning pydantic validation errors into located, actionable problems."""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from checker.loading import Document
from checker.problems import Problem

M = TypeVar("M", bound=BaseModel)

_TYPE_HINTS = {
    "int_type": "a whole number without quotes, such as 8000",
    "int_from_float": "a whole number without quotes, such as 8000",
    "float_type": "a number without quotes, such as 0.93",
    "string_type": "text",
    "bool_type": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "list_type": "a list (lines starting with '- ')",
    "model_type": "a mapping (key: value lines)",
    "date_type": "a date YYYY-MM-DD",
}


def _where(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"{value!r} (text)"
    if isinstance(value, int | float):
        return f"{value!r} (a {type(value).__name__})"
    return f"a {type(value).__name__}"


def _message(error: Any, model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    where = _where(loc)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key {loc[-1]!r} at {_where(loc[:-1])}: {hint}"
    if kind == "missing":
        return f"{where} is required: add it"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{where} is {error['input']!r}: {error['msg'].lower()}"
    if kind == "value_error":
        return f"{where}: {error['ctx']['error']!s}"
    return f"{where}: {error['msg']}"


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the (sub)model at `loc`, for 'did you mean' hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        annotation = field.annotation if field else None
        current = _model_in(annotation)
    return sorted(current.model_fields) if current else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if found := _model_in(arg):
            return found
    return None


def _data_loc(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The part of pydantic's `loc` that addresses the data.

    pydantic inserts union members and validator names ("int", "function-after[...]")
    into locations; those are dropped, while real keys (whatever their spelling) and a
    final missing key are kept.
    """
    kept: list[str | int] = []
    for index, part in enumerate(loc):
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_dict or in_list:
            data = data[part]
        elif not (isinstance(data, dict) and index == len(loc) - 1):
            continue
        kept.append(part)
    return tuple(kept)


def validate(
    model: type[M], doc: Document, data: Any = None, base: tuple[str | int, ...] = ()
) -> M | list[Problem]:
    """Validate `data` (default: the whole document) located at `base` in `doc`."""
    try:
        return model.model_validate(doc.data if data is None else data)
    except ValidationError as exc:
        problems = []
        # A value matching no member of a union (int | float | bool | str) gets one type
        # error per member from pydantic; they are said together, once.
        expected: dict[tuple[str | int, ...], list[Any]] = {}
        for error in exc.errors(include_url=False):
            loc = _data_loc(doc.data if data is None else data, error["loc"])
            if error["type"] in _TYPE_HINTS:
                expected.setdefault(loc, []).append(error)
                continue
            message = _message(error, model, loc)
            full = (*base, *loc)
            problems.append(doc.problem(full, message, key=error["type"] == "extra_forbidden"))
        for loc, errors in expected.items():
            hints = list(dict.fromkeys(_TYPE_HINTS[e["type"]] for e in errors))
            found = _describe(errors[0]["input"])
            if len(hints) == 1:
                message = f"{_where(loc)} must be {hints[0]}, not {found}"
            else:
                message = f"{_where(loc)} must be one of these, not {found}: {'; '.join(hints)}"
            problems.append(doc.problem((*base, *loc), message))
        return sorted(set(problems), key=lambda p: (p.line or 0, p.column or 0, p.message))
