"""Compiling a loaded pack's conditions into one durable_rules ruleset (plain JSON data).

Each check and each skip condition becomes one engine rule named `<rule-id>#<n>` or
`<rule-id>#skip`; its action just records that name. Rules fire on facts, so every
rule whose condition holds fires once per order. Parameters were substituted as
literals at load time, so the ruleset name carries the pack's hash.
"""

from __future__ import annotations

from typing import Any

from checker.expressions import Comparison, Condition, Const, Fact, Operand, names
from checker.rulepack import RulePack

SKIP = "skip"
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "==": "$eq", "!=": "$neq"}
_ARITH = {"*": "$mul", "+": "$add", "-": "$sub"}


def engine_rule_name(rule_id: str, check: int | str) -> str:
    return f"{rule_id}#{check}"


def _operand(operand: Operand) -> Any:
    if isinstance(operand, Const):
        return operand.value
    if isinstance(operand, Fact):
        return {"$m": operand.name}
    return {_ARITH[operand.op]: {"$l": _operand(operand.left), "$r": _operand(operand.right)}}


def _comparison(comparison: Comparison) -> dict[str, Any]:
    return {_OPS[comparison.op]: {comparison.fact: _operand(comparison.right)}}


def compile_condition(condition: Condition) -> dict[str, Any]:
    if len(condition) == 1:
        return _comparison(condition[0])
    return {"$and": [_comparison(c) for c in condition]}


def compile_pack(pack: RulePack) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """(ruleset name, ruleset definition, facts the engine reads)."""
    definition: dict[str, Any] = {}
    read: dict[str, None] = {}
    for pack_rule in pack.rules:
        conditions: list[tuple[int | str, Condition]] = list(
            enumerate(c.condition for c in pack_rule.checks)
        )
        if pack_rule.skip is not None:
            conditions.append((SKIP, pack_rule.skip))
        for key, condition in conditions:
            name = engine_rule_name(pack_rule.rule.id, key)
            definition[name] = {"all": [{"m": compile_condition(condition)}], "run": name}
            read.update(dict.fromkeys(names(condition)))
    return f"{pack.name}-{pack.sha256[:16]}", definition, tuple(read)
