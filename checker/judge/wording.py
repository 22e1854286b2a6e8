"""Messages a person can act on: templates filled with facts and the size of the fix.

The engine decides which checks fired; this module only explains them. A check's fix
(`checker.pack.soundness.Fix`) is a comparison `fact OP right` of its condition. `{value}` is
the fact, `{target}` the nearest value of it that makes the comparison false, `{gap}`
the distance to it, and `{limit}` the right-hand side at that target. Where `right`
moves with the fact (`domestic_units < total_units * share`: total_units grows with
each domestic unit added), the target solves `x OP right(x)` exactly, so following the
message makes the check pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

from checker.lang.evaluate import decimal_fraction, evaluate, exact_value
from checker.lang.tree import Value
from checker.pack.rulepack import CompiledCheck
from checker.pack.soundness import Fix

# For an integer fact, the nearest value making `fact OP limit` false.
_NEAREST_FALSE: dict[str, Callable[[float | Fraction], int]] = {
    "<": math.ceil,
    "<=": lambda limit: math.floor(limit) + 1,
    ">": math.floor,
    ">=": lambda limit: math.ceil(limit) - 1,
}


def fix_values(fix: Fix, facts: Mapping[str, Value]) -> dict[str, Value]:
    value = facts[fix.fact]
    limit = evaluate(fix.right, facts)
    result: dict[str, Value] = {"value": value, "limit": limit}
    # (int, float), not int | float: a union is built on every call, on a hot path
    if fix.no_number or isinstance(value, bool) or not isinstance(value, (int, float)):
        return result
    assert isinstance(limit, (int, float))
    # the target is solved on the exact limit (19,999 * 0.4 is 7,999.6 exactly; its
    # nearest double is a little more, and its ceiling then one unit too many)
    right = exact_value(fix.right, facts)
    slope = fix.slope_for(facts)
    if not slope:
        target: int | float = limit
        if isinstance(value, int):
            target = _NEAREST_FALSE[fix.op](right)
    else:
        # x OP limit + slope * (x - value) turns false at x = (limit - slope * value) / (1 - slope)
        exact = (right - slope * decimal_fraction_of(value)) / (1 - slope)
        target = _NEAREST_FALSE[fix.op](exact) if isinstance(value, int) else float(exact)
        moved = right + slope * (decimal_fraction_of(target) - decimal_fraction_of(value))
        result["limit"] = int(moved) if moved.denominator == 1 else float(moved)
    result["target"] = target
    result["gap"] = abs(target - value)
    return result


def decimal_fraction_of(number: int | float) -> Fraction:
    return Fraction(number) if type(number) is int else decimal_fraction(float(number))


def explain_check(check: CompiledCheck, facts: Mapping[str, Value]) -> str:
    """Render a fired check from the order's facts (its parameters are already bound)."""
    fixed = fix_values(check.fix, facts) if check.fix else {}
    return check.message.render(facts, fixed)
