"""A pack's fact vocabulary: the built-in facts plus those its pack.yaml declares.

durable_rules compares fields of one flat fact; it cannot sum lines, walk a ledger,
count code points or subtract dates. A pack declares such facts as data (`facts:` and
`ledgers:` in pack.yaml); this module type-checks each declaration against the order's
fields and the reference data's attributes, and compiles it into a plain function
computed once per order before the assert (checker.judge.facts runs them). Nothing is
eval'd: the kinds are fixed (value, present, length, days, sum, min, max, count, all,
exists), and their conditions are the condition language, evaluated exactly.

A path names where a value comes from: an order field (`date`, `buyer.uscc`,
`justification.purpose`, or one the pack declares), an attribute of what the order
names (`batch.cap`, `entity.name`: the entity the buyer's identifier names), or inside
`over:` an item's field (`units`, `model`, `known`, `model.origin`, a declared line
field; `item` for a list of values).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from checker.core.dates import Date
from checker.core.problems import Problem
from checker.core.suggestions import did_you_mean, unknown
from checker.core.types import DECLARED, NUMBERS, VALUE_TYPES
from checker.lang import check, evaluate, tree
from checker.lang.tree import Condition, ExpressionError, ParamValue, Value
from checker.schema.declared import ORDER_PLACES, Extras, Pattern
from checker.schema.forms import (
    ENGINE_EXACT,
    ITEMS_MAX,
    LONG_TEXT_MAX,
    PARTY_SCHEMES,
    TEXT_MAX,
    party_key,
    party_scheme,
    visible_length,
)
from checker.schema.records import CatalogList, Declared, FactDecl, LedgerDecl, Order, PackMeta
from checker.source.documents import Document, Loc

# An order has at most ITEMS_MAX lines of at most 10**9 units (checker/schema/models.py).
MAX_LINES = ITEMS_MAX
MAX_UNITS = 10**9
ORDER_UNITS = MAX_LINES * MAX_UNITS
DAYS = (dt.date.max - dt.date.min).days
# A ledger total an order may see (an input error beyond, checker.judge.checking): a quarter
# of the engine's exact range, so a condition may add or subtract a limit and an order's
# amount to it and stay exact (`cap - customer_used_before`).
LEDGER_EXACT = ENGINE_EXACT // 4
Locator = Callable[[Order, Extras], Loc]


class FactSpec(NamedTuple):
    type: type
    doc: str
    # the largest magnitude a numeric fact can take, so a pack's arithmetic can be
    # proven to stay inside the engine's exact range when it loads
    bound: int = 0
    choices: tuple[str, ...] = ()  # a text fact's every possible value, if closed
    # facts that change with this one, and by how much per unit: adding a domestic unit
    # adds one to total_units (so a fix is computed with them; checker.pack.soundness)
    moves: tuple[tuple[str, int], ...] = ()
    # facts that may or may not change with this one (no fix number can be given)
    unsure: tuple[str, ...] = ()
    # a parameter's value per key: every value it can take (constant for one order)
    constants: tuple[Any, ...] = ()


class Order_(NamedTuple):
    """What a declared fact reads: the order, its declared values, and what it names."""

    order: Order
    extras: Extras
    batch: Any  # the batch record, or None
    batch_attrs: Mapping[str, Any]
    entity: Any  # the entity the buyer's identifier names, or None
    entity_attrs: Mapping[str, Any]


class _Source(NamedTuple):
    kind: str  # text integer decimal boolean date list record
    get: Callable[[Order_], Any]  # None when not given
    loc: Loc  # where locating points
    own: bool  # an order field, not reference data it names
    optional: bool
    bound: int
    choices: tuple[str, ...] = ()
    of: str | None = None  # a list's item kind
    declared: Declared | None = None


class Form(NamedTuple):
    """How a declared fact is derived, as data: what checker.proof reasons over
    (`compute` is the same derivation, as a function)."""

    decl: FactDecl
    where: Condition | None = None  # which items of `over` count, parsed
    test: Condition | None = None  # all: / exists:, parsed


class Derivation(NamedTuple):
    """A declared fact compiled: its spec, its function, where it points."""

    name: str
    spec: FactSpec
    compute: Callable[[Order_], Any]
    locate: Locator
    form: Form | None = None


class Ledger(NamedTuple):
    name: str
    key: tuple[str, ...]
    amount: str
    counts: Condition | None
    reserved: Condition | None  # of the counted orders, those only reserving their amount
    limit: str | None
    order: tuple[str, ...]
    period: str | None


class KeyedParam(NamedTuple):
    """A rule parameter with a value per key: a fact the Deriver looks up per order."""

    fact: str  # `<parameter>@<rule-id>`: no declared fact or other rule's can clash
    by: str  # the fact whose value is the key
    values: Mapping[Any, Any]
    default: Any  # for a key not in values
    spec: FactSpec


class Vocabulary(NamedTuple):
    """Everything a pack's rules may read, and how each value is derived."""

    facts: dict[str, FactSpec]  # every fact: built-in, declared, ledger
    derivations: tuple[Derivation, ...]  # declared facts, in declaration order
    ledgers: tuple[Ledger, ...]
    locators: dict[str, Locator]
    references: dict[str, frozenset[str]]  # text facts whose known values are listed
    lists: dict[str, ParamValue]  # the pack's lists, named like list parameters
    # the catalog models each sum of line units selects, where that depends on the
    # model alone (for generating orders: checker.authoring.strategies)
    selections: dict[str, frozenset[str]]
    keyed: tuple[KeyedParam, ...] = ()  # the rules' parameters with a value per key

    def types(self) -> dict[str, type]:
        return {name: spec.type for name, spec in self.facts.items()}

    def ledger_facts(self) -> tuple[str, ...]:
        return tuple(n for ledger in self.ledgers for n in ledger_names(ledger))


