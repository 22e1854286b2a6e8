"""A condition evaluated in Python, exactly: the derived values the engine is given,
waiver `when:` and the explanations. Decimals are compared as the decimals written."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

from checker.lang.tree import (
    AllOf,
    Arith,
    Comparison,
    Condition,
    Const,
    Fact,
    Matches,
    Member,
    Not,
    Operand,
    Value,
    leaves,
)
from checker.schema import forms


def evaluate(operand: Operand, facts: Mapping[str, Value]) -> Value:
    """Value of an operand, computed exactly: numbers written with decimals are the
    decimals written (0.6 is 3/5, not the nearest double), and the result is rounded
    once. The engine is given such values (checker.engine.compiling), so `20000 * 0.6` is
    12000 in a report and in a verdict alike."""
    if isinstance(operand, Const):
        return operand.value
    if isinstance(operand, Fact):
        return facts[operand.name]
    exact = exact_value(operand, facts)
    if isinstance(exact, int):
        return exact
    return int(exact) if exact.denominator == 1 and _whole(operand, facts) else float(exact)


def _whole(operand: Operand, facts: Mapping[str, Value]) -> bool:
    """Whether every leaf is a whole number (then so is the value, unless divided)."""
    return all(
        type(leaf.value if isinstance(leaf, Const) else facts[leaf.name]) is int
        for leaf in leaves(operand)
    ) and not any(isinstance(node, Arith) and node.op == "/" for node in _nodes(operand))


def _nodes(operand: Operand) -> Iterator[Operand]:
    yield operand
    if isinstance(operand, Arith):
        yield from _nodes(operand.left)
        yield from _nodes(operand.right)


@functools.lru_cache(maxsize=4096)
def decimal_fraction(value: float) -> Fraction:
    """The decimal a float was written as (0.6 is 3/5); few differ, so each is parsed once."""
    return Fraction(repr(value))


def exact_value(operand: Operand, facts: Mapping[str, Value]) -> int | Fraction:
    if isinstance(operand, Const | Fact):
        value = operand.value if isinstance(operand, Const) else facts[operand.name]
        assert isinstance(value, int | float) and not isinstance(value, bool)
        return value if type(value) is int else decimal_fraction(value)
    left, right = exact_value(operand.left, facts), exact_value(operand.right, facts)
    if operand.op == "+":
        return left + right
    if operand.op == "-":
        return left - right
    if operand.op == "*":
        return left * right
    if operand.op == "%":
        return left % right
    return Fraction(left) / right


def _comparable(operand: Operand, facts: Mapping[str, Value]) -> Value | Fraction:
    """A side of a comparison: a number exactly (the decimal written, not the double
    nearest it), any other value as it is."""
    if isinstance(operand, Arith):
        return exact_value(operand, facts)
    value = operand.value if isinstance(operand, Const) else facts[operand.name]
    return decimal_fraction(value) if type(value) is float else value


def folded(text: str) -> str:
    """Text as `~=` compares it: letters in one case, runs of spacing as one space,
    none at the ends (so "lenovo  group" ~= "Lenovo Group")."""
    return " ".join(text.casefold().split())


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "~=": lambda a, b: folded(a) == folded(b),
    "!~=": lambda a, b: folded(a) != folded(b),
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def holds(condition: Condition, facts: Mapping[str, Value]) -> bool:
    """Whether the condition holds, in plain Python: for tests, explanations and a
    waiver's `when` (which selects orders; the engine still judges every check)."""
    if isinstance(condition, Comparison):
        left, right = _comparable(condition.left, facts), _comparable(condition.right, facts)
        return bool(_COMPARE[condition.op](left, right))
    if isinstance(condition, Member):
        found = evaluate(condition.item, facts) in condition.values
        return found != condition.negated
    if isinstance(condition, Matches):
        text = evaluate(condition.item, facts)
        return (
            isinstance(text, str) and forms.has_form(condition.pattern, text)
        ) != condition.negated
    if isinstance(condition, Not):
        return not holds(condition.operand, facts)
    if isinstance(condition, AllOf):
        return all(holds(part, facts) for part in condition.parts)
    return any(holds(part, facts) for part in condition.parts)
