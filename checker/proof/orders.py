"""One symbolic order, valid or not under each of two packs, and every fact each pack
derives from it, as solver terms.

The order ranges over everything the packs can tell apart, within stated bounds: any
buyer of either pack, any USCC, LEI or id a pack writes, or one of each scheme neither
names, written with any of their names or another; any batch of either pack or none;
any date; 1 to `lines` lines, each of any model of either catalog or none and 1 to 10^9
units; every field either pack declares, given or not; and, per ledger, any total of
earlier orders. Text an order writes freely is one of the texts the packs mention or
one they do not: no condition can tell two unmentioned texts apart (a pattern can: see
checker.proof.terms). Decimals are searched to one place more than any decimal either pack writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from re import _parser  # type: ignore[attr-defined]  # the stdlib's regex reader, for examples
from typing import Any

import z3

from checker.judge.facts import normalise_name
from checker.lang import tree
from checker.lang.tree import Condition
from checker.pack.rulepack import RulePack
from checker.pack.vocabulary import LEDGER_EXACT, MAX_UNITS, Ledger
from checker.proof.terms import FRESH, Term, python_value, rational, text_val
from checker.schema import forms
from checker.schema.declared import ORDER_PLACES
from checker.schema.forms import (
    LONG_TEXT_MAX,
    TEXT_MAX,
    lei_check_digits,
    party_key,
    party_scheme,
    uscc_check_digit,
    visible_length,
)
from checker.schema.records import Declared

FIRST_DAY, LAST_DAY = dt.date(1, 1, 1).toordinal(), dt.date(9999, 12, 31).toordinal()


@dataclass
class Given:
    """A value an order may give: its term, and whether it is given."""

    term: Term
    given: z3.BoolRef


@dataclass
class Field:
    """A declared order field, over both packs: each pack's declaration or None."""

    place: str
    name: str
    declared: tuple[Declared | None, Declared | None]
    value: Given


@dataclass
class Line:
    active: z3.BoolRef
    model: z3.ArithRef  # an index into Universe.models; len(models) is a model neither has
    units: z3.ArithRef
    fields: dict[str, Field]


@dataclass
class Universe:
    """What the two packs name, indexed: the order chooses among these."""

    parties: list[tuple[str, str]]  # (scheme, identifier): listed, written, then unknown
    spellings: list[str]  # one per distinct name (as normalise_name compares them)
    batches: list[str]
    models: list[str]
    texts: tuple[str, ...]  # every text either pack mentions
    scale: int  # decimals are whole multiples of 1/scale
    fresh_name: str
    unknown_batch: str
    unknown_model: str
    letter: str  # a text no pack writes is written with this letter, which none uses


@dataclass
class Order:
    """The symbolic order and the constraints that make it well-formed."""

    universe: Universe
    buyer: z3.ArithRef
    name: z3.ArithRef
    batch: z3.ArithRef
    date: z3.ArithRef
    order_id: z3.SeqRef
    count: z3.ArithRef  # lines
    lines: list[Line]
    justification: z3.BoolRef
    plain: dict[str, Given]  # the v1 optional fields: justification.purpose ...
    lengths: dict[str, z3.ArithRef]  # visible length of each free text
    fields: dict[tuple[str, str], Field]
    used: dict[str, z3.ArithRef]  # per ledger identity: the total of earlier orders
    ids: tuple[str, ...]  # the order ids it may have: those the packs write, and another
    constraints: list[z3.BoolRef] = field(default_factory=list)


def _written(pack: RulePack) -> Iterator[Any]:
    """Every value a pack's conditions compare with and its rules' parameters hold."""
    for c in _conditions(pack):
        for test in tree.tests(c):
            for _, value in tree.literals(test):
                yield value
    for r in pack.rules:
        for param in r.params.values():
            yield from param if isinstance(param, tuple) else (param,)


def _texts(packs: Sequence[RulePack]) -> tuple[str, ...]:
    found: dict[str, None] = {}

    def add(value: Any) -> None:
        if isinstance(value, str):
            found[value] = None
        elif isinstance(value, tuple | list):
            for v in value:
                add(v)

    for pack in packs:
        for value in _written(pack):
            add(value)
        for c in _conditions(pack):
            for test in tree.tests(c):
                if isinstance(test, tree.Matches):
                    add(example(test.pattern))
        for values in pack.vocabulary.lists.values():
            add(values)
        for attrs in pack.attrs.values():
            for value in attrs.values():
                add(value)
        for d in _declared(pack).values():
            add(d.values or ())
            add(example(d.pattern) if d.pattern else None)
    return tuple(found)