def ledger_names(ledger: Ledger) -> tuple[str, ...]:
    names = [f"{ledger.name}_used_before", f"{ledger.name}_used_after"]
    if ledger.limit:
        names += [f"{ledger.name}_remaining", f"{ledger.name}_remaining_after"]
    return tuple(names)


def _at(*loc: str | int) -> Locator:
    return lambda _order, _extras: loc


def _identifier(order: Order, _extras: Extras) -> Loc:
    """Where the buyer's identifier is, whichever its scheme."""
    return ("buyer", party_scheme(order.buyer))


def _first_unknown(catalog: Mapping[str, Any]) -> Locator:
    def locate(order: Order, _extras: Extras) -> Loc:
        i = next((i for i, line in enumerate(order.lines) if line.model not in catalog), None)
        return ("lines",) if i is None else ("lines", i, "model")

    return locate


# Built-in facts: what every pack's reference data has (a catalog, batches, entities
# with a standing per batch), so no pack needs to declare them.
BUILTIN: dict[str, tuple[FactSpec, Locator | None]] = {
    "order_id": (FactSpec(str, "the order's id"), _at("order_id")),
    "date": (FactSpec(Date, "the order date, YYYY-MM-DD"), _at("date")),
    "batch": (FactSpec(str, "the licence batch the order draws on"), _at("batch")),
    "buyer_name": (FactSpec(str, "the buyer name as written in the order"), _at("buyer", "name")),
    "buyer_uscc": (
        FactSpec(str, "the buyer's USCC, or '' for a buyer identified otherwise"),
        _identifier,
    ),
    "buyer_id": (
        FactSpec(str, "the buyer's identifier, whichever its scheme: a USCC, an LEI or an id"),
        _identifier,
    ),
    "buyer_scheme": (
        FactSpec(
            str,
            "how the buyer is identified: uscc, lei, or id (the pack's own)",
            choices=PARTY_SCHEMES,
        ),
        _identifier,
    ),
    "unknown_model_count": (
        FactSpec(int, "lines whose model is not in the catalog", bound=MAX_LINES),
        None,
    ),
    "unknown_models": (FactSpec(str, "unknown models, each with the closest catalog id"), None),
    "buyer_status": (
        FactSpec(
            str,
            "the buyer's standing for the order's batch by its identifier: approved, queued, "
            "not-approved (listed, but not for this batch) or unknown",
            choices=("approved", "queued", "not-approved", "unknown"),
        ),
        _identifier,
    ),
    "registered_name": (
        FactSpec(str, "the registered name of the buyer's identifier, or ''"),
        _identifier,
    ),
    "buyer_name_matches": (
        FactSpec(
            bool, "the buyer name equals the registered name or an alias (NFKC, casefold, spaces)"
        ),
        _at("buyer", "name"),
    ),
    "batch_known": (FactSpec(bool, "the batch is in the rule pack"), _at("batch")),
    "has_allocation": (
        FactSpec(bool, "the buyer has an allocation in the order's batch"),
        _at("batch"),
    ),
    "buyer_allocation": (
        FactSpec(int, "the buyer's allocation in the batch (0 if none)", bound=ENGINE_EXACT),
        _identifier,
    ),
}


