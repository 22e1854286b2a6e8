"""Rule lint by proof, and coverage by witness: for each rule of a pack, what the solver
proves of its checks over every order (within checker.proof.orders' bounds), and for
each check an order the solver built that fails it, confirmed by the engine.

Findings, each proved:
- `never-fires`: no order the rule applies to makes the check fail;
- `always-fires`: every order the rule applies to makes it fail;
- `implied`: the check fails only where another check of the rule fails too;
- `never-applies`: every order is skipped (its skip condition or its effective dates);
- `outside-batches`: its effective dates meet no batch's window;
- `skip-hides-failures`: some orders would fail a check, but the skip condition holds
  for every one of them.

Free choices (a pattern on a text no pack writes) only widen what the solver considers,
so a finding stays proved; a witness that rests on one may not be confirmed, and is
then reported missing, never shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from checker.judge.checking import Checker
from checker.lang.tree import names
from checker.pack.rulepack import PackRule
from checker.proof.equivalence import ATTEMPTS
from checker.proof.facts import PackFacts
from checker.proof.orders import order, realised
from checker.proof.simplest import Simplest, judge_failed
from checker.proof.terms import Scope, condition


@dataclass(frozen=True)
class Finding:
    rule: str
    check: int | None  # 1-based, as the rule file counts its checks; None: the rule
    kind: str
    message: str


@dataclass(frozen=True)
class Witness:
    """An order that fails one check, with the earlier ledger totals it needs."""

    rule: str
    check: int  # 1-based
    order: dict[str, Any]
    earlier: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Lint:
    lines: int
    findings: tuple[Finding, ...]
    witnesses: tuple[Witness, ...]
    missing: tuple[tuple[str, int, str], ...]  # (rule, check, why) without a witness


class _Linter:
    def __init__(self, checker: Checker, lines: int, simplest: bool) -> None:
        self.checker = checker
        self.simplify = simplest
        pack = checker.pack
        self.order = order((pack, pack), lines)
        self.facts = PackFacts(pack, 0, self.order)
        self.base = [*self.order.constraints, self.facts.valid()]
        self.simplest = Simplest(self.order, (self.facts,), (checker,))
        self.solver = z3.Solver()  # the order's constraints once; each question pushed
        self.solver.add(self.base)

    def _sat(self, *goal: z3.BoolRef) -> bool:
        solver = self.solver
        solver.push()
        solver.add(*goal)
        found = solver.check() == z3.sat
        solver.pop()
        return bool(found)

    def rule(self, pack_rule: PackRule) -> tuple[list[Finding], list[Witness], list[Any]]:
        rule_id = pack_rule.rule.id
        scope = self.facts.scope()
        outside = condition(pack_rule.period, scope) if pack_rule.period else z3.BoolVal(False)
        skipped = condition(pack_rule.skip, scope) if pack_rule.skip else z3.BoolVal(False)
        fired = [condition(c.condition, scope) for c in pack_rule.checks]
        applies = z3.And(z3.Not(outside), z3.Not(skipped))
        findings: list[Finding] = []

        def found(check: int | None, kind: str, message: str) -> None:
            findings.append(Finding(rule_id, check, kind, message))

        if pack_rule.period is not None and not self._sat(z3.Not(outside), self._in_window()):
            found(None, "outside-batches", "its effective dates meet no batch's window")
        if not self._sat(applies):
            found(None, "never-applies", "every order is skipped: the rule judges nothing")
            return findings, [], []
        any_fired = z3.Or(fired)
        hides = pack_rule.skip is not None and self._sat(z3.Not(outside), any_fired)
        if hides and not self._sat(applies, any_fired):
            found(None, "skip-hides-failures", "skip_when holds wherever a check would fail")
        witnesses, missing = [], []
        for i, fires in enumerate(fired):
            number = i + 1
            if not self._sat(applies, fires):
                found(number, "never-fires", "no order the rule applies to fails it")
                continue
            if not self._sat(applies, z3.Not(fires)):
                found(number, "always-fires", "every order the rule applies to fails it")
            for j, other in enumerate(fired):
                if j != i and not self._sat(applies, fires, z3.Not(other)):
                    found(number, "implied",
                          f"it fails only where check {j + 1} fails too")  # fmt: skip
                    break
            witness = self._witness(pack_rule, i, [applies, fires], self._free(pack_rule, scope))
            if isinstance(witness, Witness):
                witnesses.append(witness)
            else:
                missing.append((rule_id, number, witness))
        return findings, witnesses, missing

    def _in_window(self) -> z3.BoolRef:
        opens = self.facts.source("batch.opens")
        closes = self.facts.source("batch.closes")
        assert opens is not None and closes is not None
        date = self.order.date
        return z3.And(opens.given, opens.term.expr <= date, date <= closes.term.expr)

    def _free(self, pack_rule: PackRule, scope: Scope) -> str:
        """What the rule's conditions read that the solver does not model."""
        conditions = (pack_rule.period, pack_rule.skip, *(k.condition for k in pack_rule.checks))
        read = {n for c in conditions if c is not None for n in names(c)}
        free = sorted(read & self.facts.free) + sorted(scope.free) + sorted(self.facts.valid_free)
        return ", ".join(free) or "nothing"

    def _witness(
        self, pack_rule: PackRule, index: int, goal: Sequence[z3.BoolRef], free: str
    ) -> Witness | str:
        solver = self.solver
        solver.push()
        solver.add(*goal)
        try:
            return self._attempts(solver, pack_rule, index, free)
        finally:
            solver.pop()

    def _attempts(
        self, solver: z3.Solver, pack_rule: PackRule, index: int, free: str
    ) -> Witness | str:
        for _ in range(ATTEMPTS):
            if solver.check() != z3.sat:
                break
            simplest = self.simplest
            model = simplest.model(solver) if self.simplify else simplest.any_written(solver)
            document, earlier = realised(self.order, model)
            if index in judge_failed(self.checker, document, earlier, pack_rule.rule.id):
                names = self.simplest.earlier(earlier)
                return Witness(pack_rule.rule.id, index + 1, document, names)
            solver.add(self.simplest.other_than(model))
        return f"the orders the solver built rest on what it does not model: {free}"


def lint(checker: Checker, lines: int = 3, only: Sequence[str] = (), simplest: bool = True) -> Lint:
    """Findings and witnesses for every rule (of `only`, if given). `simplest=False`
    takes the first order the solver finds for each check (coverage needs one, not the
    simplest: a third of the time)."""
    linter = _Linter(checker, lines, simplest)
    findings, witnesses, missing = [], [], []
    for pack_rule in checker.pack.rules:
        if only and pack_rule.rule.id not in only:
            continue
        f, w, m = linter.rule(pack_rule)
        findings += f
        witnesses += w
        missing += m
    return Lint(lines, tuple(findings), tuple(witnesses), tuple(missing))
