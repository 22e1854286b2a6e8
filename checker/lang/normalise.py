"""Rewrites of a condition tree that keep its meaning: the engine's normal form (no
`not`, lists within the engine's limits), renaming and substituting facts."""

from __future__ import annotations

from collections.abc import Mapping

from checker.core.dates import Date
from checker.core.frozen import replace
from checker.lang.tree import (
    INVERSE,
    AllOf,
    AnyOf,
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
)


def rename(condition: Condition, names: Mapping[str, str]) -> Condition:
    """The condition with facts renamed (a rule's keyed parameter to its own fact)."""
    if not names:
        return condition

    def operand(o: Operand) -> Operand:
        if isinstance(o, Fact):
            return replace(o, name=names.get(o.name, o.name))
        if isinstance(o, Arith):
            return replace(o, left=operand(o.left), right=operand(o.right))
        return o

    if isinstance(condition, Comparison):
        return replace(condition, left=operand(condition.left), right=operand(condition.right))
    if isinstance(condition, Member | Matches):
        return replace(condition, item=operand(condition.item))
    if isinstance(condition, Not):
        return replace(condition, operand=rename(condition.operand, names))
    return replace(condition, parts=tuple(rename(p, names) for p in condition.parts))


def substitute(operand: Operand, values: Mapping[str, Value]) -> Operand:
    """The operand with the named facts replaced by values."""
    if isinstance(operand, Fact) and operand.name in values:
        return Const(values[operand.name], operand.span, operand.type)
    if isinstance(operand, Arith):
        return replace(
            operand, left=substitute(operand.left, values), right=substitute(operand.right, values)
        )
    return operand


def normal_form(condition: Condition, list_tests: int, negate: bool = False) -> Condition:
    """The condition with `not` pushed down to its tests (De Morgan; `<` becomes `>=`),
    nested `and`s and `or`s of one kind merged, and lists of at most `list_tests`
    values expanded (`x in [a, b]` is `x == a or x == b`); a longer one stays a Member,
    looked up before the assert."""
    if isinstance(condition, Not):
        return normal_form(condition.operand, list_tests, not negate)
    if isinstance(condition, AllOf | AnyOf):
        conjunction = isinstance(condition, AllOf) != negate
        kind_ = AllOf if conjunction else AnyOf
        parts: list[Condition] = []
        for part in condition.parts:  # (a and b) and c is a and b and c: fewer groups
            normal = normal_form(part, list_tests, negate)
            parts += normal.parts if isinstance(normal, kind_) else (normal,)
        return kind_(tuple(parts))
    if isinstance(condition, Matches):
        return replace(condition, negated=condition.negated != negate)
    if isinstance(condition, Member):
        negated = condition.negated != negate
        if len(condition.values) > list_tests:
            return replace(condition, negated=negated)
        tests: tuple[Condition, ...] = tuple(
            Comparison(condition.item, "!=" if negated else "==", _like(v, condition.item))
            for v in condition.values
        )
        if not tests:  # `x in []` never holds, `x not in []` always does
            return Comparison(condition.item, "==" if negated else "!=", condition.item)
        if len(tests) == 1:
            return tests[0]
        return AllOf(tests) if negated else AnyOf(tests)
    assert isinstance(condition, Comparison)
    op = INVERSE[condition.op] if negate else condition.op
    return Comparison(condition.left, op, condition.right)


def groups(condition: Condition) -> int:
    """`and` and `or` groups below the top of a normal-form condition."""
    if not isinstance(condition, AllOf | AnyOf):
        return 0
    return sum(
        1 + groups(part) if isinstance(part, AllOf | AnyOf) else 0 for part in condition.parts
    )


def width(condition: Condition, list_tests: int) -> int:
    """Tests the engine holds for the condition: each comparison, each value of a list
    of at most `list_tests` values, one for a longer list (looked up before)."""
    if isinstance(condition, Comparison | Matches):
        return 1
    if isinstance(condition, Member):
        return len(condition.values) if 0 < len(condition.values) <= list_tests else 1
    if isinstance(condition, Not):
        return width(condition.operand, list_tests)
    return sum(width(part, list_tests) for part in condition.parts)


def conjuncts(condition: Condition) -> tuple[Condition, ...]:
    """The parts of a top-level `and` (the condition itself if it is none)."""
    return condition.parts if isinstance(condition, AllOf) else (condition,)


def _like(value: Value, operand: Operand) -> Const:
    """`value` as a literal compared with `operand`, typed as check types one: a text
    compared with a date is a date."""
    return Const(value, None, Date if operand.type is Date else type(value))