def _conditions(pack: RulePack) -> Iterator[Condition]:
    for r in pack.rules:
        yield from (c for c in (r.skip, r.period) if c is not None)
        yield from (check.condition for check in r.checks)
    for d in pack.vocabulary.derivations:
        if d.form is not None:
            yield from (c for c in (d.form.where, d.form.test) if c is not None)
    for ledger in pack.vocabulary.ledgers:
        yield from (c for c in (ledger.counts, ledger.reserved) if c is not None)


def _decimals(packs: Sequence[RulePack]) -> int:
    """One decimal place more than any decimal the packs write."""
    places = [
        -int(Decimal(repr(value)).as_tuple().exponent)
        for pack in packs
        for value in _written(pack)
        if type(value) is float
    ]
    return max(places, default=0) + 1


def _declared(pack: RulePack) -> dict[tuple[str, str], Declared]:
    fields = pack.meta.fields
    if fields is None:
        return {}
    return {
        (place, name): d
        for place in ORDER_PLACES
        for name, d in (getattr(fields, place) or {}).items()
    }


def universe(
    packs: Sequence[RulePack], texts_too: Sequence[str] = (), decimals: int = 0
) -> Universe:
    """What the packs name; `texts_too` and `decimals` widen it to hold one real order."""
    names: dict[str, str] = {}
    for pack in packs:
        for e in pack.meta.entities:
            for n in (e.name, *e.aliases):
                names.setdefault(normalise_name(n), n)
    batches = dict.fromkeys(b for p in packs for b in p.meta.batches)
    models = dict.fromkeys(m for p in packs for m in p.meta.catalog)
    texts = tuple(dict.fromkeys([*_texts(packs), *texts_too]))
    fresh = next(
        f"Another Buyer {i} Co., Ltd."
        for i in range(len(names) + 1)
        if normalise_name(f"Another Buyer {i} Co., Ltd.") not in names
        and f"Another Buyer {i} Co., Ltd." not in texts
    )
    return Universe(
        _parties(packs, texts),
        list(names.values()),
        list(batches),
        list(models),
        texts,
        10 ** max(_decimals(packs), decimals),
        fresh,
        next(f"PROOF-BATCH-{i}" for i in range(len(batches) + 1)
             if f"PROOF-BATCH-{i}" not in batches and f"PROOF-BATCH-{i}" not in texts),
        next(f"proof-model-{i}" for i in range(len(models) + 1)
             if f"proof-model-{i}" not in models and f"proof-model-{i}" not in texts),
        next(c for c in "xqzjkvwbyfgpmhlducnsrioate" + "".join(map(chr, range(0x100, 0x500)))
             if not any(c in t.casefold() for t in texts)),
    )  # fmt: skip


def _parties(packs: Sequence[RulePack], texts: Sequence[str]) -> list[tuple[str, str]]:
    """Every party an order may name, as (scheme, identifier): the packs' entities, each
    text the packs write that has a scheme's form (a condition may compare with it), and
    one of each scheme that nothing names."""
    found: dict[str, str] = {}
    for pack in packs:
        for e in pack.meta.entities:
            found.setdefault(party_key(e), party_scheme(e))
    for t in texts:
        scheme = _scheme_of(t)
        if scheme is not None:
            found.setdefault(t, scheme)
    uscc = "91000000000000000"
    lei = "529900PROOF0000000"
    unknown = {
        "uscc": (uscc + uscc_check_digit(uscc) for _ in (0,)),
        "lei": (f"{lei[:-2]}{i:02d}{lei_check_digits(lei[:-2] + f'{i:02d}')}" for i in range(100)),
        "id": (f"PROOF-PARTY-{i}" for i in range(len(found) + 1)),
    }
    for scheme, candidates in unknown.items():
        found[next(c for c in candidates if c not in found)] = scheme
    return [(scheme, key) for key, scheme in found.items()]


def _scheme_of(text: str) -> str | None:
    """The scheme a text would identify a party by, if an order may give it as one."""
    return forms.code_scheme(text) or ("id" if _is_id(text) else None)


