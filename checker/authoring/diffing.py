"""What a rule edit changes: real orders whose results change, and generated ones that flip.

A rule's status changes when it differs between the two packs. A rule present in only
one pack counts as `absent` in the other, and absent, pass and skip are all "no
objection": adding a rule that passes an order, or removing one that skipped it, is
not a change; adding or removing one that fails or warns is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis.errors import NoSuchExample

from checker.authoring.strategies import orders
from checker.core.results import OrderResult, PackInfo, Report
from checker.judge.checking import Checker

ABSENT = "absent"
_NO_OBJECTION = {ABSENT, "pass", "skip"}


@dataclass(frozen=True)
class StatusChange:
    rule: str
    old: str
    new: str
    old_message: str
    new_message: str


@dataclass(frozen=True)
class OrderChange:
    file: str
    order_id: str | None
    old_verdict: str
    new_verdict: str
    changes: tuple[StatusChange, ...]


@dataclass(frozen=True)
class Flip:
    """A generated order (shrunk by hypothesis) on which one rule changes status."""

    change: StatusChange
    order: dict[str, Any]


@dataclass(frozen=True)
class PackSide:
    source: str
    info: PackInfo


@dataclass(frozen=True)
class RuleDiff:
    old: PackSide
    new: PackSide
    checked: int
    orders: tuple[OrderChange, ...]
    errors: tuple[OrderResult, ...]
    searched: int  # generated orders tried per rule; 0 when the search was off
    flips: tuple[Flip, ...]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.orders or self.flips else 0


def changed(old: str, new: str) -> bool:
    return old != new and not {old, new} <= _NO_OBJECTION


def _changes(
    old: dict[str, tuple[str, str]], new: dict[str, tuple[str, str]]
) -> list[StatusChange]:
    out = []
    for rule in dict.fromkeys([*old, *new]):
        old_status, old_message = old.get(rule, (ABSENT, ""))
        new_status, new_message = new.get(rule, (ABSENT, ""))
        if changed(old_status, new_status):
            out.append(StatusChange(rule, old_status, new_status, old_message, new_message))
    return out


def compare_reports(old: Report, new: Report) -> tuple[list[OrderChange], list[OrderResult]]:
    """Orders whose verdict or rule statuses differ, and orders neither pack could check."""
    after = {o.file: o for o in new.orders}
    changes, errors = [], []
    for before in old.orders:
        now = after[before.file]
        if before.verdict == "error" or now.verdict == "error":
            errors.append(before if before.verdict == "error" else now)
            continue
        statuses = _changes(
            {r.rule: (r.status, r.message) for r in before.results},
            {r.rule: (r.status, r.message) for r in now.results},
        )
        if statuses or before.verdict != now.verdict:
            changes.append(
                OrderChange(
                    before.file, before.order_id, before.verdict, now.verdict, tuple(statuses)
                )
            )
    return changes, errors


INPUT = "input-error"  # the order is not valid under one pack (their declarations differ)
_INVALID = "not a valid order under this pack: its declared fields differ"
_VALID = "a valid order under this pack"


def _judge(checker: Checker, document: dict[str, Any]) -> dict[str, tuple[str, str]] | None:
    """Each rule's status and message, or None when the pack does not accept the order
    (a field one pack declares or requires and the other does not)."""
    try:
        (outcome,) = checker.evaluate_documents([document])
    except ValueError:  # pydantic-core's ValidationError: the generated order is invalid here
        return None
    if isinstance(outcome, Exception):
        raise outcome
    return {r.rule: (r.status, r.message) for r in outcome}


def _status(judged: dict[str, tuple[str, str]] | None, rule: str) -> tuple[str, str]:
    return ("error", _INVALID) if judged is None else judged.get(rule, (ABSENT, ""))


def search_flips(
    old: Checker, new: Checker, max_examples: int, only: Sequence[str] = ()
) -> list[Flip]:
    """For each rule (of `only`, if given), the simplest generated order whose status
    for it changes, if any.

    Orders come from `checker.authoring.strategies.orders` over both packs' data, so the search
    sits on both packs' boundaries. The search is derandomized: the same packs give the
    same answer. Orders are judged alone (no earlier orders in the quota ledger).
    """
    strategy = orders(old.pack, new.pack)
    search = settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    rules = dict.fromkeys([r.rule.id for r in old.pack.rules] + [r.rule.id for r in new.pack.rules])
    if only:
        rules = {rule: None for rule in rules if rule in only}
    elif _declared(old) != _declared(new):
        rules = {INPUT: None, **rules}
    flips = []
    for rule in rules:

        def flips_rule(document: dict[str, Any], rule: str = rule) -> bool:
            before, after = _judge(old, document), _judge(new, document)
            if rule == INPUT:
                return (before is None) != (after is None)
            if before is None or after is None:
                return False  # that is the input-error search's to find
            return changed(_status(before, rule)[0], _status(after, rule)[0])

        try:
            found = find(strategy, flips_rule, settings=search)
        except NoSuchExample:
            continue
        judged = _judge(old, found), _judge(new, found)
        if rule == INPUT:
            was, now = (("error", _INVALID) if j is None else ("valid", _VALID) for j in judged)
        else:
            was, now = (_status(j, rule) for j in judged)
        flips.append(Flip(StatusChange(rule, was[0], now[0], was[1], now[1]), found))
    return flips


def _declared(checker: Checker) -> str:
    """The fields an order may or must hold under the pack, comparable across packs."""
    return repr(sorted(checker.pack.order_places.declared.items()))


def diff(
    old: Checker,
    new: Checker,
    sources: tuple[str, str],
    old_report: Report | None,
    new_report: Report | None,
    max_examples: int,
    only: Sequence[str] = (),
) -> RuleDiff:
    changes: Sequence[OrderChange] = ()
    errors: Sequence[OrderResult] = ()
    checked = 0
    if old_report is not None and new_report is not None:
        changes, errors = compare_reports(old_report, new_report)
        checked = len(old_report.orders)
    flips = search_flips(old, new, max_examples, only) if max_examples else []
    return RuleDiff(
        PackSide(sources[0], old.info),
        PackSide(sources[1], new.info),
        checked,
        tuple(changes),
        tuple(errors),
        max_examples,
        tuple(flips),
    )
