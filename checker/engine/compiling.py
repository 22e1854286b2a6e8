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
  else computed before the assert as a derived field, as is any arithmetic the engine
  would not compute exactly: `/`, `%` (Python's remainder), and anything with a number
  that has decimals (0.6 is not a double; checker.lang.evaluate is exact).
The derived fields are `Derived` values: the checker computes them per order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from checker.lang.evaluate import compiled_comparison, evaluate, holds
from checker.lang.normalise import normal_form, width
from checker.lang.tree import (
    FOLDED,
    MIRROR,
    AllOf,
    AnyOf,
    Arith,
    Comparison,
    Condition,
    Const,
    Fact,
    Matches,
    Member,
    Operand,
    Value,
    leaves,
    names,
)
from checker.pack.rulepack import RulePack
from checker.schema.forms import ENGINE_LIST_TESTS, ENGINE_MAX_TESTS

SKIP = "skip"
PERIOD = "period"
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "==": "$eq", "!=": "$neq"}
_ARITH = {"*": "$mul", "+": "$add", "-": "$sub"}
DERIVED_PREFIX = "="  # no fact name starts so: derived fields cannot shadow facts


class Derived(NamedTuple):
    """A field computed before the assert: `name` holds the value of `operand`, or, for
    a membership test of a long list, a pattern test or a comparison the engine would
    round, whether it holds (checker.lang.evaluate.holds, exact)."""

    name: str
    operand: Operand | Member | Matches | Comparison

    def value(self, facts: Mapping[str, Value]) -> Value:
        tested = self.operand
        if isinstance(tested, Member | Matches | Comparison):
            return holds(tested, facts)
        return evaluate(tested, facts)

    def function(self) -> Callable[[Mapping[str, Value]], Value]:
        """`value` as a function made once: a comparison of numbers under + - * is
        decided on whole numbers (checker.lang.evaluate.compiled_comparison), about
        four times faster than through Fractions."""
        if isinstance(self.operand, Comparison):
            found = compiled_comparison(self.operand)
            if found is not None:
                return found
        return self.value

    def facts(self) -> Iterator[str]:
        """The facts computing it reads."""
        tested = self.operand
        sides = (
            (tested.item,) if isinstance(tested, Member | Matches)
            else (tested.left, tested.right) if isinstance(tested, Comparison)
            else (tested,)
        )  # fmt: skip
        return (leaf.name for side in sides for leaf in leaves(side) if isinstance(leaf, Fact))


def engine_rule_name(rule_id: str, check: int | str) -> str:
    return f"{rule_id}#{check}"


class _Compiler:
    """Turns normal-form conditions into durable_rules JSON, collecting derived fields."""

    def __init__(self) -> None:
        self.derived: dict[Operand | Member | Matches | Comparison, Derived] = {}

    def condition(self, condition: Condition) -> dict[str, Any]:
        if isinstance(condition, AllOf | AnyOf):
            key = "$and" if isinstance(condition, AllOf) else "$or"
            return {key: [self.condition(p) for p in condition.parts]}
        if isinstance(condition, Member | Matches):  # looked up before the assert
            return {"$eq": {self._derive(condition): True}}
        assert isinstance(condition, Comparison), condition
        left, op, right = condition.left, condition.op, condition.right
        if op in FOLDED or not (_engine_can(left) and _engine_can(right)):
            # a side the engine would hold as a rounded double: decided exactly instead
            return {"$eq": {self._derive(condition): True}}
        if not isinstance(left, Fact) and isinstance(right, Fact):
            left, op, right = right, MIRROR[op], left
        field = left.name if isinstance(left, Fact) else self._derive(left)
        return {_OPS[op]: {field: self._operand(right)}}

    def _operand(self, operand: Operand) -> Any:
        if isinstance(operand, Const):
            return operand.value
        if isinstance(operand, Fact):
            return {"$m": operand.name}
        return {
            _ARITH[operand.op]: {
                "$l": self._operand(operand.left),
                "$r": self._operand(operand.right),
            }
        }

    def _derive(self, operand: Operand | Member | Matches | Comparison) -> str:
        found = self.derived.get(operand)
        if found is None:
            found = self.derived[operand] = Derived(f"{DERIVED_PREFIX}{len(self.derived)}", operand)
        return found.name


