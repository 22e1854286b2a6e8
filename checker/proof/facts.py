"""One pack's facts of the symbolic order (checker.proof.orders), as solver terms: the
built-in facts, the declared ones (checker.pack.vocabulary's forms, read as formulas),
the ledgers' totals, and whether the pack accepts the order at all.

A fact whose form the solver is not given (a count over a list an order or entity
holds) is a free term: the answer says so wherever a condition reads one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import z3

from checker.core.types import DECLARED
from checker.judge.facts import normalise_name
from checker.lang import tree
from checker.lang.tree import Condition
from checker.pack.rulepack import RulePack
from checker.pack.vocabulary import Form, Ledger, ledger_names
from checker.proof.orders import Field, Given, Line, Order, ledger_identity
from checker.proof.terms import (
    FRESH,
    NO_DATE,
    Scope,
    Term,
    condition,
    day,
    rational,
    text_val,
)
from checker.schema import forms


def _ite(cases: Sequence[tuple[z3.BoolRef, z3.ExprRef]], otherwise: z3.ExprRef) -> z3.ExprRef:
    result = otherwise
    for test, value in reversed(cases):
        result = z3.If(test, value, result)
    return result


def reference(value: Any, kind: str) -> z3.ExprRef:
    if kind == "date":
        return z3.IntVal(day(value.isoformat() if isinstance(value, dt.date) else value))
    if kind == "boolean":
        return z3.BoolVal(bool(value))
    if kind == "text":
        return text_val(str(value))
    return rational(value)


def _texts(cases: Sequence[tuple[z3.BoolRef, str]], otherwise: str) -> Term:
    """A text chosen by cases, with its every value."""
    expr = _ite([(test, text_val(value)) for test, value in cases], text_val(otherwise))
    return Term(expr, "text", tuple(dict.fromkeys([v for _, v in cases] + [otherwise])))


_BLANK: dict[str, Any] = {"text": "", "number": 0, "boolean": False, "date": ""}


def _domain(values: Sequence[Any], kind: str) -> tuple[str, ...] | None:
    return tuple(dict.fromkeys(str(v) for v in values)) if kind == "text" else None


class PackFacts:
    """One pack's facts of the symbolic order: each a term, with its validity."""

    def __init__(self, pack: RulePack, side: int, o: Order) -> None:
        self.pack = pack
        self.side = side
        self.order = o
        self.free: set[str] = set()  # facts the solver does not know the meaning of
        self.valid_free: dict[str, z3.BoolRef] = {}  # choices whether a text has a form
        self.facts: dict[str, Term] = {}
        self._builtins()
        for derivation in pack.vocabulary.derivations:
            self.facts[derivation.name] = self._derived(derivation.name, derivation.form)
        for keyed in pack.vocabulary.keyed:
            by = self.facts[keyed.by]
            kind = tree.kind(keyed.spec.type)
            self.facts[keyed.fact] = Term(
                _ite(
                    [(by.expr == reference(k, by.kind), reference(v, kind))
                     for k, v in keyed.values.items()],
                    reference(keyed.default, kind),
                ),
                kind,
                _domain([*keyed.values.values(), keyed.default], kind),
            )  # fmt: skip
        for ledger in pack.vocabulary.ledgers:
            self._ledger(ledger)

    def scope(self, facts: Mapping[str, Term] | None = None) -> Scope:
        return Scope(facts or self.facts)

    # -- built-in facts

    def _builtins(self) -> None:
        o, w, meta = self.order, self.order.universe, self.pack.meta
        text, number, boolean = "text", "number", "boolean"
        entities = {forms.party_key(e): e for e in meta.entities}
        catalog = set(meta.catalog)
        f = self.facts
        f["order_id"] = Term(o.order_id, text, o.ids)
        f["date"] = Term(o.date, "date")
        f["batch"] = _texts([(o.batch == i, b) for i, b in enumerate(w.batches)], w.unknown_batch)
        f["buyer_name"] = _texts(
            [(o.name == i, n) for i, n in enumerate(w.spellings)], w.fresh_name
        )
        f["buyer_uscc"] = self._identifier("uscc").term
        # the last party is the ITE's default: the order names one of them
        *named, (last_scheme, last_key) = w.parties
        f["buyer_id"] = _texts([(o.buyer == i, k) for i, (_, k) in enumerate(named)], last_key)
        f["buyer_scheme"] = _texts(
            [(o.buyer == i, s) for i, (s, _) in enumerate(named)], last_scheme
        )
        unknown = [z3.And(line.active, self._unknown(line.model, catalog)) for line in o.lines]
        f["unknown_model_count"] = Term(z3.Sum([z3.If(u, 1, 0) for u in unknown]), number)
        # the unknown models' names, each with the closest id: only messages show it
        self.free.add("unknown_models")
        f["unknown_models"] = Term(
            z3.String(f"unknown models, catalog {sorted(catalog)!r}, lines {o.lines!r}"), text
        )
        status_cases: list[tuple[z3.BoolRef, str]] = []
        allocation_cases, registered, matches = [], [], []
        for i, (_, key) in enumerate(w.parties):
            entity = entities.get(key)
            if entity is None:
                continue
            registered.append((o.buyer == i, entity.name))
            spelled = {normalise_name(n) for n in (entity.name, *entity.aliases)}
            names = [k for k, s in enumerate(w.spellings) if normalise_name(s) in spelled]
            matches.append(z3.And(o.buyer == i, z3.Or([o.name == k for k in names])))
            cases = []
            for t, batch in enumerate(w.batches):
                standing = entity.batches.get(batch)
                if standing is None:
                    continue
                cases.append((o.batch == t, standing.status))
                if standing.allocation is not None and batch in meta.batches:
                    allocation_cases.append(
                        (z3.And(o.buyer == i, o.batch == t), z3.IntVal(standing.allocation))
                    )
            status_cases += [(z3.And(o.buyer == i, test), status) for test, status in cases]
            status_cases.append((o.buyer == i, "not-approved"))
        f["buyer_status"] = _texts(status_cases, "unknown")
        f["registered_name"] = _texts(registered, "")
        f["buyer_name_matches"] = Term(z3.Or(matches) if matches else z3.BoolVal(False), boolean)
        known = [o.batch == t for t, b in enumerate(w.batches) if b in meta.batches]
        f["batch_known"] = Term(z3.Or(known) if known else z3.BoolVal(False), boolean)
        f["has_allocation"] = Term(z3.Or([c for c, _ in allocation_cases]), boolean)
        f["buyer_allocation"] = Term(_ite(allocation_cases, z3.IntVal(0)), number)

    def _unknown(self, model: z3.ArithRef, catalog: set[str]) -> z3.BoolRef:
        w = self.order.universe
        return z3.And([model != i for i, m in enumerate(w.models) if m in catalog])

    # -- sources: what a declared fact reads

    def source(self, path: str) -> Given | None:
        o, w, meta = self.order, self.order.universe, self.pack.meta
        always = z3.BoolVal(True)
        direct = {
            "order_id": "order_id", "date": "date", "batch": "batch",
            "buyer.name": "buyer_name",
        }  # fmt: skip
        if path in direct:
            return Given(self.facts[direct[path]], always)
        head, _, rest = path.partition(".")
        if head == "buyer" and rest in forms.PARTY_SCHEMES:
            return self._identifier(rest)
        if path in o.plain:
            return o.plain[path]
        if path == "justification":
            return Given(Term(z3.BoolVal(True), "boolean"), o.justification)
        if path in ("batch.opens", "batch.closes"):
            attr = path.split(".")[1]
            cases = [
                (o.batch == t, z3.IntVal(getattr(meta.batches[b], attr).toordinal()))
                for t, b in enumerate(w.batches)
                if b in meta.batches
            ]
            return Given(
                Term(_ite(cases, z3.IntVal(NO_DATE)), "date"), self.facts["batch_known"].expr
            )
        if path == "entity.name":
            return Given(self.facts["registered_name"], self._listed())
        for (place, fname), fld in o.fields.items():
            if (place == "order" and path == fname) or (
                place != "order" and path == f"{place}.{fname}"
            ):
                declared = fld.declared[self.side]
                if declared is None:
                    return None
                return fld.value
        attributes = meta.attributes
        if head in ("batch", "entity") and attributes is not None:
            declared = (attributes.batches if head == "batch" else attributes.entities).get(rest)
            if declared is None or declared.type in ("list", "record"):
                return None
            return self._attribute(head, rest, tree.kind(DECLARED[declared.type]))
        return None

    def _identifier(self, scheme: str) -> Given:
        """The buyer's identifier of one scheme ('' for a buyer identified otherwise),
        given when the buyer is identified so."""
        o = self.order
        named = [(o.buyer == i, k) for i, (s, k) in enumerate(o.universe.parties) if s == scheme]
        return Given(_texts(named, ""), z3.Or([test for test, _ in named]))

    def _listed(self) -> z3.BoolRef:
        w, meta = self.order.universe, self.pack.meta
        listed = {forms.party_key(e) for e in meta.entities}
        return z3.Or(
            [self.order.buyer == i for i, (_, k) in enumerate(w.parties) if k in listed]
            or [z3.BoolVal(False)]
        )

    def _attribute(self, head: str, name: str, kind: str) -> Given:
        o, w, meta = self.order, self.order.universe, self.pack.meta
        cases, given, raw = [], [], []
        if head == "batch":
            for t, b in enumerate(w.batches):
                value = (
                    self.pack.attrs.get(("batches", b), {}).get(name) if b in meta.batches else None
                )
                if value is not None:
                    cases.append((o.batch == t, reference(value, kind)))
                    given.append(o.batch == t)
                    raw.append(value)
        else:
            index = {forms.party_key(e): i for i, e in enumerate(meta.entities)}
            for i, (_, key) in enumerate(w.parties):
                at = index.get(key)
                value = None if at is None else self.pack.attrs.get(("entities", at), {}).get(name)
                if value is not None:
                    cases.append((o.buyer == i, reference(value, kind)))
                    given.append(o.buyer == i)
                    raw.append(value)
        blank = _BLANK[kind]
        term = Term(_ite(cases, reference(blank, kind)), kind, _domain([*raw, blank], kind))
        return Given(term, z3.Or(given) if given else z3.BoolVal(False))

    # -- declared facts

    def _free(self, name: str) -> Term:
        self.free.add(name)
        spec = self.pack.vocabulary.facts[name]
        kind = tree.kind(spec.type)
        # named by what it is derived from, so two packs that derive it alike share it
        meta = self.pack.meta
        label = f"fact {name} #" + hashlib.sha256(repr((
            name, meta.facts, meta.fields, sorted(self.pack.attrs.items(), key=repr),
            meta.catalog, meta.batches, meta.entities,
        )).encode()).hexdigest()[:16]  # fmt: skip
        expr: z3.ExprRef = {
            "text": lambda: z3.String(label),
            "boolean": lambda: z3.Bool(label),
            "date": lambda: z3.Int(label),
            "number": lambda: z3.Int(label) if spec.type is int else z3.Real(label),
        }[kind]()
        return Term(expr, kind)

    def _derived(self, name: str, form: Form | None) -> Term:
        if form is None:
            return self._free(name)
        d = form.decl
        kind = tree.kind(self.pack.vocabulary.facts[name].type)
        if d.value is not None:
            found = self.source(d.value)
            if found is None or found.term.kind != kind:
                return self._free(name)
            value = found.term.expr
            if d.at_least is not None:
                value = z3.If(value < d.at_least, z3.IntVal(d.at_least), value)
            domain = found.term.domain
            if d.default is None:
                return Term(value, kind, domain)
            default = reference(d.default, kind) if kind != "date" else z3.IntVal(NO_DATE)
            if domain is not None:
                domain = tuple(dict.fromkeys([*domain, str(d.default)]))
            return Term(z3.If(found.given, value, default), kind, domain)
        if d.present is not None:
            found = self.source(d.present)
            return Term(found.given, "boolean") if found is not None else self._free(name)
        if d.length is not None:
            found = self.source(d.length)
            length = self._length(d.length)
            if found is None or length is None:
                return self._free(name)
            return Term(z3.If(found.given, length, 0), "number")
        if d.days is not None:
            start, end = (self.source(p) for p in d.days)
            if start is None or end is None:
                return self._free(name)
            value = end.term.expr - start.term.expr
            if d.at_least is not None:
                value = z3.If(value < d.at_least, z3.IntVal(d.at_least), value)
            given = z3.And(start.given, end.given)
            default = d.default if isinstance(d.default, int) else 0
            return Term(z3.If(given, value, z3.IntVal(default)), "number")
        over = d.count if d.count is not None else d.over
        if over != "lines":
            return self._free(name)
        return self._over_lines(name, form, kind)

    def _length(self, path: str) -> z3.ArithRef | None:
        o = self.order
        if path in o.lengths:
            return o.lengths[path]
        for (place, fname), _ in o.fields.items():
            label = fname if place == "order" else f"{place}.{fname}"
            if label == path and f"{place}.{fname}" in o.lengths:
                return o.lengths[f"{place}.{fname}"]
        return None

    def item(self, line: Line) -> tuple[dict[str, Term], dict[str, z3.BoolRef]]:
        """A line's names (units, model, known, model.ATTRIBUTE, declared fields), and
        whether each has a value (a model without the attribute has none)."""
        w, meta = self.order.universe, self.pack.meta
        true = z3.BoolVal(True)
        catalog = set(meta.catalog)
        known = z3.Not(self._unknown(line.model, catalog))
        values: dict[str, Term] = {
            "units": Term(line.units, "number"),
            "model": _texts(
                [(line.model == i, m) for i, m in enumerate(w.models)], w.unknown_model
            ),
            "known": Term(known, "boolean"),
        }  # fmt: skip
        defined: dict[str, z3.BoolRef] = {"units": true, "model": true, "known": true}
        attributes = meta.attributes
        for attr, declared in ((attributes.catalog if attributes else {}) or {}).items():
            if declared.type in ("list", "record"):
                continue
            kind = tree.kind(DECLARED[declared.type])
            cases, has = [], []
            for i, m in enumerate(w.models):
                value = self.pack.attrs.get(("catalog", m), {}).get(attr) if m in catalog else None
                if value is not None:
                    cases.append((line.model == i, reference(value, kind)))
                    has.append(line.model == i)
            found = [self.pack.attrs.get(("catalog", m), {}).get(attr) for m in w.models]
            raw = [v for v in found if v is not None]
            blank = _BLANK[kind]
            values[f"model.{attr}"] = Term(
                _ite(cases, reference(blank, kind)), kind, _domain([*raw, blank], kind)
            )
            defined[f"model.{attr}"] = z3.Or(has) if has else z3.BoolVal(False)
        for fname, fld in line.fields.items():
            if fld.declared[self.side] is not None:
                values[fname] = fld.value.term
                defined[fname] = fld.value.given
        return values, defined

    def _selects(self, c: Condition | None, line: Line) -> z3.BoolRef | None:
        if c is None:
            return z3.BoolVal(True)
        values, defined = self.item(line)
        read = tree.names(c)
        if any(n not in values for n in read):
            return None
        scope = Scope(values)
        return z3.And([defined[n] for n in read] + [condition(c, scope)])

    def _over_lines(self, name: str, form: Form, kind: str) -> Term:
        d = form.decl
        selected, passes = [], []
        for line in self.order.lines:
            sel = self._selects(form.where, line)
            if sel is None:
                return self._free(name)
            selected.append(z3.And(line.active, sel))
            if form.test is not None:
                ok = self._selects(form.test, line)
                if ok is None:
                    return self._free(name)
                passes.append(ok)
        if d.all is not None:
            return Term(
                z3.And([z3.Implies(s, p) for s, p in zip(selected, passes, strict=True)]), "boolean"
            )
        if d.exists is not None:
            return Term(
                z3.Or([z3.And(s, p) for s, p in zip(selected, passes, strict=True)]), "boolean"
            )
        if d.count is not None:
            return Term(z3.Sum([z3.If(s, 1, 0) for s in selected]), "number")
        read = d.sum or d.min or d.max
        assert read is not None
        values = []
        for line in self.order.lines:
            items, defined = self.item(line)
            if read not in items:
                return self._free(name)
            values.append((items[read].expr, defined[read]))
        if d.sum is not None:
            zero = z3.IntVal(0) if self.pack.vocabulary.facts[name].type is int else z3.RealVal(0)
            return Term(
                z3.Sum(
                    [
                        z3.If(z3.And(s, has), v, zero)
                        for s, (v, has) in zip(selected, values, strict=True)
                    ]
                ),
                "number",
            )
        assert d.default is not None and not isinstance(d.default, str | bool)
        result: z3.ExprRef = rational(d.default)
        first = z3.BoolVal(True)
        for s, (v, has) in zip(selected, values, strict=True):
            take = z3.And(s, has)
            better = v < result if d.min is not None else v > result
            result = z3.If(z3.And(take, z3.Or(first, better)), v, result)
            first = z3.And(first, z3.Not(take))
        return Term(result, kind)

    # -- ledgers

    def _ledger(self, ledger: Ledger) -> None:
        before = self.order.used[ledger_identity(ledger)]
        amount = self.facts[ledger.amount].expr
        names = ledger_names(ledger)
        self.facts[names[0]] = Term(before, "number")
        self.facts[names[1]] = Term(before + amount, "number")
        if ledger.limit is not None:
            limit = self.facts[ledger.limit].expr
            remaining = z3.If(limit - before > 0, limit - before, 0)
            self.facts[names[2]] = Term(remaining, "number")
            self.facts[names[3]] = Term(remaining - amount, "number")

    # -- validity

    def _has_form(self, fld: Field, pattern: str, domain: tuple[str, ...]) -> z3.BoolRef:
        """Whether the field's text has the pattern's form: exact for the texts the
        packs write (and the example of each pattern); a free choice for another."""
        value = fld.value.term.expr
        cases = [value == text_val(v) for v in domain if v != FRESH and forms.has_form(pattern, v)]
        if FRESH in domain:
            what = f"{fld.place}.{fld.name} has the form {pattern!r} (a text no pack writes)"
            choice = self.valid_free.setdefault(what, z3.Bool(f"free choice: {what}"))
            cases.append(z3.And(value == text_val(FRESH), choice))
        return z3.Or(cases)

    def valid(self) -> z3.BoolRef:
        """Whether the pack accepts the order: every field it requires given, no field
        it does not declare given, every value within its declaration."""
        parts = []
        fields = [
            *self.order.fields.values(),
            *(f for line in self.order.lines for f in line.fields.values()),
        ]
        for fld in fields:
            d = fld.declared[self.side]
            value, given = fld.value.term.expr, fld.value.given
            if d is None:
                parts.append(z3.Not(given))
                continue
            if d.required and fld.place in ("order", "buyer"):
                parts.append(given)
            if d.values and fld.value.term.kind == "text":
                parts.append(z3.Implies(given, z3.Or([value == text_val(v) for v in d.values])))
            domain = fld.value.term.domain
            if d.pattern and domain is not None:
                parts.append(z3.Implies(given, self._has_form(fld, d.pattern, domain)))
            if fld.value.term.kind == "number":
                if d.min is not None:
                    parts.append(z3.Implies(given, value >= rational(d.min)))
                if d.max is not None:
                    parts.append(z3.Implies(given, value <= rational(d.max)))
        for line in self.order.lines:
            for fld in line.fields.values():
                d = fld.declared[self.side]
                if d is not None and d.required:
                    parts.append(z3.Implies(line.active, fld.value.given))
        return z3.And(parts) if parts else z3.BoolVal(True)
