"""A condition evaluated in Python, exactly: the derived values the engine is given,
waiver `when:` and the explanations. Decimals are compared as the decimals written."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

from checker.lang.tree import (
    FOLDED,
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


Pair = tuple[int, int]  # a rational number as (numerator, positive denominator)
PairOf = Callable[[Mapping[str, Value]], Pair]


def compiled_comparison(
    comparison: Comparison,
) -> Callable[[Mapping[str, Value]], bool] | None:
    """`holds(comparison, facts)` as a function, for a comparison of numbers under
    + - and * (the engine is given its outcome for every order): each side is a pair of
    whole numbers, numerator and positive denominator, compared across (a/b < c/d is
    a*d < c*b), so no Fraction is made per order. Exact as `holds` is: a decimal is the
    decimal written. None for any other comparison."""
    left, right = _pair(comparison.left), _pair(comparison.right)
    if left is None or right is None or comparison.op in FOLDED:
        return None
    compare = _COMPARE[comparison.op]

    def test(facts: Mapping[str, Value]) -> bool:
        (a, b), (c, d) = left(facts), right(facts)
        return compare(a * d, c * b)

    return test


def _pair(operand: Operand) -> PairOf | None:
    if isinstance(operand, Const):
        value = operand.value
        if type(value) not in (int, float):
            return None
        exact = Fraction(value) if type(value) is int else decimal_fraction(float(value))
        pair = (exact.numerator, exact.denominator)
        return lambda _facts: pair
    if isinstance(operand, Fact):
        if operand.type not in (int, float):
            return None
        name = operand.name

        def fact(facts: Mapping[str, Value]) -> Pair:
            value = facts[name]
            if type(value) is int:
                return value, 1
            assert type(value) is float, (name, value)
            exact = decimal_fraction(value)
            return exact.numerator, exact.denominator

        return fact
    left, right = _pair(operand.left), _pair(operand.right)
    if left is None or right is None or operand.op not in ("+", "-", "*"):
        return None
    return _ARITH_PAIR[operand.op](left, right)


def _times(left: PairOf, right: PairOf) -> PairOf:
    def times(facts: Mapping[str, Value]) -> Pair:
        (a, b), (c, d) = left(facts), right(facts)
        return a * c, b * d

    return times


def _sum(combine: Callable[[int, int], int]) -> Callable[[PairOf, PairOf], PairOf]:
    """a/b + c/d is (a*d + c*b)/(b*d), and so for minus."""

    def made(left: PairOf, right: PairOf) -> PairOf:
        def total(facts: Mapping[str, Value]) -> Pair:
            (a, b), (c, d) = left(facts), right(facts)
            return combine(a * d, c * b), b * d

        return total

    return made


_ARITH_PAIR = {"*": _times, "+": _sum(operator.add), "-": _sum(operator.sub)}


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
