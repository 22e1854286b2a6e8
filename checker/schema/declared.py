"""Fields and attributes a pack declares: taken out of a file's data and validated.

An order's static shape (checker.schema.models) is the same for every pack; a pack adds
fields to the order, its buyer, its lines and its justification, and attributes to
its catalog models, batches and entities (`fields:` and `attributes:` in pack.yaml).
Before a file is validated, the declared keys are taken out of its data (`split`), so
the static schema still refuses every other unknown key; they are then validated
against pydantic-core schemas built from the declarations, with the same strictness
and the same wording as every other field (`validate_extras`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import SchemaValidator, ValidationError

from checker.core.problems import Problem
from checker.schema import forms
from checker.schema.forms import ENGINE_EXACT, ITEMS_MAX, TEXT_MAX
from checker.schema.records import Declared, Order
from checker.schema.validation import R, located_problems, validate
from checker.source.documents import Document, Loc

ANY = "*"  # in a pattern: any key of a mapping, any index of a list
Pattern = tuple[str, ...]
Extras = dict[Loc, dict[str, Any]]  # declared values, by the location of their record

ORDER_PLACES: dict[str, Pattern] = {
    "order": (),
    "buyer": ("buyer",),
    "lines": ("lines", ANY),
    "justification": ("justification",),
}
REFERENCE_PLACES: dict[str, Pattern] = {
    "catalog": ("catalog", ANY),
    "batches": ("batches", ANY),
    "entities": ("entities", ANY),
}
# Where example orders are in a rule file.
EXAMPLE_ORDERS: tuple[Pattern, ...] = (
    ("examples", ANY, "order"),
    ("examples", ANY, "prior_orders", ANY),
)


def _text(pattern: str | None = None) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "str", "min_length": 1, "max_length": TEXT_MAX, "strict": True}
    if pattern is not None:  # matched in linear time (checker.schema.forms.linear_pattern)
        text.update(pattern=forms.anchored(pattern), regex_engine="rust-regex")
    return {
        "type": "function-after",
        "function": {"type": "no-info", "function": forms.plain_text},
        "schema": text,
    }


def _item_schema(kind: str, declared: Declared) -> dict[str, Any]:
    if kind == "text":
        if declared.values is not None:
            return {"type": "literal", "expected": list(declared.values)}
        return _text(declared.pattern)
    if kind == "boolean":
        return {"type": "bool", "strict": True}
    if kind == "date":
        return {
            "type": "function-before",
            "function": {"type": "no-info", "function": forms.iso_date},
            "schema": {"type": "date", "strict": True},
        }
    low = -ENGINE_EXACT if declared.min is None else declared.min
    high = ENGINE_EXACT if declared.max is None else declared.max
    if kind == "integer":
        return {"type": "int", "ge": low, "le": high, "strict": True}
    return {"type": "float", "ge": low, "le": high, "allow_inf_nan": False, "strict": True}


def value_schema(declared: Declared) -> dict[str, Any]:
    """The pydantic-core schema of one declared value."""
    if declared.type == "list":
        assert declared.of is not None  # checker.schema.forms.declared_shape
        items = _item_schema(declared.of, declared)
        return {"type": "list", "items_schema": items, "max_length": ITEMS_MAX, "strict": True}
    return _item_schema(declared.type, declared)


def validator(declarations: Mapping[str, Declared]) -> SchemaValidator:
    """Validates the mapping of one record's declared keys."""
    fields = {
        name: {
            "type": "typed-dict-field",
            "schema": value_schema(d),
            "required": d.required,
        }
        for name, d in declarations.items()
    }
    # strict on every schema: a validator-wide config does not reach typed-dict fields
    schema = {"type": "typed-dict", "fields": fields, "extra_behavior": "forbid", "strict": True}
    return SchemaValidator(schema)


def split(data: Any, places: Mapping[Pattern, frozenset[str]]) -> tuple[Any, Extras]:
    """`data` without the declared keys (copied where anything is taken out), and the
    keys taken out, by the location of the mapping they were in.

    Every mapping a pattern reaches is listed, even with nothing declared in it, so a
    required declared key is found missing there."""
    extras: Extras = {}
    for pattern, names in places.items():
        data = _take(data, (), pattern, names, extras)
    return data, extras


