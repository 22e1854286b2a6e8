"""Compiling a loaded pack's conditions into one durable_rules ruleset (plain JSON data).

Each check and each skip condition becomes one engine rule named `<rule-id>#<n>` or
`<rule-id>#skip`, whose match is the condition; rules fire on facts, so every rule
whose condition holds fires once per order. Parameters were substituted as literals at
load time, so the ruleset name carries the pack's hash.

durable_rules compares a fact's field with an expression of fields and numbers (+ - *),
and combines tests with $and and $or. Everything else is rewritten into that:
- `not` is pushed down to the tests (De Morgan; `<` becomes `>=`, `in` becomes `not in`);
- `x in [a, b]` is `x == a or x == b`, `x not in [a, b]` is `x != a and x != b`;
- a side that is not a field (`a + b < c`) is mirrored when the other side is a field,
  else computed before the assert as a derived field, as are `/` and `%`, whose
  semantics (exact division, Python's remainder) the engine does not share.
The derived fields are `Derived` values: the checker computes them per order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from checker.expressions import (
    INVERSE,
    MIRROR,
    AllOf,
    AnyOf,
    Arith,
    Comparison,
    Condition,
    Const,
    Fact,
    Member,
    Not,
    Operand,
    leaves,
    names,
)
from checker.rulepack import RulePack

SKIP = "skip"
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "==": "$eq", "!=": "$neq"}
_ARITH = {"*": "$mul", "+": "$add", "-": "$sub"}
DERIVED_PREFIX = "="  # no fact name starts so: derived fields cannot shadow facts


class Derived(NamedTuple):
    """A field computed before the assert: `name` holds the value of `operand`."""

    name: str
    operand: Operand


def engine_rule_name(rule_id: str, check: int | str) -> str:
    return f"{rule_id}#{check}"


def normal_form(condition: Condition, negate: bool = False) -> Condition:
    """The condition with `not` pushed down to its tests and `in` lists expanded."""
    if isinstance(condition, Not):
        return normal_form(condition.operand, not negate)
    if isinstance(condition, AllOf | AnyOf):
        parts = tuple(normal_form(p, negate) for p in condition.parts)
        conjunction = isinstance(condition, AllOf) != negate
        return AllOf(parts) if conjunction else AnyOf(parts)
    if isinstance(condition, Member):
        negated = condition.negated != negate
        tests: tuple[Condition, ...] = tuple(
            Comparison(condition.item, "!=" if negated else "==", Const(v))
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


class _Compiler:
    """Turns normal-form conditions into durable_rules JSON, collecting derived fields."""

    def __init__(self) -> None:
        self.derived: dict[Operand, Derived] = {}

    def condition(self, condition: Condition) -> dict[str, Any]:
        if isinstance(condition, AllOf | AnyOf):
            key = "$and" if isinstance(condition, AllOf) else "$or"
            return {key: [self.condition(p) for p in condition.parts]}
        assert isinstance(condition, Comparison), condition
        left, op, right = condition
        if not isinstance(left, Fact) and isinstance(right, Fact) and self._engine_can(left):
            left, op, right = right, MIRROR[op], left
        field = left.name if isinstance(left, Fact) else self._derive(left)
        return {_OPS[op]: {field: self._operand(right)}}

    def _operand(self, operand: Operand) -> Any:
        if isinstance(operand, Const):
            return operand.value
        if isinstance(operand, Fact):
            return {"$m": operand.name}
        if not self._engine_can(operand):
            return {"$m": self._derive(operand)}
        return {
            _ARITH[operand.op]: {
                "$l": self._operand(operand.left),
                "$r": self._operand(operand.right),
            }
        }

    @staticmethod
    def _engine_can(operand: Operand) -> bool:
        if isinstance(operand, Arith):
            return (
                operand.op in _ARITH
                and _Compiler._engine_can(operand.left)
                and _Compiler._engine_can(operand.right)
            )
        return True

    def _derive(self, operand: Operand) -> str:
        found = self.derived.get(operand)
        if found is None:
            found = self.derived[operand] = Derived(f"{DERIVED_PREFIX}{len(self.derived)}", operand)
        return found.name


def compile_rules(
    conditions: Mapping[str, Condition],
) -> tuple[dict[str, Any], tuple[Derived, ...]]:
    """Engine rules matching each condition, by name, and the fields to derive first."""
    compiler = _Compiler()
    definition = {
        name: {"all": [{"m": compiler.condition(normal_form(condition))}]}
        for name, condition in conditions.items()
    }
    return definition, tuple(compiler.derived.values())


class Compiled(NamedTuple):
    name: str  # the ruleset's
    definition: dict[str, Any]
    read: tuple[str, ...]  # facts the engine reads
    derived: tuple[Derived, ...]  # fields computed before the assert


def compile_pack(pack: RulePack) -> Compiled:
    conditions: dict[str, Condition] = {}
    for pack_rule in pack.rules:
        for index, check in enumerate(pack_rule.checks):
            conditions[engine_rule_name(pack_rule.rule.id, index)] = check.condition
        if pack_rule.skip is not None:
            conditions[engine_rule_name(pack_rule.rule.id, SKIP)] = pack_rule.skip
    definition, derived = compile_rules(conditions)
    read = dict.fromkeys(name for condition in conditions.values() for name in names(condition))
    for item in derived:  # a derived field reads facts the conditions may not name directly
        read.update(
            dict.fromkeys(leaf.name for leaf in leaves(item.operand) if isinstance(leaf, Fact))
        )
    return Compiled(f"{pack.name}-{pack.sha256[:16]}", definition, tuple(read), derived)
