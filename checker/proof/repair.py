"""One suggestion for a failing order: the smallest change to its lines that makes every
failing rule pass, solved over the whole order (adding a domestic unit raises the total
it is a share of, cutting a controlled one lowers every quota it counts in), or the rules
no change to the lines can make pass (a buyer not approved, a window closed).

Everything but the lines is held as the order gives it, and so are earlier orders'
ledger totals. A change may set a line's units (0 removes it; one line stays) and add
up to `extra` lines of any catalog model. Smallest means the fewest added lines, then
the fewest units changed in all, then, of those, the fewest cut. The changed order is
judged by the engine before it is suggested.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import z3

from checker.judge.checking import Checker
from checker.judge.facts import normalise_name
from checker.proof import outcomes
from checker.proof.facts import PackFacts
from checker.proof.orders import FIRST_DAY, Order, ledger_identity, order, universe
from checker.proof.simplest import ProofError, judge
from checker.proof.terms import FRESH, Term, day, python_value, rational, text_val
from checker.schema.forms import PARTY_SCHEMES, visible_length

_OBJECTING = ("fail", "warn")


@dataclass(frozen=True)
class LineChange:
    line: int | None  # 1-based, as the order lists its lines; None: a line to add
    model: str
    before: int  # 0 for a line to add
    after: int
    fields: tuple[tuple[str, Any], ...] = ()  # an added line's declared fields


@dataclass(frozen=True)
class Suggestion:
    failing: tuple[str, ...]  # the rules that fail or warn now
    changes: tuple[LineChange, ...]  # none: no change to the lines helps
    fixed: tuple[str, ...]  # rules the changes make pass
    unfixable: tuple[str, ...]  # rules no change to the lines makes pass


def _texts_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts_of(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts_of(v)]
    return []


def _places(value: Any) -> int:
    """Decimal places the order's numbers are written with."""
    if isinstance(value, float):
        return max(0, -int(Decimal(repr(value)).as_tuple().exponent))
    if isinstance(value, Mapping):
        return max((_places(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_places(v) for v in value), default=0)
    return 0


class _Pins:
    """Constraints holding the symbolic order to a real one, but for its lines' units."""

    def __init__(self, o: Order, document: Mapping[str, Any]) -> None:
        self.o = o
        self.document = document
        self.found: list[z3.BoolRef] = []

    def index(self, var: z3.ArithRef, options: Sequence[object], value: object) -> None:
        self.found.append(var == (options.index(value) if value in options else len(options)))

    def text(self, term: Term, value: str, length: z3.ArithRef | None) -> None:
        if term.domain is not None and value in term.domain:
            self.found.append(term.expr == text_val(value))
        else:
            self.found.append(term.expr == text_val(FRESH))
            if length is not None:
                self.found.append(length == visible_length(value))

    def value(self, term: Term, value: Any, length: z3.ArithRef | None) -> None:
        if term.kind == "list":
            return  # what a list holds is not modelled
        if term.kind == "text":
            self.text(term, str(value), length)
        elif term.kind == "date":
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
            self.found.append(term.expr == day(text))
        elif term.kind == "boolean":
            self.found.append(term.expr == z3.BoolVal(bool(value)))
        else:
            self.found.append(term.expr == rational(value))

    def pin(self) -> list[z3.BoolRef]:
        o, d, w = self.o, self.document, self.o.universe
        buyer = d["buyer"]
        scheme = next(s for s in PARTY_SCHEMES if buyer.get(s) is not None)
        self.index(o.buyer, w.parties, (scheme, buyer[scheme]))
        names = [normalise_name(n) for n in w.spellings]
        self.index(o.name, names, normalise_name(d["buyer"]["name"]))
        self.index(o.batch, w.batches, d["batch"])
        date = d["date"]
        self.found.append(o.date == day(date.isoformat() if isinstance(date, dt.date) else date))
        self.found.append(o.order_id == text_val(d["order_id"]))
        justification = d.get("justification")
        self.found.append(o.justification == z3.BoolVal(justification is not None))
        for path, given in o.plain.items():
            value = (justification or {}).get(path.split(".")[1])
            self.found.append(given.given == z3.BoolVal(value is not None))
            if value is not None:
                self.value(given.term, value, o.lengths.get(path))
        for (place, name), fld in o.fields.items():
            holder = d if place == "order" else d.get(place) or {}
            value = holder.get(name)
            self.found.append(fld.value.given == z3.BoolVal(value is not None))
            if value is not None:
                self.value(fld.value.term, value, o.lengths.get(f"{place}.{name}"))
        lines = d["lines"]
        self.found.append(o.count >= len(lines))
        for j, line in enumerate(lines):
            slot = o.lines[j]
            self.index(slot.model, w.models, line["model"])
            for name, fld in slot.fields.items():
                value = line.get(name)
                self.found.append(fld.value.given == z3.BoolVal(value is not None))
                if value is not None:
                    self.value(fld.value.term, value, o.lengths.get(f"line {j + 1} {name}"))
        for slot in o.lines[len(lines) :]:  # an added line names a catalog model
            self.found.append(slot.model < len(w.models))
        return self.found


def suggest(
    checker: Checker, document: Mapping[str, Any], earlier: Mapping[str, int], extra: int = 2
) -> Suggestion:
    """The smallest change to the order's lines that makes its failing rules pass.
    `earlier` is each ledger's total of earlier orders (by checker.proof.orders'
    ledger identity), as the set the order was checked in gives it."""
    pack = checker.pack
    now = judge(checker, document, earlier)
    if now is None:
        raise ValueError("the order is not valid under the pack")
    failing = tuple(rule for rule, (status, _) in now.items() if status in _OBJECTING)
    if not failing:
        return Suggestion((), (), (), ())
    world = universe((pack, pack), _texts_of(document), _places(document))
    given = len(document["lines"])
    o = order((pack, pack), given + extra, world, removable=given)
    facts = PackFacts(pack, 0, o)
    solver = z3.Solver()
    solver.add(o.constraints)
    solver.add(facts.valid())
    solver.add(_Pins(o, document).pin())
    solver.add(z3.Or([line.active for line in o.lines]))  # an order keeps a line
    solver.add([o.used[ledger_identity(ledger)] == earlier[ledger_identity(ledger)]
                for ledger in pack.vocabulary.ledgers])  # fmt: skip
    status = {r.rule.id: outcomes.outcome(r, facts, outcomes.FAIL).status for r in pack.rules}
    passing = {rule: z3.And(s != outcomes.FAIL, s != outcomes.WARN) for rule, s in status.items()}
    if solver.check() != z3.sat:
        raise ProofError("the solver finds no order like the one given: a bug")
    unfixable = tuple(rule for rule in failing if not _possible(solver, passing[rule]))
    fixable = [rule for rule in failing if rule not in unfixable]
    # the rules that pass now must pass after the change too
    goal = [passing[rule] for rule in status if rule not in unfixable]
    changes = _smallest(solver, o, document, goal) if fixable else None
    if changes is None:
        return Suggestion(failing, (), (), unfixable)
    changed = _apply(document, changes)
    after = judge(checker, changed, earlier)
    if after is None or any(after[rule][0] in _OBJECTING for rule in fixable):
        return Suggestion(failing, (), (), unfixable)  # rests on a free choice: not shown
    return Suggestion(failing, changes, tuple(fixable), unfixable)


def _possible(solver: z3.Solver, goal: z3.BoolRef) -> bool:
    solver.push()
    solver.add(goal)
    found = solver.check() == z3.sat
    solver.pop()
    return bool(found)


def _smallest(
    solver: z3.Solver, o: Order, document: Mapping[str, Any], goal: list[z3.BoolRef]
) -> tuple[LineChange, ...] | None:
    from checker.proof.simplest import least

    given = len(document["lines"])
    solver.push()
    try:
        solver.add(goal)
        if solver.check() != z3.sat:
            return None
        for count in range(given, len(o.lines) + 1):  # the fewest added lines
            solver.push()
            solver.add(o.count == count)
            if solver.check() == z3.sat:
                break
            solver.pop()
        moved, cut = [], []
        for j, slot in enumerate(o.lines):
            if j < given:
                delta = slot.units - document["lines"][j]["units"]
                moved.append(z3.If(delta >= 0, delta, -delta))
                cut.append(z3.If(delta < 0, -delta, 0))
            else:
                moved.append(z3.If(slot.active, slot.units, 0))
        model = least(solver, z3.Sum(moved), solver.model())
        # of the changes that small, one that adds rather than cuts, if there is one
        model = least(solver, z3.Sum(cut), model)
        return _changes(o, document, model)
    finally:
        solver.pop(solver.num_scopes())


def _changes(o: Order, document: Mapping[str, Any], model: z3.ModelRef) -> tuple[LineChange, ...]:
    def num(e: z3.ExprRef) -> Any:
        return model.eval(e, model_completion=True)

    found = []
    lines = document["lines"]
    count = num(o.count).as_long()
    for j, slot in enumerate(o.lines[:count]):
        units = num(slot.units).as_long()
        if j < len(lines):
            if units != lines[j]["units"]:  # 0: remove the line
                found.append(LineChange(j + 1, lines[j]["model"], lines[j]["units"], units))
            continue
        if not units:
            continue
        model_id = o.universe.models[num(slot.model).as_long()]
        fields = []
        for name, fld in slot.fields.items():
            if z3.is_true(num(fld.value.given)):
                fields.append((name, _plain(num(fld.value.term.expr), fld.value.term.kind)))
        found.append(LineChange(None, model_id, 0, units, tuple(fields)))
    return tuple(found)


def _plain(value: z3.ExprRef, kind: str) -> Any:
    if kind == "date":
        return dt.date.fromordinal(max(FIRST_DAY, value.as_long())).isoformat()
    return python_value(value)


def _apply(document: Mapping[str, Any], changes: Sequence[LineChange]) -> dict[str, Any]:
    changed = copy.deepcopy(dict(document))
    for change in changes:
        if change.line is not None:
            changed["lines"][change.line - 1]["units"] = change.after
        else:
            changed["lines"].append({"model": change.model, "units": change.after,
                                     **dict(change.fields)})  # fmt: skip
    changed["lines"] = [line for line in changed["lines"] if line["units"] > 0]
    return changed
