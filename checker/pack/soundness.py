"""What a pack must not do, checked when it loads: misjudge an order or fail on one.

A pack could load and still decide wrongly or crash mid-run: a number the engine cannot
compute exactly (durable_rules overflows past 2**63 and is exact only to 2**53 once it
mixes integers with doubles), a format spec that does not fit its value (`{limit:d}` on
a float fails only when that check fires), a text literal no fact value can equal (a
misspelt `"aproved"` makes a check that never fails). Each of these is a load error.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import NamedTuple

from checker.core.suggestions import did_you_mean
from checker.core.types import VALUE_TYPES
from checker.lang.evaluate import folded
from checker.lang.normalise import conjuncts, groups, normal_form, substitute, width
from checker.lang.tree import (
    MIRROR,
    ORDERING,
    Comparison,
    Condition,
    Const,
    Fact,
    Member,
    Operand,
    Test,
    folds,
    leaves,
    literals,
    names_of,
    source,
    tests,
    written,
)
from checker.pack.vocabulary import FactSpec
from checker.schema.forms import (
    ENGINE_EXACT,
    ENGINE_LIST_TESTS,
    ENGINE_MAX_GROUPS,
    ENGINE_MAX_TESTS,
    ENGINE_SMALLEST_FLOAT,
)

Facts = Mapping[str, FactSpec]

# A check message's fix values (checker.judge.wording), which no parameter may shadow.
EXPLAIN_NAMES = ("value", "limit")
GAP_NAMES = ("gap", "target")
RESERVED = EXPLAIN_NAMES + GAP_NAMES
MAX_WIDTH = 100  # widths and precisions in a format spec: a message, not a page
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


def _bound(operand: Operand, facts: Facts) -> float:
    """The largest magnitude `operand` can take over every valid order."""
    if isinstance(operand, Const):
        value = operand.value
        return 0 if isinstance(value, bool | str) else abs(value)
    if isinstance(operand, Fact):
        return facts[operand.name].bound
    left, right = _bound(operand.left, facts), _bound(operand.right, facts)
    if operand.op == "*":
        return left * right
    if operand.op == "/":
        return left / right if right else 0  # the divisor is a non-zero constant
    if operand.op == "%":
        return right
    return left + right


def _constants(operand: Operand) -> list[Const]:
    return [leaf for leaf in leaves(operand) if isinstance(leaf, Const)]


def condition_problems(condition: Condition, facts: Facts) -> list[tuple[str, int | None]]:
    """Why a parsed condition could misjudge, one message per reason, each with the
    offset of the part it is about (None: the whole condition)."""
    problems: list[tuple[str, int | None]] = []
    held = width(condition, ENGINE_LIST_TESTS)
    if held > ENGINE_MAX_TESTS:
        problems.append(
            (
                f"the condition has {held} tests (comparisons, and values of short lists); the "
                f"engine holds at most {ENGINE_MAX_TESTS} in one rule: split it into checks",
                None,
            )
        )
    nested = groups(normal_form(condition, ENGINE_LIST_TESTS))
    if nested > ENGINE_MAX_GROUPS:
        problems.append(
            (
                f"the condition nests {nested} and/or groups (short lists count as one); the "
                f"engine builds at most {ENGINE_MAX_GROUPS} in one rule: split it into checks",
                None,
            )
        )
    for test in tests(condition):
        sides = (test.left, test.right) if isinstance(test, Comparison) else (test.item,)
        values = [c.value for side in sides for c in _constants(side)]
        if isinstance(test, Member):
            values += test.values
        bad = [found for value in values if (found := number_problem(value))]
        at = _offset(test)
        problems += [(f"in `{source(test)}`: {found}", at) for found in bad]
        for side in sides:
            bound = _bound(side, facts)
            if bound > ENGINE_EXACT and not bad:
                problems.append(
                    (
                        f"`{written(side)}` can reach {bound:,.0f} for a valid order, "
                        f"outside {_RANGE}: use smaller parameters",
                        _offset(side),
                    )
                )
        problems += [(found, at) for found in _choice_problems(test, facts)]
    return problems


def _offset(node: Operand | Test) -> int | None:
    """Where `node` starts in the condition's text, if it was written there."""
    return node.span[0] if node.span is not None else None


def _choice_problems(test: Test, facts: Facts) -> list[str]:
    problems = []
    fold = folds(test)
    for fact, value in literals(test):
        if not isinstance(fact, Fact):
            continue
        choices = facts[fact.name].choices
        if not choices or not isinstance(value, str) or value in choices:
            continue
        if fold and folded(value) in {folded(c) for c in choices}:
            continue
        hint = did_you_mean(value, choices, "; did you mean {!r}?")
        listed = ", ".join(repr(c) for c in choices)
        problems.append(
            f"{fact.name} is one of {listed}; {value!r} is none of them, so "
            f"`{source(test)}` never depends on it{hint}"
        )
    return problems


