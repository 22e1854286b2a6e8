"""Validating parsed files into records, and located, actionable problems for the rest.

Data is validated by pydantic-core against the schemas compiled from the pydantic
models (checker.schema.records, by tools/codegen.py), which needs no pydantic import: about
100 ms of a one-file run. Only a file that fails is validated again by the models
themselves, whose errors are worded here.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic_core import SchemaValidator, ValidationError

from checker.core.problems import Problem
from checker.core.suggestions import close_to
from checker.schema import records
from checker.source.documents import Document

if TYPE_CHECKING:
    from pydantic import BaseModel

Loc = tuple[str | int, ...]
R = TypeVar("R", records.Order, records.PackMeta, records.Rule, records.Attributes, records.Waivers)

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


# Worded here, not by pydantic, so a pydantic release cannot change what users read.
_BOUNDS = {
    "greater_than": ("greater than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}


def _message(
    error: Any,
    allowed_keys: Callable[[tuple[str | int, ...]], list[str]],
    loc: tuple[str | int, ...],
) -> str:
    kind = error["type"]
    where = _where(loc)
    if kind == "extra_forbidden":
        allowed = allowed_keys(loc[:-1])
        close = close_to(str(loc[-1]), allowed)
        hint = f"did you mean {close!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key {loc[-1]!r} at {_where(loc[:-1])}: {hint}"
    if kind == "missing":
        return f"{where} is required: add it"
    if kind in _BOUNDS:
        words, key = _BOUNDS[kind]
        return f"{where} is {error['input']!r}: it must be {words} {error['ctx'][key]!r}"
    if kind == "string_pattern_mismatch":
        form = str(error["ctx"]["pattern"]).removeprefix("^(?:").removesuffix(")$")
        return f"{where} is {error['input']!r}: it must have the form the pack declares, {form}"
    if kind == "literal_error":
        return f"{where} is {error['input']!r}: write one of {error['ctx']['expected']}"
    if kind == "value_error":
        return f"{where}: {error['ctx']['error']!s}"
    return f"{where}: {error['msg']}"


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the (sub)model at `loc`, for 'did you mean' hints."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
    found = _model_in(annotation)
    return sorted(found.model_fields) if found else []


def _step(annotation: Any, part: str | int) -> Any:
    """The type of `part` inside a value of type `annotation`: a model's field, a list's
    item or a mapping's value (whatever the key), through Annotated and Optional."""
    from pydantic import BaseModel

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _step(args[0], part)
    if origin in (typing.Union, types.UnionType):
        return next((s for a in args if (s := _step(a, part)) is not None), None)
    if origin is list:
        return args[0]
    if origin is dict:
        return args[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds directly (`X`, `X | None`, `Annotated[X, ...]`)."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Annotated, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if found := _model_in(arg):
                return found
    return None


def _data_loc(
    data: Any, loc: tuple[str | int, ...], *, missing: bool = False
) -> tuple[str | int, ...]:
    """The part of pydantic's `loc` that addresses the data.

    pydantic inserts union members and validator names ("int", "function-after[...]")
    into locations; those are dropped, while real keys (whatever their spelling) and,
    for a `missing` error, the final missing key are kept.
    """
    kept: list[str | int] = []
    for index, part in enumerate(loc):
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_dict or in_list:
            data = data[part]
        elif not (missing and isinstance(data, dict) and index == len(loc) - 1):
            continue
        kept.append(part)
    return tuple(kept)


@functools.cache
def _validator(name: str) -> SchemaValidator:
    return SchemaValidator(records.SCHEMAS[name])


def record(kind: type[R], data: Any) -> R:
    """`data` validated into a record (records.Order, PackMeta or Rule).

    Raises pydantic_core.ValidationError; for files, `validate` words the errors.
    """
    result: R = _validator(kind.__name__).validate_python(data)
    return result


def validate(
    kind: type[R], doc: Document, declared: Callable[[Loc], list[str]] | None = None
) -> R | list[Problem]:
    """The document's data as a record, or every problem with it, located in the file;
    `declared` gives the keys a pack declares at a location, for the hints."""
    try:
        return record(kind, doc.data)
    except ValidationError:
        pass
    from checker.schema import models  # pydantic: only for a file that fails

    model: type[BaseModel] = getattr(models, kind.__name__)
    try:
        model.model_validate(doc.data)
    except ValidationError as exc:
        return _problems(exc, model, doc, declared or (lambda _: []))
    return [
        doc.problem(
            (),
            f"internal error, please report it: the compiled {kind.__name__} schema rejects "
            "what checker.schema.models accepts (regenerate with python tools/codegen.py)",
        )
    ]


def _problems(
    exc: ValidationError,
    model: type[BaseModel],
    doc: Document,
    declared: Callable[[Loc], list[str]],
) -> list[Problem]:
    return located_problems(
        exc, doc, allowed=lambda loc: sorted({*_allowed_keys(model, loc), *declared(loc)})
    )


def located_problems(
    exc: ValidationError,
    doc: Document,
    prefix: tuple[str | int, ...] = (),
    allowed: Callable[[tuple[str | int, ...]], list[str]] | None = None,
) -> list[Problem]:
    """Each error of validating the data at `prefix` in `doc`, worded and located."""
    data = doc.data
    for part in prefix:
        data = data[part]
    problems = []
    # A value matching no member of a union (int | float | bool | str) gets one type
    # error per member from pydantic; they are said together, once.
    expected: dict[tuple[str | int, ...], list[Any]] = {}
    for error in exc.errors(include_url=False):
        loc = (*prefix, *_data_loc(data, error["loc"], missing=error["type"] == "missing"))
        if error["type"] in _TYPE_HINTS:
            expected.setdefault(loc, []).append(error)
            continue
        message = _message(error, allowed or (lambda _: []), loc)
        problems.append(doc.problem(loc, message, key=error["type"] == "extra_forbidden"))
    for loc, errors in expected.items():
        hints = list(dict.fromkeys(_TYPE_HINTS[e["type"]] for e in errors))
        found = _describe(errors[0]["input"])
        if len(hints) == 1:
            message = f"{_where(loc)} must be {hints[0]}, not {found}"
        else:
            message = f"{_where(loc)} must be one of these, not {found}: {'; '.join(hints)}"
        problems.append(doc.problem(loc, message))
    return sorted(set(problems), key=lambda p: (p.line or 0, p.column or 0, p.message))
