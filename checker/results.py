"""What a check run produces: plain values that every renderer reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from checker.problems import Problem

Status = Literal["pass", "fail", "warn", "skip"]
Verdict = Literal["pass", "fail", "error"]


class RuleResult(NamedTuple):
    """One rule's outcome for one order (a named tuple: six are made per order, and a
    tuple is built about five times faster than a frozen dataclass)."""

    rule: str
    status: Status
    message: str
    facts: Mapping[str, Any]  # read-only: one result may be shared by equal orders
    failed: tuple[int, ...] = ()  # indices of the rule's checks that failed
    line: int | None = None  # where the judged field is, for a failing or warning result
    column: int | None = None


class OrderResult(NamedTuple):
    file: str
    order_id: str | None
    verdict: Verdict
    results: tuple[RuleResult, ...] = ()
    errors: tuple[Problem, ...] = ()


class RuleInfo(NamedTuple):
    """What a report needs to document a rule (SARIF rule descriptors, JUnit names)."""

    id: str
    title: str
    status: str
    source: str
    description: str


class PackInfo(NamedTuple):
    name: str
    version: str
    sha256: str
    rules: tuple[RuleInfo, ...] = ()


class Report(NamedTuple):
    """Every order's result, kept: for callers that compare or revisit results."""

    pack: PackInfo
    orders: tuple[OrderResult, ...]

    def tally(self) -> Tally:
        tally = Tally.of(self.pack)
        for order in self.orders:
            tally.add(order)
        return tally


STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")


class Tally:
    """Counts of verdicts, and of each rule's statuses, over results seen one at a time."""

    def __init__(self, verdicts: dict[Verdict, int], rules: dict[str, dict[Status, int]]) -> None:
        self.verdicts = verdicts
        self.rules = rules

    @classmethod
    def of(cls, pack: PackInfo) -> Tally:
        return cls(
            dict.fromkeys(("pass", "fail", "error"), 0),
            {r.id: dict.fromkeys(STATUSES, 0) for r in pack.rules},
        )

    def add(self, order: OrderResult) -> None:
        self.verdicts[order.verdict] += 1
        for result in order.results:
            self.rules.setdefault(result.rule, dict.fromkeys(STATUSES, 0))[result.status] += 1

    @property
    def orders(self) -> int:
        return sum(self.verdicts.values())

    @property
    def exit_code(self) -> int:
        if self.verdicts["error"]:
            return 2
        return 1 if self.verdicts["fail"] else 0
