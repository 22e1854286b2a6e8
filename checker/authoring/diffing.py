"""What a rule edit changes: real orders whose results change, and, proved by the
solver (checker.proof), every rule that can judge some order differently.

A rule's result changes when its status differs between the two packs, or when it
fails (or warns) in both with other words: another fix number is a change. A rule
present in only one pack counts as `absent` in the other, and absent, pass and skip
are all "no objection": adding a rule that passes an order, or removing one that
skipped it, is not a change; adding or removing one that fails or warns is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.core.results import OrderResult, PackInfo, Report
from checker.judge.checking import Checker
from checker.proof.equivalence import Proof, changed, prove

ABSENT = "absent"


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
    proof: Proof | None  # None when it was not asked for (--lines 0)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        unproved = self.proof is not None and not self.proof.equivalent
        return 1 if self.orders or unproved else 0


def _changes(
    old: dict[str, tuple[str, str]], new: dict[str, tuple[str, str]]
) -> list[StatusChange]:
    out = []
    for rule in dict.fromkeys([*old, *new]):
        old_status, old_message = old.get(rule, (ABSENT, ""))
        new_status, new_message = new.get(rule, (ABSENT, ""))
        if changed(old_status, new_status, old_message, new_message):
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


def diff(
    old: Checker,
    new: Checker,
    sources: tuple[str, str],
    old_report: Report | None,
    new_report: Report | None,
    lines: int,
    only: Sequence[str] = (),
) -> RuleDiff:
    changes: Sequence[OrderChange] = ()
    errors: Sequence[OrderResult] = ()
    checked = 0
    if old_report is not None and new_report is not None:
        changes, errors = compare_reports(old_report, new_report)
        checked = len(old_report.orders)
    return RuleDiff(
        PackSide(sources[0], old.info),
        PackSide(sources[1], new.info),
        checked,
        tuple(changes),
        tuple(errors),
        prove(old, new, lines, only) if lines else None,
    )
