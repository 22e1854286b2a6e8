"""Messages a person can act on: templates filled with facts and the size of the fix.

The engine decides which checks fired; this module only explains them. For a fired
check whose last comparison is `fact OP limit`, `{value}` is the fact, `{limit}` the
right-hand side, `{target}` the nearest value of the fact that would make the comparison
false, and `{gap}` the distance to it (e.g. "add {gap} domestic units").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from checker.expressions import Comparison, Value, evaluate
from checker.rulepack import CompiledCheck

# For an integer fact, the nearest value making `fact OP limit` false.
_NEAREST_FALSE: dict[str, Callable[[float], int]] = {
    "<": math.ceil,
    "<=": lambda limit: math.floor(limit) + 1,
    ">": math.floor,
    ">=": lambda limit: math.ceil(limit) - 1,
}


def fix_values(comparison: Comparison, facts: Mapping[str, Value]) -> dict[str, Value]:
    value = facts[comparison.fact]
    limit = evaluate(comparison.right, facts)
    result: dict[str, Value] = {"value": value, "limit": limit}
    # (int, float), not int | float: a union is built on every call, on a hot path
    if comparison.op in ("<", "<=", ">", ">=") and isinstance(value, (int, float)):
        assert isinstance(limit, (int, float))
        target: int | float = limit
        if isinstance(value, int) and not isinstance(value, bool):
            target = _NEAREST_FALSE[comparison.op](limit)
        result["target"] = target
        result["gap"] = abs(target - value)
    return result


def explain_check(check: CompiledCheck, facts: Mapping[str, Value]) -> str:
    """Render a fired check from the order's facts (its parameters are already bound)."""
    return check.message.render(facts, fix_values(check.condition[-1], facts))
