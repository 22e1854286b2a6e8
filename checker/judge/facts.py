"""Deriving a pack's facts from validated orders: the built-in ones, the declared ones
(checker.pack.vocabulary), and the cumulative ledgers over the checked set.

Every fact is always present (no missing field can make a condition silently not
match); a declared fact says its value when what it reads is not given.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from checker.core.suggestions import nearest
from checker.lang.evaluate import holds
from checker.lang.tree import Condition, names
from checker.pack.vocabulary import BUILTIN, Ledger, Order_, Vocabulary, ledger_names
from checker.schema.declared import Extras
from checker.schema.records import Order, PackMeta

Local = tuple[Any, ...]  # an order's local facts (Deriver.local_names), in that order
Used = tuple[int, ...]  # per ledger: the amount in earlier orders with the same key


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """NFKC, case folding and collapsed whitespace: nothing looser (no homoglyph folding)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


_PERIODS: dict[str, Callable[[str], str]] = {
    "month": lambda date: date[:7],
    "quarter": lambda date: f"{date[:4]}-Q{(int(date[5:7]) + 2) // 3}",
    "year": lambda date: date[:4],
}


class Deriver:
    """Derives facts for a set of orders against one pack.

    In two steps, so a large set need not be held as parsed orders: `local` reduces
    each order to a tuple of the facts it determines alone (about a tenth of the
    order's size), `facts` adds the ledgers once the whole set is known.
    """

    def __init__(self, meta: PackMeta, vocabulary: Vocabulary, attrs: Extras) -> None:
        self.meta = meta
        self.vocabulary = vocabulary
        self._entities = {e.uscc: e for e in meta.entities}
        self._entity_attrs = {
            e.uscc: attrs.get(("entities", i), {}) for i, e in enumerate(meta.entities)
        }
        self._batch_attrs = {b: attrs.get(("batches", b), {}) for b in meta.batches}
        self._names = {
            e.uscc: {normalise_name(n) for n in (e.name, *e.aliases)} for e in meta.entities
        }
        self._catalog_ids = sorted(meta.catalog)
        self._derivations = tuple((d.name, d.compute) for d in vocabulary.derivations)
        self.local_names = tuple(BUILTIN) + tuple(name for name, _ in self._derivations)
        self.ledger_names = vocabulary.ledger_facts()
        self._all = self.local_names + self.ledger_names
        index = {name: i for i, name in enumerate(self.local_names)}
        self._ledgers = tuple(_LedgerPlan(ledger, index) for ledger in vocabulary.ledgers)
        self._keyed = vocabulary.keyed

    def facts(self, local: Local, used: Used) -> dict[str, Any]:
        """All facts of an order, from its local facts and its ledger entries."""
        values: list[Any] = []
        for plan, before in zip(self._ledgers, used, strict=True):
            values += plan.facts(local, before)
        facts = dict(zip(self._all, local + tuple(values), strict=True))
        for keyed in self._keyed:
            facts[keyed.fact] = keyed.values.get(facts[keyed.by], keyed.default)
        return facts

    def local(self, order: Order, extras: Extras | None = None) -> Local:
        """The facts an order determines alone, as a tuple aligned with local_names."""
        unknown = [line.model for line in order.lines if line.model not in self.meta.catalog]
        entity = self._entities.get(order.buyer.uscc)
        standing = entity.batches.get(order.batch) if entity else None
        if entity is None:
            status = "unknown"
        elif standing is None:
            status = "not-approved"
        else:
            status = standing.status
        batch = self.meta.batches.get(order.batch)
        allocation = standing.allocation if standing is not None and batch is not None else None
        values = [
            order.order_id,
            order.date.isoformat(),
            order.batch,
            order.buyer.name,
            order.buyer.uscc,
            len(unknown),
            ", ".join(
                f"{m} (closest: {nearest(m, self._catalog_ids)})" for m in dict.fromkeys(unknown)
            ),
            status,
            entity.name if entity else "",
            entity is not None and normalise_name(order.buyer.name) in self._names[entity.uscc],
            batch is not None,
            allocation is not None,
            allocation or 0,
        ]
        context = Order_(
            order,
            extras or {},
            batch,
            self._batch_attrs.get(order.batch, {}),
            entity,
            self._entity_attrs.get(order.buyer.uscc, {}),
        )
        values += [compute(context) for _, compute in self._derivations]
        return tuple(values)

    def ledger(self, locals_: Sequence[Local]) -> list[Used]:
        """Per order and ledger: the amount of earlier orders with the same key.

        Each ledger takes the orders in its own order ((date, order_id) unless the pack
        says otherwise) and adds the amount of every order its `counts` selects,
        whatever that order's other results.
        """
        columns = [plan.used(locals_) for plan in self._ledgers]
        return list(zip(*columns, strict=True)) if columns else [()] * len(locals_)

    def entries(self, locals_: Sequence[Local]) -> list[list[Entry]]:
        """Per ledger: every order in ledger order, for the ledger view."""
        return [plan.entries(locals_) for plan in self._ledgers]


