"""The condition language's typed tree as solver terms, with the language's exact meaning.

Numbers are integers or exact rationals (0.6 is 3/5, as checker.lang.evaluate reads it);
dates are day numbers, with -1 for the empty date '' (which sorts before every day, as
the text it is does); text is the solver's strings, booleans its booleans. What the
solver is not given the meaning of (a pattern test on an order's text, `~=` between
two facts) is a free choice, and recorded as such: an answer that rests on one says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from checker.lang.evaluate import decimal_fraction, folded
from checker.lang.tree import (
    AllOf,
    Comparison,
    Condition,
    Const,
    Fact,
    Matches,
    Member,
    Not,
    Operand,
    Value,
    source,
)
from checker.schema import forms

NO_DATE = -1  # the empty date '': before every day


def day(text: str) -> int:
    """A YYYY-MM-DD date as a day number, '' as NO_DATE."""
    return NO_DATE if text == "" else dt.date.fromisoformat(text).toordinal()


def text_val(text: str) -> z3.SeqRef:
    """A text as a solver string, exactly: z3 reads `\\u{...}` in a string as an escape,
    so a backslash is given as its own escape."""
    return z3.StringVal(text.replace("\\", "\\u{5c}"))


_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}")


def text_of(value: z3.SeqRef) -> str:
    """A solver string value as the text it stands for (z3 writes every character
    outside printable ASCII, and a backslash, as `\\u{hex}`)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value.as_string())


def real(x: z3.ArithRef) -> z3.ArithRef:
    """A number as a rational term (z3 divides integers as integers)."""
    return z3.ToReal(x) if x.is_int() else x


def rational(value: int | float) -> z3.ArithRef:
    """A number as the language reads it: 0.6 is 3/5 (checker.lang.evaluate)."""
    if type(value) is int:
        return z3.IntVal(value)
    exact = decimal_fraction(float(value))
    return z3.RealVal(f"{exact.numerator}/{exact.denominator}")


def python_value(value: z3.ExprRef) -> Any:
    """A solver value as an order file holds it: an int, a float (the exact decimal,
    rounded once), a bool or a text."""
    if z3.is_int_value(value):
        return value.as_long()
    if z3.is_rational_value(value):
        exact = Fraction(value.numerator_as_long(), value.denominator_as_long())
        return int(exact) if exact.denominator == 1 else float(exact)
    if z3.is_true(value) or z3.is_false(value):
        return z3.is_true(value)
    return text_of(value)


FRESH = "\ufffeanother text"  # a text no pack writes (U+FFFE: never printable, never NUL)


@dataclass
class Term:
    """A fact's value as a solver term, and what it is: number, text, date, boolean.
    A text's `domain` is every value it can take (FRESH standing for any text no pack
    writes), where that is known."""

    expr: z3.ExprRef
    kind: str
    domain: tuple[str, ...] | None = None


@dataclass
class Scope:
    """The facts a condition may read, as terms, and the free choices made so far.

    `free` names each free choice by what it stands for, so two packs that write the
    same test share one choice (identical packs are then proved identical)."""

    facts: Mapping[str, Term]
    free: dict[str, z3.BoolRef] = field(default_factory=dict)

    def choice(self, what: str) -> z3.BoolRef:
        found = self.free.get(what)
        if found is None:
            found = self.free[what] = z3.Bool(f"free choice: {what}")
        return found


def operand(node: Operand, scope: Scope, want: str | None = None) -> Term:
    """`want` is the kind of the other side of a comparison: a text literal compared
    with a date is that date."""
    if isinstance(node, Fact):
        return scope.facts[node.name]
    if isinstance(node, Const):
        return constant(node.value, want)
    left, right = operand(node.left, scope), operand(node.right, scope)
    a, b = left.expr, right.expr
    assert isinstance(a, z3.ArithRef) and isinstance(b, z3.ArithRef)
    if node.op == "+":
        return Term(a + b, "number")
    if node.op == "-":
        return Term(a - b, "number")
    if node.op == "*":
        return Term(a * b, "number")
    if node.op == "/":
        return Term(real(a) / real(b), "number")
    # `%` as Python takes it, for either sign: a - b * floor(a / b)
    quotient = z3.ToInt(real(a) / real(b))
    return Term(a - b * quotient, "number")


def constant(value: Value, want: str | None = None) -> Term:
    if isinstance(value, bool):
        return Term(z3.BoolVal(value), "boolean")
    if isinstance(value, str):
        if want == "date":
            return Term(z3.IntVal(day(value)), "date")
        return Term(text_val(value), "text", (value,))
    return Term(rational(value), "number")


def _kind(node: Operand, scope: Scope) -> str | None:
    if isinstance(node, Fact):
        return scope.facts[node.name].kind
    if isinstance(node, Const):
        return None if isinstance(node.value, str) else constant(node.value).kind
    return "number"


_ORDER: dict[str, Callable[[z3.ExprRef, z3.ExprRef], z3.BoolRef]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def condition(node: Condition, scope: Scope) -> z3.BoolRef:
    """Whether the condition holds, as a solver formula."""
    if isinstance(node, Comparison):
        return _comparison(node, scope)
    if isinstance(node, Member):
        want = _kind(node.item, scope)
        item = operand(node.item, scope)
        found = z3.Or([item.expr == constant(v, want).expr for v in node.values])
        return z3.Not(found) if node.negated else found
    if isinstance(node, Matches):
        return _matches(node, scope)
    if isinstance(node, Not):
        return z3.Not(condition(node.operand, scope))
    parts = [condition(part, scope) for part in node.parts]
    return z3.And(parts) if isinstance(node, AllOf) else z3.Or(parts)


def _comparison(node: Comparison, scope: Scope) -> z3.BoolRef:
    left_kind, right_kind = _kind(node.left, scope), _kind(node.right, scope)
    left = operand(node.left, scope, right_kind)
    right = operand(node.right, scope, left_kind)
    if node.op in ("~=", "!~="):
        same = _folded_equal(node, left, right, scope)
        return same if node.op == "~=" else z3.Not(same)
    return _ORDER[node.op](left.expr, right.expr)


def _folded_equal(node: Comparison, left: Term, right: Term, scope: Scope) -> z3.BoolRef:
    """`~=`: exact over the values a text can take (a text no pack writes folds to no
    literal); between two texts of unknown values, a free choice."""
    for term, other in ((left, right), (right, left)):
        if isinstance(other.domain, tuple) and len(other.domain) == 1 and term.domain is not None:
            target = folded(other.domain[0])
            values = [v for v in term.domain if v != FRESH and folded(v) == target]
            return z3.Or([term.expr == text_val(v) for v in values])
    return scope.choice(f"`{source(node)}` (~= between two facts)")


def _matches(node: Matches, scope: Scope) -> z3.BoolRef:
    """A pattern test: exact over the values the text can take; for a text no pack
    writes (FRESH), a free choice."""
    item = operand(node.item, scope)
    if item.domain is None:
        test = scope.choice(f"`{source(node.item)} matches {node.pattern!r}` (a pattern)")
        return z3.Not(test) if node.negated else test
    cases = [
        item.expr == text_val(v)
        for v in item.domain
        if v != FRESH and forms.has_form(node.pattern, v)
    ]
    if FRESH in item.domain:
        what = f"`{source(node.item)} matches {node.pattern!r}` for a text no pack writes"
        cases.append(z3.And(item.expr == text_val(FRESH), scope.choice(what)))
    test = z3.Or(cases)
    return z3.Not(test) if node.negated else test