def _order_sources(meta: PackMeta) -> dict[str, _Source]:
    """Every path an order-level fact may read."""
    s: dict[str, _Source] = {
        "order_id": _Source("text", lambda c: c.order.order_id, ("order_id",), True, False, 0),
        "date": _Source("date", lambda c: c.order.date, ("date",), True, False, 0),
        "batch": _Source("text", lambda c: c.order.batch, ("batch",), True, False, 0),
        "buyer.name": _Source(
            "text", lambda c: c.order.buyer.name, ("buyer", "name"), True, False, 0
        ),
        **{
            f"buyer.{scheme}": _Source("text", _party(scheme), ("buyer", scheme), True, True, 0)
            for scheme in PARTY_SCHEMES
        },
        "lines": _Source("list", lambda c: c.order.lines, ("lines",), True, False, MAX_LINES),
        "justification": _Source(
            "record", lambda c: c.order.justification, ("justification",), True, True, 0
        ),
        "batch.opens": _Source(
            "date", lambda c: c.batch.opens if c.batch else None, ("batch",), False, True, 0
        ),
        "batch.closes": _Source(
            "date", lambda c: c.batch.closes if c.batch else None, ("batch",), False, True, 0
        ),
        "entity.name": _Source(
            "text", lambda c: c.entity.name if c.entity else None, ("buyer",), False, True, 0
        ),
    }
    for field, bound in (("purpose", LONG_TEXT_MAX), ("site", TEXT_MAX)):
        s[f"justification.{field}"] = _Source(
            "text", _justified(field), ("justification", field), True, True, bound
        )
    s["justification.needed_by"] = _Source(
        "date", _justified("needed_by"), ("justification", "needed_by"), True, True, 0
    )
    s["justification.utilization"] = _Source(
        "decimal", _justified("utilization"), ("justification", "utilization"), True, True, 1
    )
    fields = meta.fields
    for place, declared in (
        ("order", fields.order if fields else {}),
        ("buyer", fields.buyer if fields else {}),
        ("justification", fields.justification if fields else {}),
    ):
        at: Loc = ORDER_PLACES[place]
        for name, d in declared.items():
            path = name if place == "order" else f"{place}.{name}"
            s[path] = _declared_source(d, _extra(at, name), (*at, name), True, place != "order")
    attributes = meta.attributes
    for prefix, declared, get_attrs, loc in (
        ("batch", attributes.batches if attributes else {}, "batch_attrs", ("batch",)),
        ("entity", attributes.entities if attributes else {}, "entity_attrs", ("buyer",)),
    ):
        for name, d in declared.items():
            s[f"{prefix}.{name}"] = _declared_source(d, _attr(get_attrs, name), loc, False, True)
    return s


def _party(scheme: str) -> Callable[[Order_], Any]:
    return lambda c: getattr(c.order.buyer, scheme)


def _justified(field: str) -> Callable[[Order_], Any]:
    def get(c: Order_) -> Any:
        j = c.order.justification
        return getattr(j, field) if j is not None else None

    return get


def _extra(at: Loc, name: str) -> Callable[[Order_], Any]:
    return lambda c: c.extras.get(at, {}).get(name)


def _attr(which: str, name: str) -> Callable[[Order_], Any]:
    return lambda c: getattr(c, which).get(name)


def _declared_source(
    d: Declared, get: Callable[[Order_], Any], loc: Loc, own: bool, in_optional: bool
) -> _Source:
    kind = d.type
    low = d.min if d.min is not None else -ENGINE_EXACT
    high = d.max if d.max is not None else ENGINE_EXACT
    bound = int(max(abs(low), abs(high))) if (d.of or kind) in NUMBERS else 0
    if kind == "list":
        bound = ITEMS_MAX
    if (d.of or kind) == "text" and d.values is None:
        bound = TEXT_MAX
    choices = tuple(d.values) if d.values and kind == "text" else ()
    return _Source(kind, get, loc, own, not d.required or in_optional, bound, choices, d.of, d)


class _CatalogLine(NamedTuple):
    """A catalog model as a line of no units, for a condition on lines."""

    model: str
    units: int = 0


class _Item(NamedTuple):
    """The names an item of `over:` has, their kinds, and how each is read."""

    kinds: dict[str, str]
    getters: dict[str, Callable[[Any], Any]]
    model_only: frozenset[str]  # names that depend on the line's model alone


_MISSING = object()


def _line_item(meta: PackMeta, catalog_attrs: Mapping[str, Mapping[str, Any]]) -> _Item:
    kinds = {"units": "integer", "model": "text", "known": "boolean"}
    getters: dict[str, Callable[[Any], Any]] = {
        "units": lambda item: item[0].units,
        "model": lambda item: item[0].model,
        "known": lambda item: item[0].model in catalog_attrs,
    }
    model_only = {"model", "known"}
    attributes = meta.attributes
    for name, d in (attributes.catalog if attributes else {}).items():
        kinds[f"model.{name}"] = d.type if d.type != "list" else "list"
        getters[f"model.{name}"] = _model_attr(catalog_attrs, name)
        model_only.add(f"model.{name}")
    fields = meta.fields
    for name, d in (fields.lines if fields else {}).items():
        kinds[name] = d.type
        getters[name] = _line_field(name)
    return _Item(kinds, getters, frozenset(model_only))