class _LedgerPlan:
    def __init__(self, ledger: Ledger, index: dict[str, int]) -> None:
        self.ledger = ledger
        self.key = tuple(index[k] for k in ledger.key)
        self.order = tuple(index[k] for k in ledger.order)
        self.amount = index[ledger.amount]
        self.limit = index[ledger.limit] if ledger.limit else None
        self.index = index
        self.period = _PERIODS[ledger.period] if ledger.period else None
        self.date = index["date"]
        self.names = ledger_names(ledger)

    def used(self, locals_: Sequence[Local]) -> list[int]:
        used = [0] * len(locals_)
        for i, _, _, before in self._walk(locals_):
            used[i] = before
        return used

    def entries(self, locals_: Sequence[Local]) -> list[Entry]:
        """Every order in ledger order, with its key, its amount and how it counts."""
        reserved = _Decider(self.ledger.reserved, self.index, default=False)
        limit = self.limit
        return [
            Entry(
                i,
                key,
                locals_[i][self.amount],
                counted,
                counted and reserved(locals_[i]),
                before,
                None if limit is None else locals_[i][limit],
            )
            for i, key, counted, before in self._walk(locals_)
        ]

    def _walk(self, locals_: Sequence[Local]) -> Iterator[tuple[int, tuple[Any, ...], bool, int]]:
        """(position, key, counted, the counted total before it) of every order, in
        ledger order: the one pass both the rules' facts and the ledger view read."""
        totals: dict[tuple[Any, ...], int] = defaultdict(int)
        counted = _Decider(self.ledger.counts, self.index)
        order = self.order
        for i in sorted(range(len(locals_)), key=lambda i: _sort_key(locals_[i], order)):
            local = locals_[i]
            key = self._key(local)
            adds = counted(local)
            yield i, key, adds, totals[key]
            if adds:
                totals[key] += local[self.amount]

    def _key(self, local: Local) -> tuple[Any, ...]:
        key = tuple(local[k] for k in self.key)
        return (*key, self.period(local[self.date])) if self.period else key

    def facts(self, local: Local, before: int) -> list[int]:
        amount = local[self.amount]
        found = [before, before + amount]
        if self.limit is not None:
            remaining = max(0, local[self.limit] - before)
            found += [remaining, remaining - amount]
        return found


class Entry(NamedTuple):
    """One order in a ledger, for the ledger view."""

    position: int  # of the order in the set
    key: tuple[Any, ...]  # the values it shares a total with (and the period)
    amount: int
    counted: bool  # it adds to the total (a cancelled order does not)
    reserved: bool  # counted, but only reserving its amount
    before: int  # the total of the counted orders before it
    limit: int | None


class _Decider:
    """Whether a ledger condition holds for an order's local facts; each distinct set
    of the values it reads is decided once (few differ: a status, a flag)."""

    def __init__(
        self, condition: Condition | None, index: dict[str, int], default: bool = True
    ) -> None:
        self.condition = condition
        self.read = [(n, index[n]) for n in names(condition)] if condition else []
        self.default = default
        self.decided: dict[tuple[Any, ...], bool] = {}

    def __call__(self, local: Local) -> bool:
        if self.condition is None:
            return self.default
        values = tuple(local[k] for _, k in self.read)
        found = self.decided.get(values)
        if found is None:
            if len(self.decided) >= 4096:
                self.decided.clear()
            inputs = {n: v for (n, _), v in zip(self.read, values, strict=True)}
            found = self.decided[values] = holds(self.condition, inputs)
        return found


def _sort_key(local: Local, order: tuple[int, ...]) -> tuple[Any, ...]:
    return tuple(local[k] for k in order)
