"""A rule's outcome on the symbolic order: its status, which checks fire, and the
values its failure message shows, as solver terms (checker.judge.checking and
checker.judge.wording, read as formulas).

Two outcomes are the same when their statuses are, and, for a failure, the same
checks fire and every value their messages fill in is equal. Equal values read the
same; unequal ones are taken to read differently (4-place rounding may make two read
alike: the real engine, which confirms every difference, then finds none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import z3

from checker.lang.templates import Template
from checker.lang.tree import names
from checker.pack.rulepack import CompiledCheck, PackRule
from checker.pack.soundness import Fix
from checker.proof.facts import PackFacts, reference
from checker.proof.terms import Scope, Term, condition, operand, real

ABSENT, PASS, SKIP, WARN, FAIL = range(5)


@dataclass
class Piece:
    """A message template and the terms it fills in, for one outcome."""

    parts: object  # the template's literal text and fields, comparable
    values: tuple[Term | None, ...]  # None: a value the solver does not model


@dataclass
class Outcome:
    status: z3.ArithRef
    fired: tuple[z3.BoolRef, ...]
    message: Piece | None  # the rule's failure message
    checks: tuple[Piece, ...]  # each check's message
    free: frozenset[str]  # free choices and facts its formulas read


def absent() -> Outcome:
    return Outcome(z3.IntVal(ABSENT), (), None, (), frozenset())


def outcome(rule: PackRule, facts: PackFacts, failing: int) -> Outcome:
    scope = facts.scope()
    before = set(scope.free)
    skipped = [condition(c, scope) for c in (rule.period, rule.skip) if c is not None]
    fired = tuple(condition(check.condition, scope) for check in rule.checks)
    read = {n for c in (rule.period, rule.skip, *(k.condition for k in rule.checks)) if c
            for n in names(c)}  # fmt: skip
    free = {f for f in scope.free if f not in before} | (read & facts.free)
    status = z3.If(
        z3.Or(skipped) if skipped else z3.BoolVal(False),
        z3.IntVal(SKIP),
        z3.If(z3.Or(fired) if fired else z3.BoolVal(False), z3.IntVal(failing), z3.IntVal(PASS)),
    )
    assert isinstance(status, z3.ArithRef)
    return Outcome(
        status,
        fired,
        _piece(rule.message, facts, {}),
        tuple(_piece(c.message, facts, _fix_terms(c, facts, scope)) for c in rule.checks),
        frozenset(free),
    )


def _piece(template: Template, facts: PackFacts, fixed: Mapping[str, Term | None]) -> Piece:
    values = []
    for name, _spec in template_fields(template):
        if name in fixed:
            values.append(fixed[name])
        else:
            values.append(facts.facts.get(name))
    return Piece(template.parts, tuple(values))


def template_fields(template: Template) -> list[tuple[str, str]]:
    return [(name, spec) for _, name, spec in template.parts if name is not None]


def _floor(x: z3.ArithRef) -> z3.ArithRef:
    return z3.ToInt(real(x))


def _nearest_false(op: str, limit: z3.ArithRef) -> z3.ArithRef:
    """checker.judge.wording's nearest integer making `fact OP limit` false."""
    if op == "<":
        return -_floor(-limit)
    if op == "<=":
        return _floor(limit) + 1
    if op == ">":
        return _floor(limit)
    return -_floor(-limit) - 1


