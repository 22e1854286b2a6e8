"""Validating parsed files into records, and located, actionable problems for the rest.

Data is validated by pydantic-core against the schemas compiled from the pydantic
models (checker.schema.records, by tools/codegen.py), which needs no pydantic import: about
100 ms of a one-file run. A file that fails is not validated again: the compiled schema's
errors are worded here, in chipcheck's words, and the keys a hint offers are read off it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic_core import SchemaValidator, ValidationError

from checker.core.problems import Problem
from checker.core.suggestions import close_to
from checker.schema import records
from checker.source.documents import Document

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


# The compiled records are dataclasses to pydantic-core, the models are models: the
# same mistake has these names there.
_ALIASES = {
    "unexpected_keyword_argument": "extra_forbidden",
    "dataclass_type": "model_type",
    "dataclass_exact_type": "model_type",
}

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
    if kind in ("too_short", "too_long"):
        ctx = error["ctx"]
        nouns = ("entry", "entries") if ctx.get("field_type") == "Dictionary" else ("item", "items")
        held = ctx["actual_length"]
        if kind == "too_long":
            return f"{where} has {_count(held, nouns)}: it may have at most {ctx['max_length']:,}"
        has = f"has {_count(held, nouns)}" if held else "is empty"
        return f"{where} {has}: it needs at least {_count(ctx['min_length'], nouns)}"
    if kind == "string_too_short":
        return f"{where} is empty: write it, or leave the key out where it is optional"
    if kind == "string_too_long":
        limit = error["ctx"]["max_length"]
        return f"{where} is {len(error['input']):,} characters long: it may have at most {limit:,}"
    if kind == "finite_number":
        return f"{where} is {error['input']!r}: write a finite number"
    return f"{where} is {_describe(error['input'])}, which is not accepted here ({kind})"


def _count(n: int, nouns: tuple[str, str]) -> str:
    return f"{n:,} {nouns[n != 1]}"


def _allowed_keys(kind: str, loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the record at `loc` in a `kind` file, for 'did you mean' hints,
    read off the compiled schema (no pydantic import)."""
    found: list[str] = []
    refs: dict[str, Any] = {}
    schemas = [records.SCHEMAS[kind]]
    for part in (*loc, None):
        step: list[Any] = []
        for schema in schemas:
            for record in _records(schema, refs):
                if part is None:
                    found.extend(f["name"] for f in record["schema"]["fields"])
                else:
                    step.extend(
                        f["schema"] for f in record["schema"]["fields"] if f["name"] == part
                    )
            step.extend(_items(schema, refs))
        schemas = step
    return sorted(set(found))


def _unwrapped(schema: Any, refs: dict[str, Any]) -> list[Any]:
    """The schemas `schema` stands for, through validators, defaults, nullables, unions
    and definitions (collected into `refs`)."""
    kind = schema["type"]
    if kind == "definitions":
        refs.update({d["ref"]: d for d in schema["definitions"]})
        return _unwrapped(schema["schema"], refs)
    if kind == "definition-ref":
        return _unwrapped(refs[schema["schema_ref"]], refs)
    if kind in ("function-before", "function-after", "default", "nullable"):
        return _unwrapped(schema["schema"], refs)
    if kind == "union":
        return [s for choice in schema["choices"] for s in _unwrapped(choice, refs)]
    if "ref" in schema:
        refs[schema["ref"]] = schema
    return [schema]


def _records(schema: Any, refs: dict[str, Any]) -> list[Any]:
    return [s for s in _unwrapped(schema, refs) if s["type"] == "dataclass"]


def _items(schema: Any, refs: dict[str, Any]) -> list[Any]:
    """What a list holds or a mapping maps to, whatever the index or key."""
    found = []
    for s in _unwrapped(schema, refs):
        if s["type"] == "list":
            found.append(s["items_schema"])
        elif s["type"] == "dict":
            found.append(s["values_schema"])
    return found


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
    """The document's data as a record, or every problem with it, located in the file
    and worded here; `declared` gives the keys a pack declares at a location, for the
    hints. One pass: pydantic-core's errors on the compiled schema are the problems."""
    try:
        return record(kind, doc.data)
    except ValidationError as exc:
        more: Callable[[Loc], list[str]] = declared or (lambda _: [])
        return located_problems(
            exc, doc, allowed=lambda loc: sorted({*_allowed_keys(kind.__name__, loc), *more(loc)})
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
        error["type"] = _ALIASES.get(error["type"], error["type"])
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
