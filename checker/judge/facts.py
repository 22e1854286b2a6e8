"""Deriving a pack's facts from validated orders: the built-in ones, the declared ones
(checker.pack.vocabulary), and what earlier orders used of each ledger
(checker.judge.ledgers).

Every fact is always present (no missing field can make a condition silently not
match); a declared fact says its value when what it reads is not given.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Any

from checker.core.suggestions import nearest
from checker.judge.ledgers import Entry, LedgerPlan, Local, Used
from checker.pack.vocabulary import BUILTIN, Order_, Vocabulary
from checker.schema.declared import Extras
from checker.schema.forms import party_key, party_scheme
from checker.schema.records import Order, PackMeta


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """NFKC, case folding and collapsed whitespace: nothing looser (no homoglyph folding)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class Deriver:
    """Derives facts for a set of orders against one pack.

    In two steps, so a large set need not be held as parsed orders: `local` reduces
    each order to a tuple of the facts it determines alone (about a tenth of the
    order's size), `facts` adds the ledgers once the whole set is known.
    """

    def __init__(self, meta: PackMeta, vocabulary: Vocabulary, attrs: Extras) -> None:
        self.meta = meta
        self.vocabulary = vocabulary
        self._entities = {party_key(e): e for e in meta.entities}
        self._entity_attrs = {
            party_key(e): attrs.get(("entities", i), {}) for i, e in enumerate(meta.entities)
        }
        self._batch_attrs = {b: attrs.get(("batches", b), {}) for b in meta.batches}
        self._names = {
            party_key(e): {normalise_name(n) for n in (e.name, *e.aliases)} for e in meta.entities
        }
        self._catalog_ids = sorted(meta.catalog)
        self._derivations = tuple((d.name, d.compute) for d in vocabulary.derivations)
        self.local_names = tuple(BUILTIN) + tuple(name for name, _ in self._derivations)
        self.ledger_names = vocabulary.ledger_facts()
        self._all = self.local_names + self.ledger_names
        index = {name: i for i, name in enumerate(self.local_names)}
        self._ledgers = tuple(LedgerPlan(ledger, index) for ledger in vocabulary.ledgers)
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
        key = party_key(order.buyer)
        entity = self._entities.get(key)
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
            order.buyer.uscc or "",
            key,
            party_scheme(order.buyer),
            len(unknown),
            ", ".join(
                f"{m} (closest: {nearest(m, self._catalog_ids)})" for m in dict.fromkeys(unknown)
            ),
            status,
            entity.name if entity else "",
            entity is not None and normalise_name(order.buyer.name) in self._names[key],
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
            self._entity_attrs.get(key, {}),
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