class Fix(NamedTuple):
    """What a check's fix values are about: `fact OP right`, the comparison of the
    condition that changing `fact` makes false.

    `slope` is how much `right` moves per unit of `fact`, through the facts that move
    with it (total_units grows with domestic_units): the fix is then solved exactly.
    `no_number` says why no {target} or {gap} can be given, if none can."""

    fact: str
    op: str
    right: Operand
    slope: Fraction | int  # 0 (an int) where right does not move with fact
    no_number: str
    # where right reads parameters with a value per key: their facts, and the slope
    # for each combination of their values (looked up per order)
    keyed: tuple[str, ...] = ()
    slopes: Mapping[tuple[object, ...], Fraction | int] | None = None

    def slope_for(self, facts: Mapping[str, object]) -> Fraction | int:
        if self.slopes is None:
            return self.slope
        return self.slopes[tuple(facts[name] for name in self.keyed)]


def find_fix(condition: Condition, named: str | None, facts: Facts) -> Fix | str:
    """The comparison a check's message explains: the one of the top-level `and` that
    has `named` (the check's `fix:`) alone on one side, or without `fix:`, the only
    ordering comparison with a fact alone on one side. A reason instead if none is."""
    candidates: list[tuple[str, str, Operand]] = []
    ordering: list[tuple[str, str, Operand]] = []  # one per comparison: its left fact first
    for part in conjuncts(condition):
        if not isinstance(part, Comparison):
            continue
        sides = []
        if isinstance(part.left, Fact):
            sides.append((part.left.name, part.op, part.right))
        if isinstance(part.right, Fact):
            sides.append((part.right.name, MIRROR[part.op], part.left))
        candidates += sides
        if sides and part.op in ORDERING and facts[sides[0][0]].type in (int, float):
            ordering.append(sides[0])
    if named is not None:
        found = [c for c in candidates if c[0] == named]
        if len(found) != 1:
            return (
                f"fix: {named} must be alone on one side of exactly one comparison joined to "
                "the rest by `and`"
            )
    else:
        found = ordering
        if len(found) != 1:
            return (
                "the fix values are about one comparison; this condition has "
                f"{len(found) or 'no'} ordering comparison(s) with a fact alone on one side: "
                "name the fact with `fix:` on the check"
            )
    fact, op, right = found[0]
    keyed = tuple(n for n in dict.fromkeys(names_of(right)) if facts[n].constants)
    slopes: dict[tuple[object, ...], Fraction | int] | None = None
    if keyed:
        slopes = {}
        for combo in itertools.product(*(facts[n].constants for n in keyed)):
            each = _slope(fact, substitute(right, dict(zip(keyed, combo, strict=True))), facts)
            if each is None:
                slopes = None
                break
            slopes[combo] = each
        slope: Fraction | int | None = max(slopes.values()) if slopes else None
    else:
        slope = _slope(fact, right, facts)
    no_number = ""
    if facts[fact].type not in (int, float):
        no_number = f"{fact} is not a number, so no amount to change it by can be given"
    elif op not in ORDERING:
        no_number = f"{fact} {op} ... is not an ordering comparison"
    elif slope is None:
        no_number = f"`{written(right)}` does not change in proportion to {fact}"
    elif slope >= 1:
        no_number = (
            f"`{written(right)}` grows by {float(slope):g} per unit of {fact}, so "
            f"changing {fact} alone cannot make the check pass: say what to change in words"
        )
    if slopes is not None and not any(slopes.values()):
        keyed, slopes = (), None  # moves with nothing, whatever the keys
    return Fix(fact, op, right, slope or 0, no_number, keyed if slopes else (), slopes)


def _linear(operand: Operand) -> tuple[dict[str, Fraction], Fraction] | None:
    """`operand` as coefficients per fact plus a constant, if it is linear."""

    if isinstance(operand, Const):
        if isinstance(operand.value, bool | str):
            return None
        value = operand.value
        return {}, Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    if isinstance(operand, Fact):
        return {operand.name: Fraction(1)}, Fraction(0)
    left, right = _linear(operand.left), _linear(operand.right)
    if left is None or right is None:
        return None
    (lc, lk), (rc, rk) = left, right
    if operand.op in ("+", "-"):
        sign = 1 if operand.op == "+" else -1
        coefs = dict(lc)
        for name, coef in rc.items():
            coefs[name] = coefs.get(name, Fraction(0)) + sign * coef
        return coefs, lk + sign * rk
    if operand.op == "*" and (not lc or not rc):
        scale, (coefs, const) = (lk, right) if not lc else (rk, left)
        return {n: c * scale for n, c in coefs.items()}, const * scale
    if operand.op == "/" and not rc:
        return {n: c / rk for n, c in lc.items()}, lk / rk
    return None