def _model_attr(catalog: Mapping[str, Mapping[str, Any]], name: str) -> Callable[[Any], Any]:
    def get(item: Any) -> Any:
        attrs = catalog.get(item[0].model)
        return _MISSING if attrs is None else attrs.get(name, _MISSING)

    return get


def _line_field(name: str) -> Callable[[Any], Any]:
    return lambda item: item[1].get(name, _MISSING)


def _comparable(kind: str, value: Any) -> Any:
    """A value as the condition language sees it: dates as ISO text, floats with 0.0
    for -0.0 (equal numbers are one fact)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if type(value) is float:
        return value + 0.0
    return value


class Builder:
    """Builds a Vocabulary from a validated pack.yaml and its declared attributes."""

    def __init__(self, doc: Document, meta: PackMeta, extras: Extras) -> None:
        self.doc = doc
        self.meta = meta
        self.problems: list[Problem] = []
        self.catalog_attrs = {cid: extras.get(("catalog", cid), {}) for cid in meta.catalog}
        self.sources = _order_sources(meta)
        self.item = _line_item(meta, self.catalog_attrs)
        self.lists: dict[str, ParamValue] = {
            n: tuple(v) for n, v in meta.lists.items() if isinstance(v, list)
        }
        for name, query in meta.lists.items():
            if not isinstance(query, list):
                self.lists[name] = self._catalog_list(name, query)
        self.made: dict[str, Derivation] = {}  # declared facts, as they are built
        self.specs: dict[str, FactSpec] = {n: spec for n, (spec, _) in BUILTIN.items()}
        self.locators: dict[str, Locator] = {
            n: loc or _first_unknown(meta.catalog) for n, (_, loc) in BUILTIN.items()
        }
        self.line_sums: dict[str, tuple[str, frozenset[str] | None]] = {}
        self.ledger_made: set[str] = set()  # facts ledgers make: not readable by a ledger
        self.parsed: dict[str, tuple[Condition | None, Condition | None]] = {}  # where, test

    def _catalog_list(self, name: str, query: CatalogList) -> tuple[Value, ...]:
        """The values of a list drawn from the catalog (`{catalog: vendor, where:
        model.certified == true}`), each once, in catalog order."""
        loc: Loc = ("lists", name)
        types = {n: DECLARED[k] for n, k in self.item.kinds.items() if k in DECLARED}
        where = self._item_condition((*loc, "where"), query.where, types)
        if where is _MISSING:
            return ()
        if where is not None and not set(tree.names(where)) <= self.item.model_only:
            self.problem((*loc, "where"), "a catalog list selects by the model and its "
                         "attributes only (model, known, model.ATTRIBUTE)")  # fmt: skip
            return ()
        declared = {"id"} | {a for attrs in self.catalog_attrs.values() for a in attrs}
        if query.catalog not in declared:
            hint = did_you_mean(query.catalog, declared)
            self.problem(
                (*loc, "catalog"), f"{query.catalog!r} is no attribute of the catalog{hint}"
            )
            return ()
        selects = self._selector(where, self.item)
        found: dict[Value, None] = {}
        for model, attrs in self.catalog_attrs.items():
            value = model if query.catalog == "id" else attrs.get(query.catalog)
            if value is not None and selects((_CatalogLine(model), {})):
                found[value] = None
        return tuple(found)

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(loc, message, key=key))

    def build(self) -> Vocabulary | list[Problem]:
        derivations = []
        for name, decl in self.meta.facts.items():
            if name in self.specs:
                self.problem(("facts", name), f"fact {name!r} is built in: rename it", key=True)
                continue
            if name in self.lists:
                self.problem(("facts", name), f"{name!r} is also a list: rename one", key=True)
                continue
            made = self._fact(name, decl)
            if made is not None:
                made = made._replace(form=Form(decl, *self.parsed.pop(name, (None, None))))
                derivations.append(made)
                self.made[name] = made
                self.specs[name] = made.spec
                self.locators[name] = made.locate
        self._moves(derivations)
        ledgers = []
        for name, ledger_decl in self.meta.ledgers.items():
            made_ledger = self._ledger(name, ledger_decl)
            if made_ledger is not None:
                ledgers.append(made_ledger)
        if self.problems:
            return self.problems
        references = {
            "batch": frozenset(self.meta.batches),
            "buyer_uscc": frozenset(e.uscc for e in self.meta.entities if e.uscc),
            "buyer_id": frozenset(party_key(e) for e in self.meta.entities),
            "registered_name": frozenset(e.name for e in self.meta.entities),
        }
        derivations = [d._replace(spec=self.specs[d.name]) for d in derivations]
        return Vocabulary(
            self.specs,
            tuple(derivations),
            tuple(ledgers),
            self.locators,
            references,
            self.lists,
            {n: models for n, (_, models) in self.line_sums.items() if models is not None},
        )

    # --- facts --------------------------------------------------------------------

    def _source(self, loc: Loc, path: str) -> _Source | None:
        found = self.sources.get(path)
        if found is None:
            hint = did_you_mean(path, self.sources)
            self.problem(loc, f"{path!r} is not an order field or attribute{hint}")
        return found

    def _fact(self, name: str, decl: FactDecl) -> Derivation | None:
        doc = decl.description.strip()
        if decl.value is not None:
            return self._value(name, decl, doc)
        if decl.present is not None:
            source = self._source(("facts", name, "present"), decl.present)
            if source is None:
                return None
            get = source.get
            return Derivation(
                name,
                FactSpec(bool, doc),
                lambda c: get(c) is not None,
                self._locate(source),
            )
        if decl.length is not None:
            source = self._source(("facts", name, "length"), decl.length)
            if source is None:
                return None
            if source.kind != "text":
                self.problem(
                    ("facts", name, "length"), f"length: {decl.length} is {source.kind}, not text"
                )
                return None
            get = source.get

            def length(c: Order_) -> int:
                text = get(c)
                return visible_length(text) if text else 0

            return Derivation(
                name, FactSpec(int, doc, bound=source.bound or 5000), length, self._locate(source)
            )
        if decl.days is not None:
            return self._days(name, decl, doc)
        return self._over(name, decl, doc)

    def _locate(self, *sources: _Source) -> Locator:
        own = [s for s in sources if s.own]
        loc = (own[-1] if own else sources[-1]).loc
        return lambda _order, _extras: loc

    def _value(self, name: str, decl: FactDecl, doc: str) -> Derivation | None:
        assert decl.value is not None
        loc: Loc = ("facts", name, "value")
        source = self._source(loc, decl.value)
        if source is None:
            return None
        if source.kind in ("list", "record"):
            self.problem(loc, f"value: {decl.value} is a {source.kind}: use count, all or exists")
            return None
        default = self._default(name, decl, source.kind, source.optional)
        if default is _MISSING:
            return None
        get, kind, floor = source.get, source.kind, decl.at_least

        def value(c: Order_) -> Any:
            found = get(c)
            if found is None:
                return default
            found = _comparable(kind, found)
            return found if floor is None else max(floor, found)

        # a closed set of values, and the default when the value is not given
        choices = (*source.choices, default) if source.choices and default is not None else ()
        spec = FactSpec(DECLARED[kind], doc, bound=source.bound, choices=choices or source.choices)
        return Derivation(name, spec, value, self._locate(source))

    def _default(self, name: str, decl: FactDecl, kind: str, optional: bool) -> Any:
        """The fact's value when its path is not given: declared, of the fact's type."""
        loc: Loc = ("facts", name, "default")
        if not optional:
            if decl.default is not None:
                self.problem(loc, "the value is always given: drop default")
                return _MISSING
            return None
        if decl.default is None:
            self.problem(
                ("facts", name),
                "the value may not be given: add default: (the fact's value then)",
                key=True,
            )
            return _MISSING
        wanted = str if kind == "date" else DECLARED[kind]
        default = decl.default
        ok = type(default) is wanted or (wanted is float and type(default) is int)
        if not ok:
            self.problem(loc, f"default must be {kind}, like the value")
            return _MISSING
        if kind == "date" and default != "":
            self.problem(loc, "a missing date is '' (the empty text): default: ''")
            return _MISSING
        return float(default) if wanted is float else default

    def _days(self, name: str, decl: FactDecl, doc: str) -> Derivation | None:
        assert decl.days is not None
        sources = []
        for index, path in enumerate(decl.days):
            source = self._source(("facts", name, "days", index), path)
            if source is None:
                return None
            if source.kind != "date":
                self.problem(("facts", name, "days", index), f"{path} is {source.kind}, not a date")
                return None
            sources.append(source)
        start, end = sources[0].get, sources[1].get
        optional = any(s.optional for s in sources)
        default = self._default(name, decl, "integer", optional)
        if default is _MISSING:
            return None
        floor = decl.at_least

        def days(c: Order_) -> Any:
            a, b = start(c), end(c)
            if a is None or b is None:
                return default
            found = (b - a).days
            return found if floor is None else max(floor, found)

        return Derivation(name, FactSpec(int, doc, bound=DAYS), days, self._locate(*sources))

    def _over(self, name: str, decl: FactDecl, doc: str) -> Derivation | None:
        """sum, min, max, count, all and exists over the lines or a list field."""
        over = decl.count if decl.count is not None else decl.over
        where_loc: Loc = ("facts", name, "count" if decl.count is not None else "over")
        source = self._source(where_loc, over)
        if source is None:
            return None
        if source.kind != "list":
            self.problem(where_loc, f"{over} is {source.kind}, not a list of items")
            return None
        if over == "lines":
            item = self.item
            items = _items(over, source.get)
        else:
            item, items = self._listed(source)
        types = {n: DECLARED[k] for n, k in item.kinds.items() if k in DECLARED}
        where = self._item_condition(("facts", name, "where"), decl.where, types)
        if where is _MISSING:
            return None
        selects = self._selector(where, item)
        self.parsed[name] = (where, None)
        if decl.all is not None or decl.exists is not None:
            kind = "all" if decl.all is not None else "exists"
            test = self._item_condition(("facts", name, kind), decl.all or decl.exists, types)
            if test is _MISSING or test is None:
                return None
            self.parsed[name] = (where, test)
            passes = self._selector(test, item)
            if kind == "all":

                def every(c: Order_) -> bool:
                    return all(passes(i) for i in items(c) if selects(i))

                return Derivation(
                    name, FactSpec(bool, doc), every, self._first_failing(selects, passes, over)
                )

            def some(c: Order_) -> bool:
                return any(passes(i) and selects(i) for i in items(c))

            return Derivation(name, FactSpec(bool, doc), some, _at(*source.loc))
        if decl.count is not None:

            def count(c: Order_) -> int:
                return sum(1 for i in items(c) if selects(i))

            return Derivation(name, FactSpec(int, doc, bound=MAX_LINES), count, _at(*source.loc))
        field = decl.sum or decl.min or decl.max
        assert field is not None
        kind_loc: Loc = ("facts", name, "sum" if decl.sum else "min" if decl.min else "max")
        field_kind = item.kinds.get(field)
        if field_kind not in NUMBERS:
            known = [n for n, k in item.kinds.items() if k in NUMBERS]
            what = "not a field of the items" if field_kind is None else f"{field_kind}"
            self.problem(kind_loc, f"{field} is {what}: the numbers here are {', '.join(known)}")
            return None
        read = item.getters[field]
        field_bound = MAX_UNITS if field == "units" else self._item_bound(field)
        py = DECLARED[field_kind]
        locate = self._largest(selects, read, over, field) if over == "lines" else _at(*source.loc)
        if decl.sum is not None:
            if decl.default is not None:
                self.problem(("facts", name, "default"), "a sum of nothing is 0: drop default")
                return None
            models = self._model_set(where, item) if over == "lines" else None
            if over == "lines" and field == "units":
                self.line_sums[name] = (field, models)
            total: Callable[[Order_], Any]
            if field == "units" and (models is not None or where is None):
                total = _unit_sum(models)  # the common case, without an item per line
            else:

                def total(c: Order_) -> Any:
                    return sum((read(i) for i in items(c) if selects(i)), py(0))

            spec = FactSpec(py, doc, bound=field_bound * MAX_LINES)
            return Derivation(name, spec, total, locate)
        if decl.default is None or type(decl.default) is not py:
            self.problem(
                ("facts", name),
                f"add default: ({field_kind}, the value when no item is selected)",
                key=True,
            )
            return None
        pick = min if decl.min is not None else max
        fallback = decl.default

        def extreme(c: Order_) -> Any:
            return pick((read(i) for i in items(c) if selects(i)), default=fallback)

        return Derivation(name, FactSpec(py, doc, bound=field_bound), extreme, locate)

    def _item_bound(self, field: str) -> int:
        fields = self.meta.fields
        d = (fields.lines if fields else {}).get(field)
        if d is None:
            return ENGINE_EXACT
        low = d.min if d.min is not None else -ENGINE_EXACT
        high = d.max if d.max is not None else ENGINE_EXACT
        return int(max(abs(low), abs(high)))

    def _listed(self, source: _Source) -> tuple[_Item, Callable[[Order_], Any]]:
        """The items of a list a field or an attribute holds (an entity's approved
        sites), each with the order it is tested for: a condition on them reads `item`
        and the order's declared facts made before (`exists: item == site`)."""
        kinds: dict[str, str] = {"item": source.of or "text"}
        getters: dict[str, Callable[[Any], Any]] = {"item": lambda pair: pair[0]}
        for fact, (builtin, read) in _ORDER_BUILTINS.items():  # the order's own built-ins
            kinds[fact] = builtin
            getters[fact] = functools.partial(_of_order, read)
        for fact, made in self.made.items():
            found = VALUE_TYPES.get(made.spec.type)
            kind = found.declared if found else None
            if kind is not None and fact != "item":
                kinds[fact] = kind
                getters[fact] = functools.partial(_of_order, made.compute)
        get = source.get
        return _Item(kinds, getters, frozenset()), lambda c: [(v, c) for v in get(c) or ()]

    def _item_condition(self, loc: Loc, text: str | None, types: dict[str, type]) -> Any:
        if text is None:
            return None
        try:
            condition = check.condition(text, types, self.lists)
        except ExpressionError as exc:
            self.problem(loc, f"in {loc[-1]}: {exc}")
            return _MISSING
        if "model" in types and (unknown := self._unknown_model(condition)):
            self.problem(loc, f"in {loc[-1]}: {unknown}")
            return _MISSING
        return condition

    def _unknown_model(self, condition: Condition) -> str | None:
        """A model id a condition names that the catalog does not have: a misspelt id
        would select no line, and the fact would quietly count nothing."""
        for test in tree.tests(condition):
            for side, model in tree.literals(test):
                if side == tree.Fact("model") and model not in self.catalog_attrs:
                    return unknown(str(model), "a model of the catalog", self.catalog_attrs)
        return None

    def _selector(self, condition: Condition | None, item: _Item) -> Callable[[Any], bool]:
        """Whether an item is selected: a set lookup when the condition reads the model
        alone (computed over the catalog once), else the condition for each item. An
        item missing a value the condition reads is not selected."""
        if condition is None:
            return lambda _item: True
        models = self._model_set(condition, item)
        if models is not None:
            return lambda i: i[0].model in models
        read = tree.names(condition)
        getters = [(n, item.getters[n]) for n in read]

        def selects(i: Any) -> bool:
            values = {}
            for n, get in getters:
                found = get(i)
                if found is _MISSING or found is None:
                    return False
                values[n] = _comparable("", found)
            return evaluate.holds(condition, values)

        return selects

    def _model_set(self, condition: Condition | None, item: _Item) -> frozenset[str] | None:
        """The catalog models a condition selects, if it reads only the model."""
        if condition is None or "model" not in item.kinds:
            return None
        read = tree.names(condition)
        if not set(read) <= item.model_only:
            return None
        chosen = set()
        for model, attrs in self.catalog_attrs.items():
            values: dict[str, Any] = {"model": model, "known": True}
            for n in read:
                if n.startswith("model."):
                    found = attrs.get(n.removeprefix("model."), _MISSING)
                    if found is _MISSING:
                        break
                    values[n] = _comparable("", found)
            else:
                if evaluate.holds(condition, values):
                    chosen.add(model)
        return frozenset(chosen)

    def _largest(
        self, selects: Callable[[Any], bool], read: Callable[[Any], Any], over: str, field: str
    ) -> Locator:
        """The largest selected line's field: the line to change to meet a bound."""

        def locate(order: Order, extras: Extras) -> Loc:
            found = [
                (read(i), -index)
                for index, i in enumerate(_lines(order, extras))
                if selects(i) and read(i) is not _MISSING
            ]
            return ("lines", -max(found)[1], field) if found else ("lines",)

        return locate

    def _first_failing(
        self, selects: Callable[[Any], bool], passes: Callable[[Any], bool], over: str
    ) -> Locator:
        def locate(order: Order, extras: Extras) -> Loc:
            if over != "lines":
                return tuple(over.split("."))
            for index, i in enumerate(_lines(order, extras)):
                if selects(i) and not passes(i):
                    return ("lines", index)
            return ("lines",)

        return locate

    def _moves(self, derivations: Sequence[Derivation]) -> None:
        """Which unit sums move with which: a unit added to a line one sum selects is
        added to another sum if every model the first selects the second does too."""
        sums = self.line_sums
        for name, (_, models) in sums.items():
            moves, unsure = [], []
            for other, (_, other_models) in sums.items():
                if other == name:
                    continue
                if other_models is None:
                    moves.append((other, 1))
                elif models is None:
                    unsure.append(other)
                elif models <= other_models:
                    moves.append((other, 1))
                elif models & other_models:
                    unsure.append(other)
            self.specs[name] = self.specs[name]._replace(moves=tuple(moves), unsure=tuple(unsure))

    # --- ledgers ------------------------------------------------------------------

    def _ledger(self, name: str, decl: LedgerDecl) -> Ledger | None:
        at: Loc = ("ledgers", name)
        before = len(self.problems)
        local = {n: s for n, s in self.specs.items() if n not in self.ledger_made}
        for index, key in enumerate(decl.key):
            self._local_fact((*at, "key", index), key, local, (str, Date, int, bool))
        for index, key in enumerate(decl.order):
            self._local_fact((*at, "order", index), key, local, (str, Date, int, float, bool))
        self._local_fact((*at, "amount"), decl.amount, local, (int,))
        if decl.limit:
            self._local_fact((*at, "limit"), decl.limit, local, (int,))
        types = {n: s.type for n, s in local.items()}
        conditions: dict[str, Condition | None] = {}
        for part in ("counts", "reserved"):
            text = getattr(decl, part)
            conditions[part] = None
            if text is not None:
                try:
                    conditions[part] = check.condition(text, types, self.lists)
                except ExpressionError as exc:
                    self.problem((*at, part), f"in {part}: {exc}")
        ledger = Ledger(
            name,
            tuple(decl.key),
            decl.amount,
            conditions["counts"],
            conditions["reserved"],
            decl.limit,
            tuple(decl.order),
            decl.period,
        )
        for fact in ledger_names(ledger):
            if fact in self.specs:
                self.problem(
                    at, f"ledger {name!r} makes fact {fact!r}, which exists: rename one", key=True
                )
        if len(self.problems) > before:
            return None
        amount = self.specs[decl.amount]
        move = {f"{name}_used_after": 1, f"{name}_remaining_after": -1}
        amount_name, same = decl.amount, " and ".join(decl.key)
        if decl.period:
            same += f" and calendar {decl.period}"
        shown = {
            f"{name}_used_before": f"{amount_name} of earlier orders with the same {same}",
            f"{name}_used_after": f"{name}_used_before plus this order's {amount_name}",
            f"{name}_remaining": f"{decl.limit} minus {name}_used_before, at least 0",
            f"{name}_remaining_after": (
                f"{name}_remaining minus this order's {amount_name}, may be negative"
            ),
        }
        for fact in ledger_names(ledger):
            self.ledger_made.add(fact)
            used = fact.endswith(("_used_before", "_used_after"))
            bound = LEDGER_EXACT * 2 if used else ENGINE_EXACT
            self.specs[fact] = FactSpec(int, shown[fact], bound=bound)
            self.locators[fact] = self.locators[decl.amount]
        moves = dict(amount.moves)
        moves.update({f: m for f, m in move.items() if f in self.specs})
        self.specs[decl.amount] = amount._replace(moves=tuple(moves.items()))
        return ledger

    def _local_fact(
        self, loc: Loc, name: str, local: Mapping[str, FactSpec], kinds: tuple[type, ...]
    ) -> None:
        spec = local.get(name)
        if spec is None:
            hint = did_you_mean(name, local)
            self.problem(loc, f"{name!r} is not a fact of the order{hint}")
        elif spec.type not in kinds:
            self.problem(loc, f"{name} is {tree.kind(spec.type)}, which does not fit here")