def _take(data: Any, at: Loc, rest: Pattern, names: frozenset[str], extras: Extras) -> Any:
    if not rest:
        if not isinstance(data, dict):
            return data
        extras[at] = {k: v for k, v in data.items() if k in names}
        if not extras[at]:
            return data
        return {k: v for k, v in data.items() if k not in names}
    step, after = rest[0], rest[1:]
    if isinstance(data, dict):
        keys = list(data) if step == ANY else [step] if step in data else []
        copy = dict(data)
        for key in keys:
            copy[key] = _take(data[key], (*at, key), after, names, extras)
        return copy
    if isinstance(data, list) and step == ANY:
        return [_take(item, (*at, i), after, names, extras) for i, item in enumerate(data)]
    return data


def within(extras: Extras, prefix: Loc) -> Extras:
    """The declared values of the record at `prefix` (an example's order), by location
    inside it."""
    size = len(prefix)
    return {loc[size:]: v for loc, v in extras.items() if loc[:size] == prefix}


def matches(loc: Loc, pattern: Pattern) -> bool:
    return len(loc) == len(pattern) and all(
        p in (ANY, part) for p, part in zip(pattern, loc, strict=True)
    )


def validate_extras(doc: Document, extras: Extras, places: Places) -> tuple[Extras, list[Problem]]:
    """Each record's declared values validated, and every problem located in `doc`."""
    valid: Extras = {}
    problems: list[Problem] = []
    for loc, values in extras.items():
        try:
            valid[loc] = places.validator_for(loc).validate_python(values)
        except ValidationError as exc:
            problems += located_problems(exc, doc, loc)
    return valid, problems


class Places:
    """Where a kind of file may hold declared keys, and their validators."""

    def __init__(self, declared: Mapping[Pattern, Mapping[str, Declared]]) -> None:
        self.names = {p: frozenset(d) for p, d in declared.items() if d}
        self.validators = {p: validator(declared[p]) for p in self.names}
        # a required key must be looked for even where nothing is declared to be given
        self.declared = {p: dict(d) for p, d in declared.items() if d}

    def at(self, loc: Loc) -> list[str]:
        """The keys declared for the record at `loc`."""
        return sorted(n for p, names in self.names.items() if matches(loc, p) for n in names)

    def validator_for(self, loc: Loc) -> SchemaValidator:
        """The validator of the record at `loc` (a location `split` took keys from)."""
        return next(v for p, v in self.validators.items() if matches(loc, p))

    def __bool__(self) -> bool:
        return bool(self.names)

    def under(self, prefixes: tuple[Pattern, ...]) -> Places:
        """The same places inside each of `prefixes` (an order inside a rule's example)."""
        return Places({(*pre, *p): d for pre in prefixes for p, d in self.declared.items()})


NO_PLACES = Places({})


def validate_declared(
    kind: type[R], doc: Document, places: Places
) -> tuple[R, Extras] | list[Problem]:
    """The document as a record plus its declared values, or every problem with both."""
    if not places:
        found = validate(kind, doc)
        return found if isinstance(found, list) else (found, {})
    data, extras = split(doc.data, places.names)
    found = validate(kind, doc._replace(data=data), places.at)
    valid, problems = validate_extras(doc, extras, places)
    if isinstance(found, list) or problems:
        every = (found if isinstance(found, list) else []) + problems
        return sorted(set(every), key=lambda p: (p.line or 0, p.column or 0, p.message))
    return found, valid


def order_records(
    places: Places, documents: Sequence[Mapping[str, Any]]
) -> tuple[list[Order], list[Extras]]:
    """Plain order documents (generated ones) as records and their declared values.
    Raises pydantic_core.ValidationError for an invalid one: they are not files, so
    there is no line to point at."""
    from checker.schema.validation import record

    orders, extras = [], []
    for document in documents:
        data, found = split(document, places.names) if places else (document, {})
        orders.append(record(Order, data))
        extras.append(
            {loc: places.validator_for(loc).validate_python(v) for loc, v in found.items()}
        )
    return orders, extras
