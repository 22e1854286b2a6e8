"""What a pack must not do, checked when it loads: misjudge an order or fail on one.

A pack could load and still decide wrongly or crash mid-run: a number the engine cannot
compute exactly (durable_rules overflows past 2**63 and is exact only to 2**53 once it
mixes integers with doubles), a format spec that does not fit its value (`{limit:d}` on
a float fails only when that check fires), a text literal no fact value can equal (a
misspelt `"aproved"` makes a check that never fails). Each of these is a load error.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping

from checker.expressions import ORDERING, Arith, Comparison, Condition, Const, Fact, Operand
from checker.facts import FACTS
from checker.formats import ENGINE_EXACT, ENGINE_SMALLEST_FLOAT

# A check message's fix values (checker.explaining), which no parameter may shadow.
EXPLAIN_NAMES = ("value", "limit")
GAP_NAMES = ("gap", "target")
RESERVED = EXPLAIN_NAMES + GAP_NAMES
MAX_WIDTH = 100  # widths and precisions in a format spec: a message, not a page
_SAMPLES: dict[type, object] = {int: 1234, float: 0.5, bool: True, str: "text"}
_KIND = {int: "whole number", float: "number", bool: "boolean", str: "text"}
_RANGE = f"-{ENGINE_EXACT:,} to {ENGINE_EXACT:,} (2^53), the range the engine computes exactly"


def number_problem(value: object) -> str | None:
    """Why `value` cannot be given to the engine as a number, or None if it can."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number: use a number from {_RANGE}"
    if abs(value) > ENGINE_EXACT:
        return f"{value:,} is outside {_RANGE}"
    if isinstance(value, float) and value != 0 and abs(value) < ENGINE_SMALLEST_FLOAT:
        return (
            f"{value!r} is nearer 0 than {ENGINE_SMALLEST_FLOAT}, the smallest number the "
            "engine reads: use 0 or a larger number"
        )
    return None


def _bound(operand: Operand) -> float:
    """The largest magnitude `operand` can take over every valid order."""
    if isinstance(operand, Const):
        value = operand.value
        return 0 if isinstance(value, bool | str) else abs(value)
    if isinstance(operand, Fact):
        return FACTS[operand.name].bound
    left, right = _bound(operand.left), _bound(operand.right)
    return left * right if operand.op == "*" else left + right


def _text(operand: Operand) -> str:
    if isinstance(operand, Const):
        return repr(operand.value)
    if isinstance(operand, Fact):
        return operand.name
    return f"{_text(operand.left)} {operand.op} {_text(operand.right)}"


def _constants(operand: Operand) -> list[Const]:
    if isinstance(operand, Const):
        return [operand]
    if isinstance(operand, Arith):
        return _constants(operand.left) + _constants(operand.right)
    return []


def condition_problems(condition: Condition) -> list[str]:
    """Why a parsed condition could misjudge, one message per reason."""
    problems: list[str] = []
    for comparison in condition:
        for const in _constants(comparison.right):
            if found := number_problem(const.value):
                problems.append(f"in `{comparison.fact} {comparison.op} ...`: {found}")
        bound = _bound(comparison.right)
        if bound > ENGINE_EXACT and not any(
            number_problem(c.value) for c in _constants(comparison.right)
        ):
            problems.append(
                f"`{_text(comparison.right)}` can reach {bound:,.0f} for a valid order, "
                f"outside {_RANGE}: use smaller parameters"
            )
        problems += _choice_problems(comparison)
    return problems


def _choice_problems(comparison: Comparison) -> list[str]:
    choices = FACTS[comparison.fact].choices
    right = comparison.right
    if not choices or not isinstance(right, Const) or not isinstance(right.value, str):
        return []
    if right.value in choices:
        return []
    close = difflib.get_close_matches(right.value, choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(repr(c) for c in choices)
    return [
        f"{comparison.fact} is one of {listed}; {right.value!r} is none of them, so "
        f"`{comparison.fact} {comparison.op} {right.value!r}` never depends on the order{hint}"
    ]


def operand_type(operand: Operand) -> type:
    if isinstance(operand, Const):
        return type(operand.value)
    if isinstance(operand, Fact):
        return FACTS[operand.name].type
    both_int = operand_type(operand.left) is int and operand_type(operand.right) is int
    return int if both_int else float


def fix_types(comparison: Comparison) -> dict[str, type]:
    """The type of each fix value a check's message may name (checker.explaining)."""
    value = FACTS[comparison.fact].type
    limit = operand_type(comparison.right)
    types = {"value": value, "limit": limit}
    if comparison.op in ORDERING:
        target = int if value is int else limit
        types["target"] = target
        types["gap"] = int if target is int and value is int else float
    return types


def format_problem(field: str, spec: str, kind: type) -> str | None:
    """Why `{field:spec}` cannot format a value of type `kind`, or None if it can."""
    if not spec:
        return None
    if any(int(n) > MAX_WIDTH for n in re.findall(r"[0-9]+", spec)):
        return f"{{{field}:{spec}}}: a width or precision over {MAX_WIDTH} is not a message"
    try:
        format(_SAMPLES[kind], spec)
    except (ValueError, TypeError) as exc:
        return (
            f"{{{field}:{spec}}} cannot format {field}, which is {_KIND[kind]} "
            f"({exc}): change or drop the format spec"
        )
    return None


def template_problems(fields: Iterable[tuple[str, str]], types: Mapping[str, type]) -> list[str]:
    """Format-spec problems of a template's (name, spec) fields, given their types."""
    return [
        found
        for name, spec in fields
        if name in types and (found := format_problem(name, spec, types[name]))
    ]
