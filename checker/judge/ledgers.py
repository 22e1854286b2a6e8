"""Ledger totals: each ledger's orders in its own order, and the amount earlier orders
with the same key used, the running totals the ledger's checks and the ledger view read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from checker.lang.evaluate import holds
from checker.lang.tree import Condition, names
from checker.pack.vocabulary import Ledger, ledger_names

Local = tuple[Any, ...]  # an order's local facts (Deriver.local_names), in that order
Used = tuple[int, ...]  # per ledger: the amount in earlier orders with the same key

_PERIODS: dict[str, Callable[[str], str]] = {
    "month": lambda date: date[:7],
    "quarter": lambda date: f"{date[:4]}-Q{(int(date[5:7]) + 2) // 3}",
    "year": lambda date: date[:4],
}


class LedgerPlan:
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
