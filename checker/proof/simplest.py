"""The simplest order among those a solver's constraints allow, and what the engine
says of it: checker.proof shows no order the engine has not judged.

Simplest means, in turn: the fewest lines; the texts the packs write, order id PROOF-1,
the buyer under its registered name, no earlier ledger totals, no justification or
optional field, a date in the first year of the packs' batches, lines of at most 100
units (each kept where the constraints allow it); then the fewest units and the least
earlier totals.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import z3

from checker.core.results import RuleResult
from checker.judge.checking import Checker
from checker.proof.facts import PackFacts
from checker.proof.orders import Order, ledger_identity
from checker.proof.terms import FRESH, text_val


class ProofError(RuntimeError):
    """The solver and the engine disagree where the solver made no free choice: a bug."""


def _results(
    checker: Checker, document: Mapping[str, Any], earlier: Mapping[str, int]
) -> tuple[RuleResult, ...] | None:
    """Every rule's result for the order from the engine, given earlier orders' ledger
    totals (by ledger identity); None when the pack does not accept the order."""
    from checker.schema.declared import order_records

    try:
        records, extras = order_records(checker.pack.order_places, [document])
    except ValueError:  # pydantic-core's ValidationError: not a valid order here
        return None
    local = checker.deriver.local(records[0], extras[0])
    used = tuple(earlier[ledger_identity(ledger)] for ledger in checker.pack.vocabulary.ledgers)
    outcome = checker.judge(local, used)
    if isinstance(outcome, Exception):
        raise ProofError(f"the engine could not judge a generated order: {outcome}")
    return outcome


def judge(
    checker: Checker, document: Mapping[str, Any], earlier: Mapping[str, int]
) -> dict[str, tuple[str, str]] | None:
    """Each rule's status and message from the engine, or None when the pack does
    not accept the order."""
    results = _results(checker, document, earlier)
    return None if results is None else {r.rule: (r.status, r.message) for r in results}


def judge_failed(
    checker: Checker, document: Mapping[str, Any], earlier: Mapping[str, int], rule_id: str
) -> tuple[int, ...]:
    """The checks of a rule an order fails (0-based), by the engine; none if invalid."""
    results = _results(checker, document, earlier) or ()
    return next((r.failed for r in results if r.rule == rule_id), ())


class Simplest:
    def __init__(
        self, order: Order, facts: Sequence[PackFacts], checkers: Sequence[Checker]
    ) -> None:
        self.order = order
        self.facts = facts
        self.checkers = checkers
        # texts the packs write first: what a pattern makes of another is a free choice
        texts = [g.term for g in order.plain.values()]
        texts += [f.value.term for f in order.fields.values()]
        texts += [f.value.term for line in order.lines for f in line.fields.values()]
        self.written = [t.expr != text_val(FRESH) for t in texts if t.domain and FRESH in t.domain]
        self.hints = self._hints()
        units = z3.Sum([z3.If(line.active, line.units, 0) for line in order.lines])
        # the fewest units, then the least earlier totals: the first order that changes
        self.amounts = [units, *order.used.values()]

    def _hints(self) -> list[z3.BoolRef]:
        """What makes an order simple, tried one at a time once one is found."""
        o = self.order
        named = z3.Or([f.facts["buyer_name_matches"].expr for f in self.facts])
        registered = z3.Or([f.facts["buyer_name"].expr == f.facts["registered_name"].expr
                            for f in self.facts])  # fmt: skip
        written = self.written
        known = [line.model < len(o.universe.models) for line in o.lines]  # catalog models
        known += [line.model == 0 for line in o.lines]  # the catalog's first, if it will do
        hints: list[z3.BoolRef] = [*known, *written, o.order_id == text_val("PROOF-1")]
        hints += [named, registered]
        hints += [v == 0 for v in o.used.values()]
        hints.append(z3.Not(o.justification))
        hints += [z3.Not(f.value.given) for f in o.fields.values()]
        for line in o.lines:
            hints += [z3.Not(f.value.given) for f in line.fields.values()]
        days = [
            b.opens.toordinal() for c in self.checkers for b in c.pack.meta.batches.values()
        ] or [dt.date(2026, 1, 1).toordinal()]
        hints.append(z3.And(o.date >= min(days), o.date <= min(days) + 365))
        hints.append(o.date == min(days))
        hints += [line.units <= 100 for line in o.lines]
        return hints

    def any_written(self, solver: z3.Solver) -> z3.ModelRef:
        """A model of the solver's constraints in texts the packs write, if there is one
        (a quick model that rests on no free choice where it need not)."""
        solver.push()
        solver.add(self.written)
        if solver.check() == z3.sat:
            model = solver.model()
            solver.pop()
            return model
        solver.pop()
        solver.check()
        return solver.model()

    def model(self, solver: z3.Solver) -> z3.ModelRef:
        """The simplest model of the solver's constraints (which it leaves as it found
        them). A preference the current model already meets costs no check."""
        depth = solver.num_scopes()
        o = self.order
        for count in range(1, len(o.lines) + 1):
            solver.push()
            solver.add(o.count == count)
            if solver.check() == z3.sat:
                break
            solver.pop()
        else:
            solver.push()
            solver.check()
        model = solver.model()
        for hint in self.hints:
            solver.push()
            solver.add(hint)
            if z3.is_true(model.eval(hint, model_completion=True)):
                continue
            if solver.check() == z3.sat:
                model = solver.model()
            else:
                solver.pop()
        for amount in self.amounts:
            model = least(solver, amount, model)
        solver.pop(solver.num_scopes() - depth)
        return model

    def other_than(self, model: z3.ModelRef) -> z3.BoolRef:
        """Another order than the one the model gives, in its choices."""
        o = self.order
        picked = [o.buyer, o.name, o.batch, o.count, o.date, o.order_id]
        picked += [line.model for line in o.lines]
        return z3.Or([v != model.eval(v, model_completion=True) for v in picked])

    def earlier(self, earlier: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
        """The nonzero totals by ledger name; where the packs total a name two ways, each
        is named with its key too (`customer by buyer_uscc`)."""
        ledgers = {ledger_identity(g): g for c in self.checkers for g in c.pack.vocabulary.ledgers}
        named = Counter(g.name for g in ledgers.values())
        names = {
            k: g.name if named[g.name] == 1 else f"{g.name} by {', '.join(g.key) or 'nothing'}"
            for k, g in ledgers.items()
        }
        return tuple((names[k], v) for k, v in earlier.items() if v)


def least(solver: z3.Solver, amount: z3.ArithRef, model: z3.ModelRef) -> z3.ModelRef:
    """Hold `amount` at the least value the solver's constraints allow (a search over
    the range, each step one check), and return a model with it."""
    high = model.eval(amount, model_completion=True).as_long()
    low = 0
    while low < high:
        middle = (low + high) // 2
        solver.push()
        solver.add(amount <= middle)
        if solver.check() == z3.sat:
            model = solver.model()
            high = model.eval(amount, model_completion=True).as_long()
        else:
            low = middle + 1
        solver.pop()
    solver.push()
    solver.add(amount == high)
    return model
