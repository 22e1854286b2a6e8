"""Whether two packs judge some order differently, decided by the solver and shown by
the real engine.

For each rule, the solver is asked for an order (within the bounds of
checker.proof.orders) on which the rule's outcome differs between the packs. None:
the rule is proved to judge every such order alike. One: the simplest such order
is made a document and both packs judge it through durable_rules; the difference is
shown only when the engine confirms it. Where the solver's answer rests on a free
choice (a pattern test, a fact it does not model), an unconfirmed order is set aside
and another sought; a disagreement with no free choice in it is a bug (ProofError).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import z3

from checker.judge.checking import Checker
from checker.pack.rulepack import PackRule
from checker.proof import outcomes
from checker.proof.facts import PackFacts
from checker.proof.orders import Order, order, realised
from checker.proof.simplest import ProofError, Simplest, judge

ATTEMPTS = 8  # unconfirmed orders set aside per rule before it is left unsettled
INPUT = "input-error"  # the order is valid under one pack only (their fields differ)
_INVALID = "not a valid order under this pack: its declared fields differ"
_VALID = "a valid order under this pack"
_QUIET = {"absent", "pass", "skip"}


@dataclass(frozen=True)
class Witness:
    """An order (and earlier ledger totals) on which a rule's outcome differs."""

    rule: str
    old: str
    new: str
    old_message: str
    new_message: str
    order: dict[str, Any]
    earlier: tuple[tuple[str, int], ...]  # (ledger, total of earlier orders), nonzero ones


@dataclass(frozen=True)
class Unsettled:
    rule: str
    reason: str


@dataclass(frozen=True)
class Proof:
    lines: int  # the bound on an order's lines
    witnesses: tuple[Witness, ...]
    proved: tuple[str, ...]  # rules that judge every order alike
    unsettled: tuple[Unsettled, ...]

    @property
    def equivalent(self) -> bool:
        return not self.witnesses and not self.unsettled


def changed(old: str, new: str, old_message: str, new_message: str) -> bool:
    """Whether a report shows the change: a status that differs (absent, pass and skip
    all say "no objection"), or a failure or warning worded differently."""
    if old != new:
        return not {old, new} <= _QUIET
    return old not in _QUIET and old_message != new_message


def _failing(rule: PackRule, enforce_proposed: bool) -> int:
    """The status a failed check gives the rule: a proposed rule only warns."""
    proposed = rule.rule.status == "proposed" and not enforce_proposed
    return outcomes.WARN if proposed else outcomes.FAIL


Confirm = Callable[[str, dict[str, Any], dict[str, int]], "Witness | None"]


class _Search:
    def __init__(self, old: Checker, new: Checker, lines: int) -> None:
        self.checkers = (old, new)
        self.order: Order = order((old.pack, new.pack), lines)
        self.facts = tuple(
            PackFacts(c.pack, side, self.order) for side, c in enumerate(self.checkers)
        )
        self.valid = tuple(f.valid() for f in self.facts)
        # choices the validity of an order rests on (whether a text has a form)
        self.valid_free = frozenset(w for f in self.facts for w in f.valid_free)
        self.failing = tuple(
            {r.rule.id: _failing(r, c.enforce_proposed) for r in c.pack.rules}
            for c in self.checkers
        )
        self.simplest = Simplest(self.order, self.facts, self.checkers)

    def rule(self, rule_id: str) -> Witness | Unsettled | None:
        sides = []
        for side, c in enumerate(self.checkers):
            pack_rule: PackRule | None = c.pack.rule(rule_id)
            sides.append(
                outcomes.absent()
                if pack_rule is None
                else outcomes.outcome(pack_rule, self.facts[side], self.failing[side][rule_id])
            )
        a, b = sides
        free = a.free | b.free | self.valid_free
        # a status that differs first, the clearer change; then a failure worded anew
        status = self._solve(
            rule_id, [*self.valid, outcomes.verdicts_differ(a, b)], free, self._confirm_rule
        )
        if status is not None:
            return status
        return self._solve(rule_id, [*self.valid, outcomes.differs(a, b)], free, self._confirm_rule)

    def inputs(self) -> Witness | Unsettled | None:
        old, new = self.valid
        return self._solve(INPUT, [old != new], self.valid_free, self._confirm_input)

    def _solve(
        self, rule_id: str, goal: list[z3.BoolRef], free: frozenset[str], confirm: Confirm
    ) -> Witness | Unsettled | None:
        solver = z3.Solver()
        solver.add(self.order.constraints)
        solver.add(goal)
        for _ in range(ATTEMPTS):
            found = solver.check()
            if found == z3.unsat:
                return None
            if found != z3.sat:
                return Unsettled(rule_id, f"the solver gave up ({solver.reason_unknown()})")
            model = self.simplest.model(solver)
            document, earlier = realised(self.order, model)
            witness = confirm(rule_id, document, earlier)
            if witness is not None:
                return witness
            if not free:
                raise ProofError(
                    f"rule {rule_id}: the solver found an order the packs judge differently, "
                    f"the engine judges it alike: {document!r}, earlier {earlier!r}"
                )
            solver.add(self.simplest.other_than(model))
        reason = ", ".join(sorted(free))
        return Unsettled(
            rule_id, f"may change where it reads what the proof does not model: {reason}"
        )

    def _confirm_rule(
        self, rule_id: str, document: dict[str, Any], earlier: dict[str, int]
    ) -> Witness | None:
        judged = [judge(c, document, earlier) for c in self.checkers]
        if judged[0] is None or judged[1] is None:
            return None
        was = judged[0].get(rule_id, ("absent", ""))
        now = judged[1].get(rule_id, ("absent", ""))
        if not changed(was[0], now[0], was[1], now[1]):
            return None
        return Witness(
            rule_id, was[0], now[0], was[1], now[1], document, self.simplest.earlier(earlier)
        )

    def _confirm_input(
        self, rule_id: str, document: dict[str, Any], earlier: dict[str, int]
    ) -> Witness | None:
        judged = [judge(c, document, earlier) for c in self.checkers]
        if (judged[0] is None) == (judged[1] is None):
            return None
        was, now = (("error", _INVALID) if j is None else ("valid", _VALID) for j in judged)
        return Witness(
            rule_id, was[0], now[0], was[1], now[1], document, self.simplest.earlier(earlier)
        )


def prove(old: Checker, new: Checker, lines: int = 3, only: Iterable[str] = ()) -> Proof:
    """Every rule (of `only`, if given) either proved to judge alike or shown to differ."""
    search = _Search(old, new, lines)
    rules = list(
        dict.fromkeys([r.rule.id for r in old.pack.rules] + [r.rule.id for r in new.pack.rules])
    )
    wanted = set(only)
    if wanted:
        rules = [r for r in rules if r in wanted]
    witnesses, proved, unsettled = [], [], []
    if not wanted:
        found = search.inputs()
        if isinstance(found, Witness):
            witnesses.append(found)
    for rule_id in rules:
        found = search.rule(rule_id)
        if found is None:
            proved.append(rule_id)
        elif isinstance(found, Witness):
            witnesses.append(found)
        else:
            unsettled.append(found)
    return Proof(lines, tuple(witnesses), tuple(proved), tuple(unsettled))