class Builder:
    """Makes the symbolic order's variables, each with its range."""

    def __init__(self, world: Universe) -> None:
        self.world = world
        self.constraints: list[z3.BoolRef] = []
        self.lengths: dict[str, z3.ArithRef] = {}

    def index(self, name: str, size: int) -> z3.ArithRef:
        """A choice among `size` things (and one more: none of them)."""
        var = z3.Int(name)
        self.constraints.append(z3.And(var >= 0, var <= size))
        return var

    def number(self, name: str, low: int | float, high: int | float, whole: bool) -> Term:
        if whole:
            var = z3.Int(name)
            self.constraints.append(z3.And(var >= int(low), var <= int(high)))
            return Term(var, "number")
        steps = z3.Int(f"{name} (x{self.world.scale})")
        value = z3.ToReal(steps) / self.world.scale
        self.constraints.append(z3.And(value >= rational(low), value <= rational(high)))
        return Term(value, "number")

    def text(
        self, name: str, choices: Sequence[str] | None, longest: int, patterns: Sequence[str] = ()
    ) -> Term:
        """A text from `choices`, or any text: one the packs write, one of the form of
        each pattern, or another (FRESH), each with its visible length."""
        var = z3.String(name)
        if choices:
            self.constraints.append(z3.Or([var == text_val(c) for c in choices]))
            return Term(var, "text", tuple(choices))
        length = z3.Int(f"{name} (length)")
        examples = [e for p in patterns if (e := example(p)) is not None]
        values = [t for t in dict.fromkeys([*self.world.texts, *examples]) if _fits(t, longest)]
        options = [z3.And(var == text_val(t), length == visible_length(t)) for t in values]
        options.append(z3.And(var == text_val(FRESH), length >= 0, length <= longest))
        self.constraints.append(z3.Or(options))
        self.lengths[name] = length
        return Term(var, "text", (*values, FRESH))

    def value(self, name: str, d: Declared) -> Term:
        kind = d.type
        if kind == "text":
            return self.text(name, d.values, TEXT_MAX)
        if kind == "boolean":
            return Term(z3.Bool(name), "boolean")
        if kind == "date":
            var = z3.Int(name)
            self.constraints.append(z3.And(var >= FIRST_DAY, var <= LAST_DAY))
            return Term(var, "date")
        low = d.min if d.min is not None else -LEDGER_EXACT
        high = d.max if d.max is not None else LEDGER_EXACT
        return self.number(name, low, high, kind == "integer")


Pair = tuple[Declared | None, Declared | None]


def example(pattern: str) -> str | None:
    """The shortest text of the pattern's form, if Python's reading of the pattern
    gives one the pattern (Rust's syntax) accepts; else None."""
    try:
        parsed = _parser.parse(pattern)
    except (re.error, OverflowError, RecursionError):
        return None
    try:
        found = _shortest(parsed)
    except (KeyError, ValueError, TypeError):
        return None
    return found if forms.has_form(pattern, found) else None


_CATEGORY = {
    "CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_DIGIT": "a", "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": "a",
}  # fmt: skip