def _engine_can(operand: Operand) -> bool:
    """Whether the engine computes `operand` exactly: whole numbers and + - * only
    (within the range checker.pack.soundness proves)."""
    return not isinstance(operand, Arith) or _whole_arithmetic(operand)


def _whole_arithmetic(operand: Operand) -> bool:
    """Every operator, at any depth (`a % 7 * 4` too), is + - or *, over whole numbers."""
    if isinstance(operand, Arith):
        return (
            operand.op in _ARITH
            and _whole_arithmetic(operand.left)
            and _whole_arithmetic(operand.right)
        )
    if isinstance(operand, Fact):
        return operand.type is not float  # check typed it: a decimal fact is a float
    return not (isinstance(operand.value, float) and not operand.value.is_integer())


def compile_rules(
    conditions: Mapping[str, Condition],
) -> tuple[dict[str, Any], tuple[Derived, ...]]:
    """Engine rules matching each condition, by name, and the fields to derive first
    (a comparison the engine would make on rounded doubles: the operands' types say)."""
    compiler = _Compiler()
    definition = {
        name: {"all": [{"m": compiler.condition(normal_form(condition, ENGINE_LIST_TESTS))}]}
        for name, condition in conditions.items()
    }
    return definition, tuple(compiler.derived.values())


def group_rules(
    conditions: Mapping[str, Condition], definition: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The compiled rules in order, cut into rulesets of at most ENGINE_MAX_TESTS tests
    (a condition is never split; checker.pack.soundness refuses one wider than that)."""
    groups: list[dict[str, Any]] = [{}]
    held = 0
    for name, condition in conditions.items():
        tests = width(condition, ENGINE_LIST_TESTS)
        if held + tests > ENGINE_MAX_TESTS and groups[-1]:
            groups.append({})
            held = 0
        groups[-1][name] = definition[name]
        held += tests
    return groups


class Compiled(NamedTuple):
    rulesets: tuple[tuple[str, dict[str, Any]], ...]  # (name, definition) of each
    read: tuple[str, ...]  # facts the engine reads
    derived: tuple[Derived, ...]  # fields computed before the assert


def pack_conditions(pack: RulePack) -> dict[str, Condition]:
    """Each engine rule of the pack, by name, and the condition it decides, in the
    pack's order: every check, then a rule's skip_when and its period."""
    conditions: dict[str, Condition] = {}
    for pack_rule in pack.rules:
        for index, check in enumerate(pack_rule.checks):
            conditions[engine_rule_name(pack_rule.rule.id, index)] = check.condition
        if pack_rule.skip is not None:
            conditions[engine_rule_name(pack_rule.rule.id, SKIP)] = pack_rule.skip
        if pack_rule.period is not None:
            conditions[engine_rule_name(pack_rule.rule.id, PERIOD)] = pack_rule.period
    return conditions


def compile_pack(pack: RulePack) -> Compiled:
    """The pack's conditions as rulesets of at most ENGINE_MAX_TESTS tests each (rules
    kept whole and in order), so no assert can overflow the engine's match stack."""
    conditions = pack_conditions(pack)
    definition, derived = compile_rules(conditions)
    groups = group_rules(conditions, definition)
    base = f"{pack.name}-{pack.sha256[:16]}"
    rulesets = tuple((base if i == 0 else f"{base}-{i}", group) for i, group in enumerate(groups))
    read = dict.fromkeys(name for condition in conditions.values() for name in names(condition))
    for item in derived:  # a derived field reads facts the conditions may not name directly
        read.update(dict.fromkeys(item.facts()))
    return Compiled(rulesets, tuple(read), derived)
