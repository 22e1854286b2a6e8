"""What a check run produces: plain values that every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from checker.problems import Problem

Status = Literal["pass", "fail", "warn", "skip"]
Verdict = Literal["pass", "fail", "error"]


@dataclass(frozen=True)
class RuleResult:
    rule: str
    status: Status
    message: str
    facts: dict[str, Any]
    failed: tuple[int, ...] = ()  # indices of the rule's checks that failed
    line: int | None = None  # where the judged field is, for a failing or warning result
    column: int | None = None


@dataclass(frozen=True)
class OrderResult:
    file: str
    order_id: str | None
    verdict: Verdict
    results: tuple[RuleResult, ...] = ()
    errors: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class RuleInfo:
    """What a report needs to document a rule (SARIF rule descriptors, JUnit names)."""

    id: str
    title: str
    status: str
    source: str
    description: str


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    sha256: str
    rules: tuple[RuleInfo, ...] = ()


@dataclass(frozen=True)
class Report:
    pack: PackInfo
    orders: tuple[OrderResult, ...]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for o in self.orders if o.verdict == verdict)

    @property
    def exit_code(self) -> int:
        if self.count("error"):
            return 2
        return 1 if self.count("fail") else 0
