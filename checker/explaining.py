"""Messages a person can act on: templates filled with facts and the size of the fix.

The engine decides which checks fired; this module only explains them. For a fired
check whose last comparison is `fact OP limit`, `{value}` is the fact, `{limit}` the
right-hand side, `{target}` the nearest value of the fact that would make the comparison
false, and `{gap}` the distance to it (e.g. "add {gap} domestic units").
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Mapping
from typing import Any

from checker.expressions import Comparison, Value, evaluate
from checker.rulepack import CompiledCheck


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{round(value, 4):,}"
    return str(value)


@functools.cache
def _parts(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template split once into (literal, field, format spec) runs.

    Templates were checked at load time (plain names, simple specs), so this covers
    everything they may contain; parsing once instead of per order matters at 100k orders.
    """
    return tuple(
        (lit, field, spec or "") for lit, field, spec, _ in string.Formatter().parse(template)
    )


def render(template: str, values: Mapping[str, Any]) -> str:
    out = []
    for literal, field, spec in _parts(template):
        out.append(literal)
        if field is not None:
            value = values[field]
            out.append(format(value, spec) if spec else format_value(value))
    return "".join(out)


def fix_values(comparison: Comparison, facts: Mapping[str, Value]) -> dict[str, Value]:
    value = facts[comparison.fact]
    limit = evaluate(comparison.right, facts)
    result: dict[str, Value] = {"value": value, "limit": limit}
    if comparison.op in ("<", "<=", ">", ">=") and isinstance(value, int | float):
        assert isinstance(limit, int | float)
        target: int | float = limit
        if isinstance(value, int) and not isinstance(value, bool):
            target = {
                "<": math.ceil(limit),
                "<=": math.floor(limit) + 1,
                ">": math.floor(limit),
                ">=": math.ceil(limit) - 1,
            }[comparison.op]
        result["target"] = target
        result["gap"] = abs(target - value)
    return result


def explain_check(check: CompiledCheck, values: Mapping[str, Value]) -> str:
    """Render a fired check; `values` holds the order's facts and the rule's parameters."""
    return render(check.message, {**values, **fix_values(check.condition[-1], values)})