def _fix_terms(check: CompiledCheck, facts: PackFacts, scope: Scope) -> dict[str, Term | None]:
    """{value}, {limit}, {target} and {gap} of a check, as checker.judge.wording.fix_values."""
    fix: Fix | None = check.fix
    if fix is None:
        return {}
    value = facts.facts[fix.fact]
    limit = operand(fix.right, scope)
    found: dict[str, Term | None] = {"value": value, "limit": limit}
    if fix.no_number or value.kind != "number":
        return found
    whole = facts.pack.vocabulary.facts[fix.fact].type is int
    v, lim = value.expr, limit.expr
    assert isinstance(v, z3.ArithRef) and isinstance(lim, z3.ArithRef)
    slope = _slope(fix, facts)
    if slope is None:
        return {**found, "target": None, "gap": None}
    exact = (lim - slope * v) / (1 - slope) if not _is_zero(slope) else lim
    target = _nearest_false(fix.op, exact) if whole else real(exact)
    if not _is_zero(slope):
        found["limit"] = Term(lim + slope * (target - v), "number")
    found["target"] = Term(target, "number")
    gap = target - v
    found["gap"] = Term(z3.If(gap >= 0, gap, -gap), "number")
    return found


def _is_zero(slope: z3.ArithRef) -> bool:
    return bool(z3.is_rational_value(slope) and z3.is_true(z3.simplify(slope == 0)))


def _slope(fix: Fix, facts: PackFacts) -> z3.ArithRef | None:
    def exact(s: Fraction | int) -> z3.ArithRef:
        s = Fraction(s)
        return z3.RealVal(f"{s.numerator}/{s.denominator}")

    if fix.slopes is None:
        return exact(fix.slope)
    keyed = [facts.facts[name] for name in fix.keyed]
    result: z3.ArithRef | None = None
    for combo, s in fix.slopes.items():
        test = z3.And([k.expr == reference(v, k.kind) for k, v in zip(keyed, combo, strict=True)])
        result = exact(s) if result is None else z3.If(test, exact(s), result)
    return result


def same(a: Outcome, b: Outcome) -> z3.BoolRef:
    """Whether the two outcomes show the same status and, failing, the same message."""
    failing = z3.Or(a.status == WARN, a.status == FAIL)
    if a.message is None or b.message is None:
        words = z3.BoolVal(False)
    else:
        words = z3.And(_same_piece(a.message, b.message), *_same_checks(a, b))
    return z3.And(a.status == b.status, z3.Implies(failing, words))


def _same_checks(a: Outcome, b: Outcome) -> list[z3.BoolRef]:
    found = []
    for i in range(max(len(a.fired), len(b.fired))):
        fa = a.fired[i] if i < len(a.fired) else z3.BoolVal(False)
        fb = b.fired[i] if i < len(b.fired) else z3.BoolVal(False)
        if i < len(a.checks) and i < len(b.checks):
            words = _same_piece(a.checks[i], b.checks[i])
        else:
            words = z3.BoolVal(False)
        found.append(z3.And(fa == fb, z3.Implies(fa, words)))
    return found


def _same_piece(a: Piece, b: Piece) -> z3.BoolRef:
    if a.parts != b.parts:
        return z3.BoolVal(False)
    parts = [_equal(x, y) for x, y in zip(a.values, b.values, strict=True)]
    return z3.And(parts) if parts else z3.BoolVal(True)


def _equal(x: Term | None, y: Term | None) -> z3.BoolRef:
    """Equal values read alike (a whole decimal reads as the integer it equals)."""
    if x is None or y is None or x.kind != y.kind:
        return z3.BoolVal(False)
    return x.expr == y.expr


def _quiet(status: z3.ArithRef) -> z3.BoolRef:
    """Absent, pass and skip all say "no objection"."""
    return z3.Or([status == q for q in (ABSENT, PASS, SKIP)])


def verdicts_differ(a: Outcome, b: Outcome) -> z3.BoolRef:
    """Whether the status differs, as a report shows it (absent, pass, skip alike)."""
    return z3.And(z3.Not(z3.And(_quiet(a.status), _quiet(b.status))), a.status != b.status)


def differs(a: Outcome, b: Outcome) -> z3.BoolRef:
    """Whether the change from `a` to `b` shows in a report: a status that differs
    (absent, pass and skip are all "no objection") or a failure worded differently."""
    return z3.And(z3.Not(z3.And(_quiet(a.status), _quiet(b.status))), z3.Not(same(a, b)))
