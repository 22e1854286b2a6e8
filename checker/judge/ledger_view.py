"""The ledger view: for each ledger of a pack, each total (a batch and buyer, a
customer) with its limit, what is used and reserved, and every order in ledger order.

The totals are the ones the rules judged: the same ledgers of `checker.judge.ledgers`, over the
same set of orders; the view adds which counted orders only reserve their amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from checker.core.results import OrderResult, PackInfo, Verdict
from checker.judge.checking import Checker
from checker.judge.reading import Loaded
from checker.lang.tree import ORDERING, Comparison, Fact, literals, names, tests
from checker.pack.vocabulary import Ledger, ledger_names
from checker.schema.forms import party_key


class Row(NamedTuple):
    """One order in one total, with the running totals after it."""

    file: str
    order_id: str
    date: str
    status: str | None  # the order's `status` fact, where the pack has one
    verdict: Verdict
    amount: int
    counted: bool  # adds to the total (a cancelled order does not)
    reserved: bool  # counted, but only reserving its amount
    used: int  # running: the counted amount that is used, through this order
    reserved_total: int  # running: the counted amount that is reserved
    over: bool  # the order adds units, and the total through it is past the limit
    failing: bool  # a rule that reads this ledger fails or warns on the order


class Account(NamedTuple):
    """One total of a ledger: the orders sharing one key."""

    key: tuple[str, ...]
    name: str  # the key in words: an entity's name with its code
    limit: int | None
    used: int
    reserved: int
    rows: tuple[Row, ...]

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.used - self.reserved

    @property
    def first_over(self) -> Row | None:
        """The order that first takes the total past the limit."""
        return next((r for r in self.rows if r.over), None)


class LedgerView(NamedTuple):
    name: str
    description: str
    key: tuple[str, ...]  # the facts an account is keyed by (a period last, if any)
    limit: str | None  # the fact giving the limit
    rule_limits: tuple[tuple[str, int], ...]  # (rule, limit) that rules state on the total
    rules: tuple[str, ...]  # the rules that read this ledger
    accounts: tuple[Account, ...]


class LedgerReport(NamedTuple):
    pack: PackInfo
    ledgers: tuple[LedgerView, ...]
    orders: int  # valid orders, in the ledgers
    errors: tuple[OrderResult, ...]  # orders in error, in no ledger


def ledger_report(
    checker: Checker, paths: Iterable[Path], skip: frozenset[Path] = frozenset()
) -> LedgerReport:
    """Check the orders under `paths` and lay out every ledger of the pack, with the
    limits its rules enforce on it, so the view tells the story `check` tells."""
    loaded: list[Loaded] = []
    results = list(checker.results(paths, skip=skip, keep=loaded))
    verdicts = {r.file: r.verdict for r in results}
    objections = {
        r.file: {x.rule for x in r.results if x.status in ("fail", "warn")} for r in results
    }
    deriver = checker.deriver
    index = {name: i for i, name in enumerate(deriver.local_names)}
    status = index.get("status")
    locals_ = [item.local for item in loaded]
    names = _entity_names(checker)
    views = []
    for ledger, entries in zip(
        checker.pack.vocabulary.ledgers, deriver.entries(locals_), strict=True
    ):
        reading = _rules_reading(checker, ledger)
        stated = _rule_limits(checker, ledger)
        fallback = min((v for _, v in stated), default=None)
        groups: dict[tuple[Any, ...], list[Row]] = {}
        limits: dict[tuple[Any, ...], int | None] = {}
        running: dict[tuple[Any, ...], tuple[int, int]] = {}
        for entry in entries:
            item = loaded[entry.position]
            used, reserved = running.get(entry.key, (0, 0))
            if entry.counted:
                if entry.reserved:
                    reserved += entry.amount
                else:
                    used += entry.amount
            running[entry.key] = (used, reserved)
            limits.setdefault(entry.key, entry.limit)
            if entry.counted and entry.limit is not None:
                limits[entry.key] = entry.limit  # a counted order's limit is the total's
            groups.setdefault(entry.key, []).append(
                Row(
                    item.file,
                    item.order_id,
                    str(item.local[index["date"]]),
                    None if status is None else str(item.local[status]),
                    verdicts[item.file],
                    entry.amount,
                    entry.counted,
                    entry.reserved,
                    used,
                    reserved,
                    False,
                    bool(objections[item.file] & reading),
                )
            )
        accounts = []
        for key, rows in groups.items():
            limit = limits[key] if limits[key] is not None else fallback
            marked = tuple(
                r._replace(
                    over=r.counted
                    and r.amount > 0
                    and limit is not None
                    and r.used + r.reserved_total > limit
                )
                for r in rows
            )
            used, reserved = running[key]
            words = ", ".join(names.get(str(k), str(k)) for k in key) or "all orders"
            accounts.append(Account(tuple(map(str, key)), words, limit, used, reserved, marked))
        accounts.sort(key=lambda a: a.key)
        key_names = ledger.key + ((ledger.period,) if ledger.period else ())
        description = checker.pack.meta.ledgers[ledger.name].description
        views.append(
            LedgerView(
                ledger.name,
                description,
                key_names,
                ledger.limit,
                stated,
                tuple(sorted(reading)),
                tuple(accounts),
            )
        )
    errors = tuple(r for r in results if r.verdict == "error")
    return LedgerReport(checker.info, tuple(views), len(loaded), errors)


def _rules_reading(checker: Checker, ledger: Ledger) -> frozenset[str]:
    """The rules with a condition on this ledger's totals."""
    facts = set(ledger_names(ledger))
    return frozenset(
        r.rule.id
        for r in checker.pack.rules
        if any(facts & set(names(c.condition)) for c in r.checks)
    )


def _rule_limits(checker: Checker, ledger: Ledger) -> tuple[tuple[str, int], ...]:
    """The limits rules state on the ledger's total as a number: a positive whole number
    a total is ordered against (`us_customer_used_before >= us_cap`, the parameter bound
    as 75000), each with its rule, in rule order."""
    totals = ledger_names(ledger)[:2]  # used before and after the order
    found: dict[str, int] = {}
    for pack_rule in checker.pack.rules:
        for check in pack_rule.checks:
            for test in tests(check.condition):
                if not isinstance(test, Comparison) or test.op not in ORDERING:
                    continue
                for side, value in literals(test):
                    if (
                        isinstance(side, Fact)
                        and side.name in totals
                        and isinstance(value, int | float)
                        and not isinstance(value, bool)
                        and float(value).is_integer()
                        and value > 0
                    ):
                        found.setdefault(pack_rule.rule.id, int(value))
    return tuple(found.items())


def _entity_names(checker: Checker) -> dict[str, str]:
    """An entity's code in words: its name, then the code."""
    return {party_key(e): f"{e.name} ({party_key(e)})" for e in checker.pack.meta.entities}