def _slope(fact: str, right: Operand, facts: Facts) -> Fraction | int | None:
    """How much `right` moves per unit of `fact` (None: not in proportion)."""
    if facts[fact].type not in (int, float):
        return None
    moved = {fact: 1, **dict(facts[fact].moves)}
    read = set(names_of(right))
    if read & set(facts[fact].unsure):
        return None
    if not read & set(moved):
        return 0
    linear = _linear(right)
    if linear is None:
        return None
    coefs, _ = linear
    return sum((coefs.get(name, Fraction(0)) * step for name, step in moved.items()), Fraction(0))


def fix_types(fix: Fix, facts: Facts) -> dict[str, type]:
    """The type of each fix value a check's message may name (checker.judge.wording)."""
    value = facts[fix.fact].type
    limit = fix.right.type  # as check typed it
    assert limit is not None, fix.right
    if fix.slope:
        limit = float
    types = {"value": value, "limit": limit}
    if fix.op in ORDERING:  # named even when no number can be given: the error says why
        target = int if value is int else float
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
        format(VALUE_TYPES[kind].sample, spec)
    except (ValueError, TypeError) as exc:
        return (
            f"{{{field}:{spec}}} cannot format {field}, which is {VALUE_TYPES[kind].words} "
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


def never_holds(condition: Condition, facts: Facts) -> str | None:
    """Why a condition can never hold, where its top-level `and` says so itself: bounds
    of one fact that leave no value (`x > 5 and x < 3`), or a fact equal to two values.
    Not a proof of the converse: `rules test` counts which checks anything fails."""
    low: dict[str, tuple[float, bool]] = {}  # fact -> (bound, strict); int/float compare exactly
    high: dict[str, tuple[float, bool]] = {}
    equal: dict[str, object] = {}
    for part in conjuncts(condition):
        bound = _constant_bound(part)
        if bound is None:
            continue
        fact, op, value = bound
        if op == "==":
            if fact in equal and equal[fact] != value:
                return f"{fact} cannot equal both {equal[fact]!r} and {value!r}"
            equal[fact] = value
        if isinstance(value, bool) or not isinstance(value, int | float) or op == "!=":
            continue
        exact = value
        whole = facts[fact].type is int
        if op in (">", ">=", "=="):
            new = (math.floor(exact) + 1, False) if whole and op == ">" else (exact, op == ">")
            old = low.get(fact)
            if old is None or new[0] > old[0] or (new[0] == old[0] and new[1]):
                low[fact] = new
        if op in ("<", "<=", "=="):
            new = (math.ceil(exact) - 1, False) if whole and op == "<" else (exact, op == "<")
            old = high.get(fact)
            if old is None or new[0] < old[0] or (new[0] == old[0] and new[1]):
                high[fact] = new
    for fact in low.keys() & high.keys():
        (lo, lo_strict), (hi, hi_strict) = low[fact], high[fact]
        if lo > hi or (lo == hi and (lo_strict or hi_strict)):
            return f"no value of {fact} meets every bound the condition puts on it"
    return None


def _constant_bound(part: Condition) -> tuple[str, str, object] | None:
    """(fact, op, constant) for a comparison of a fact alone with a constant."""
    if not isinstance(part, Comparison):
        return None
    if isinstance(part.left, Fact) and isinstance(part.right, Const):
        return part.left.name, part.op, part.right.value
    if isinstance(part.right, Fact) and isinstance(part.left, Const):
        return part.right.name, MIRROR[part.op], part.left.value
    return None


def literals_outside(condition: Condition, references: Mapping[str, frozenset[str]]) -> list[str]:
    """Text literals compared with a fact whose values come from the pack's reference
    data (`batch == "CN-H200-2026-B2"` where the pack lists no such batch)."""
    found = []
    for test in tests(condition):
        for fact, value in literals(test):
            if not isinstance(fact, Fact) or not isinstance(value, str):
                continue
            known = references.get(fact.name)
            if known is not None and folds(test):
                known = frozenset(map(folded, known))
                value = folded(value)
            if known is not None and value not in known:
                hint = did_you_mean(value, known, " (did you mean {!r}?)")
                found.append(
                    f"{value!r} is no {fact.name} in the pack's reference data{hint}, so "
                    f"`{source(test)}` never holds for a known one"
                )
    return found
