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

from checker.lang.evaluate import evaluate
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
    slope = fix.slope_for(facts)
    if not slope:
        target: int | float = limit
        if isinstance(value, int):
            target = _NEAREST_FALSE[fix.op](limit)  # exact on an int or a float
    else:
        # x OP limit + slope * (x - value) turns false at x = (limit - slope * value) / (1 - slope)
        exact = (Fraction(limit) - slope * Fraction(value)) / (1 - slope)
        target = _NEAREST_FALSE[fix.op](exact) if isinstance(value, int) else float(exact)
        moved = Fraction(limit) + slope * (Fraction(target) - Fraction(value))
        result["limit"] = int(moved) if moved.denominator == 1 else float(moved)
    result["target"] = target
    result["gap"] = abs(target - value)
    return result


def explain_check(check: CompiledCheck, facts: Mapping[str, Value]) -> str:
    """Render a fired check from the order's facts (its parameters are already bound)."""
    fixed = fix_values(check.fix, facts) if check.fix else {}
    return check.message.render(facts, fixed)