def _shortest(items: Any) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_member(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, inner = arg
            out.append(_shortest(inner) * low)
        elif name == "SUBPATTERN":
            out.append(_shortest(arg[-1]))
        elif name == "BRANCH":
            out.append(min((_shortest(b) for b in arg[1]), key=len))
        elif name == "AT":
            continue
        else:
            raise ValueError(name)
    return "".join(out)


def _member(items: Any) -> str:
    if items and str(items[0][0]) == "NEGATE":
        raise ValueError("negated class")
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return _CATEGORY[str(arg)]
    raise ValueError("empty class")


def _union(packs: tuple[RulePack, RulePack]) -> dict[tuple[str, str], Pair]:
    """Every declared field of either pack, with each pack's declaration or None."""
    found: dict[tuple[str, str], Pair] = {}
    old, new = (_declared(pack) for pack in packs)
    for key in dict.fromkeys([*old, *new]):
        found[key] = (old.get(key), new.get(key))
    return found


def _field_value(b: Builder, name: str, ds: Pair) -> Term | None:
    """The field's value term: one both declarations can hold, or None when they
    declare different kinds (such a field only ever tells the packs apart by validity)."""
    present = [d for d in ds if d is not None]
    if len({d.type for d in present}) != 1:
        return None
    d = present[0]
    if d.type == "list":  # what a list holds is not modelled (facts over it are free)
        return Term(z3.BoolVal(True), "list")
    if d.type == "text":
        choices = [v for x in present for v in (x.values or ())]
        closed = all(x.values for x in present)
        patterns = [x.pattern for x in present if x.pattern]
        return b.text(name, list(dict.fromkeys(choices)) if closed else None, TEXT_MAX, patterns)
    return b.value(name, d)


def order(
    packs: tuple[RulePack, RulePack],
    lines: int,
    world: Universe | None = None,
    removable: int = 0,
) -> Order:
    """The symbolic order of 1 to `lines` lines; the first `removable` lines may have 0
    units, which removes them (checker.proof.repair)."""
    world = world or universe(packs)
    b = Builder(world)
    buyer = b.index("buyer", len(world.parties) - 1)
    name = b.index("buyer name", len(world.spellings))
    batch = b.index("batch", len(world.batches))
    date = z3.Int("date")
    b.constraints.append(z3.And(date >= FIRST_DAY, date <= LAST_DAY))
    order_id = z3.String("order_id")
    ids = [t for t in world.texts if _is_id(t)] + ["PROOF-1"]
    b.constraints.append(z3.Or([order_id == text_val(t) for t in ids]))
    count = z3.Int("lines")
    b.constraints.append(z3.And(count >= 1, count <= lines))
    union = _union(packs)
    made = []
    for j in range(lines):
        model = b.index(f"line {j + 1} model", len(world.models))
        # a line that may be removed (a suggested change) has 0 units when it is
        units = b.number(f"line {j + 1} units", int(j >= removable), MAX_UNITS, True).expr
        assert isinstance(units, z3.ArithRef)
        own = {}
        for (place, fname), ds in union.items():
            if place == "lines":
                value = _field_value(b, f"line {j + 1} {fname}", ds)
                if value is not None:
                    given = z3.And(count > j, z3.Bool(f"line {j + 1} {fname} given"))
                    own[fname] = Field(place, fname, ds, Given(value, given))
        active = z3.And(count > j, units > 0) if j < removable else count > j
        made.append(Line(active, model, units, own))
    justification = z3.Bool("justification given")
    plain = {
        "justification.purpose": Given(
            b.text("justification.purpose", None, LONG_TEXT_MAX),
            z3.And(justification, z3.Bool("justification.purpose given")),
        ),
        "justification.site": Given(
            b.text("justification.site", None, TEXT_MAX),
            z3.And(justification, z3.Bool("justification.site given")),
        ),
        "justification.needed_by": Given(
            Term(z3.Int("justification.needed_by"), "date"),
            z3.And(justification, z3.Bool("justification.needed_by given")),
        ),
        "justification.utilization": Given(
            b.number("justification.utilization", 0, 1, False),
            z3.And(justification, z3.Bool("justification.utilization given")),
        ),
    }
    needed = plain["justification.needed_by"].term.expr
    b.constraints.append(z3.And(needed >= FIRST_DAY, needed <= LAST_DAY))
    fields = {}
    for (place, fname), ds in union.items():
        if place == "lines":
            continue
        value = _field_value(b, f"{place}.{fname}", ds)
        if value is None:
            continue
        given = z3.Bool(f"{place}.{fname} given")
        if place == "justification":
            given = z3.And(justification, given)
        fields[(place, fname)] = Field(place, fname, ds, Given(value, given))
    used: dict[str, z3.ArithRef] = {}
    for pack in packs:
        for ledger in pack.vocabulary.ledgers:
            key = ledger_identity(ledger)
            if key not in used:
                var = z3.Int(f"earlier orders in ledger {ledger.name} ({len(used)})")
                b.constraints.append(z3.And(var >= 0, var <= LEDGER_EXACT))
                used[key] = var
    b.constraints += _same_buyer(packs, used, world, buyer)
    made_order = Order(
        world, buyer, name, batch, date, order_id, count, made, justification, plain,
        b.lengths, fields, used, tuple(ids), b.constraints,
    )  # fmt: skip
    for pack in packs:
        made_order.constraints += _ledger_bounds(pack, used)
    return made_order


def _same_buyer(
    packs: Sequence[RulePack], used: Mapping[str, z3.ArithRef], world: Universe, buyer: z3.ArithRef
) -> list[z3.BoolRef]:
    """A ledger keyed on buyer_uscc and one keyed on buyer_id total the same earlier
    orders for a buyer with a USCC (its USCC is its id, and no LEI or id has a USCC's
    form); for another buyer the first totals all buyers without a USCC (they share the
    buyer_uscc ''), so never less than the second."""
    uscc = z3.Or([buyer == i for i, (s, _) in enumerate(world.parties) if s == "uscc"])
    found = []
    for pack in packs:
        for ledger in pack.vocabulary.ledgers:
            key = tuple("buyer_id" if k == "buyer_uscc" else k for k in ledger.key)
            same = ledger_identity(ledger._replace(key=key))
            if same != ledger_identity(ledger) and same in used:
                pooled, own = used[ledger_identity(ledger)], used[same]
                found.append(z3.If(uscc, pooled == own, pooled >= own))
    return found


def _fits(text: str, longest: int) -> bool:
    """Whether an order's text field may hold `text`: a name or code (TEXT_MAX: one
    character or more, none a control character) or a purpose (tabs and line feeds too)."""
    if longest == TEXT_MAX:
        return 0 < len(text) <= longest and text.isprintable()
    return len(text) <= longest and text.replace("\n", "").replace("\t", "").isprintable()


def _is_id(text: str) -> bool:
    """Whether an order may have this text as its id (the schema's form of an id)."""
    return re.fullmatch(forms.ID_FORM, text) is not None


def ledger_identity(ledger: Ledger) -> str:
    """Ledgers that total the same orders the same way share their earlier usage."""
    return repr((ledger.name, ledger.key, ledger.amount, ledger.counts, ledger.order,
                 ledger.period))  # fmt: skip


def _ledger_bounds(pack: RulePack, used: Mapping[str, z3.ArithRef]) -> list[z3.BoolRef]:
    """A ledger whose key holds another's (buyer and batch within batch) totals a part
    of the other's orders: never more than it."""
    found = []
    ledgers = pack.vocabulary.ledgers
    for a in ledgers:
        for other in ledgers:
            same_orders = (a.amount, a.counts, a.period) == (
                other.amount,
                other.counts,
                other.period,
            )
            if a is not other and same_orders and set(other.key) < set(a.key):
                found.append(used[ledger_identity(a)] <= used[ledger_identity(other)])
    return found


def realised(o: Order, model: z3.ModelRef) -> tuple[dict[str, Any], dict[str, int]]:
    """The order document a solver's model describes, and each ledger's earlier total."""
    w = o.universe

    def num(e: z3.ExprRef) -> Any:
        return python_value(model.eval(e, model_completion=True))

    def text(name: str, e: z3.ExprRef) -> str:
        found = num(e)
        if found == FRESH:
            length = int(num(o.lengths[name]))
            return w.letter * length if length else " "  # blank: no visible character
        return str(found)

    def value(name: str, fld: Field) -> Any:
        term = fld.value.term
        if term.kind == "list":
            return []
        if term.kind == "text":
            return text(name, term.expr)
        if term.kind == "date":
            return dt.date.fromordinal(num(term.expr)).isoformat()
        return num(term.expr)

    buyer, spelling, batch = num(o.buyer), num(o.name), num(o.batch)
    doc: dict[str, Any] = {
        "order_id": num(o.order_id),
        "date": dt.date.fromordinal(num(o.date)).isoformat(),
        "buyer": {
            "name": w.spellings[spelling] if spelling < len(w.spellings) else w.fresh_name,
            w.parties[buyer][0]: w.parties[buyer][1],
        },
        "batch": w.batches[batch] if batch < len(w.batches) else w.unknown_batch,
        "lines": [],
    }
    for j, line in enumerate(o.lines[: num(o.count)]):
        m = num(line.model)
        made: dict[str, Any] = {
            "model": w.models[m] if m < len(w.models) else w.unknown_model,
            "units": num(line.units),
        }
        for fname, fld in line.fields.items():
            if num(fld.value.given):
                made[fname] = value(f"line {j + 1} {fname}", fld)
        doc["lines"].append(made)
    if num(o.justification):
        justified: dict[str, Any] = {}
        for path, given in o.plain.items():
            if num(given.given):
                key = path.split(".")[1]
                if given.term.kind == "text":
                    justified[key] = text(path, given.term.expr)
                elif given.term.kind == "date":
                    justified[key] = dt.date.fromordinal(num(given.term.expr)).isoformat()
                else:
                    justified[key] = num(given.term.expr)
        doc["justification"] = justified
    for (place, fname), fld in o.fields.items():
        if not num(fld.value.given):
            continue
        if place == "order":
            doc[fname] = value(f"{place}.{fname}", fld)
        else:
            doc.setdefault(place, {})[fname] = value(f"{place}.{fname}", fld)
    used = {key: num(var) for key, var in o.used.items()}
    return doc, used