def _unit_sum(models: frozenset[str] | None) -> Callable[[Order_], int]:
    """Units of the lines whose model is in `models` (of every line, if None)."""
    if models is None:
        return lambda c: sum(line.units for line in c.order.lines)
    return lambda c: sum(line.units for line in c.order.lines if line.model in models)


# Built-in facts an order gives alone, offered to a condition over a list of reference
# data (`exists: item == batch`): those read from the buyer's standing need the pack's
# lookups, and are offered as declared facts can read them (`value: entity.NAME`).
_ORDER_BUILTINS: dict[str, tuple[str, Callable[[Order_], Any]]] = {
    "order_id": ("text", lambda c: c.order.order_id),
    "date": ("date", lambda c: c.order.date.isoformat()),
    "batch": ("text", lambda c: c.order.batch),
    "buyer_name": ("text", lambda c: c.order.buyer.name),
    "buyer_uscc": ("text", lambda c: c.order.buyer.uscc or ""),
    "buyer_id": ("text", lambda c: party_key(c.order.buyer)),
    "buyer_scheme": ("text", lambda c: party_scheme(c.order.buyer)),
}


def _of_order(compute: Callable[[Order_], Any], pair: tuple[Any, Order_]) -> Any:
    """A declared fact of the order an item of a list is tested for."""
    return compute(pair[1])


def _items(over: str, get: Callable[[Order_], Any]) -> Callable[[Order_], Any]:
    if over == "lines":
        return lambda c: _lines(c.order, c.extras)
    return lambda c: get(c) or ()


def _lines(order: Order, extras: Extras) -> list[tuple[Any, Mapping[str, Any]]]:
    return [(line, extras.get(("lines", i), {})) for i, line in enumerate(order.lines)]


def build(doc: Document, meta: PackMeta, extras: Extras) -> Vocabulary | list[Problem]:
    """The pack's vocabulary, or every problem with its declarations."""
    return Builder(doc, meta, extras).build()


def order_places(meta: PackMeta) -> dict[Pattern, dict[str, Declared]]:
    """Where an order may hold the pack's declared fields."""
    fields = meta.fields
    if fields is None:
        return {}
    return {
        ORDER_PLACES[place]: dict(getattr(fields, place))
        for place in ORDER_PLACES
        if getattr(fields, place)
    }
