"""What a check run produces: plain values that every renderer reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from checker.core.problems import Problem

Status = Literal["pass", "fail", "warn", "skip", "waived"]
Verdict = Literal["pass", "fail", "error"]


INPUT_ERROR = "input-error"  # the id under which reports show an order's input errors


def waiver_terms(terms: Mapping[str, object]) -> str:
    """Who answers for a waiver, as every report words it: its reference, approver, owner."""
    return f"ref {terms['reference']}, approved by {terms['approved_by']}, owner {terms['owner']}"


class Waived(NamedTuple):
    """A waiver that matched a failing or warning result: applied, or out of force."""

    id: str
    applied: bool
    status: Status  # the rule's own status, before the waiver (fail or warn)
    # id, rule, check, reason, owner, approved_by, reference, expires, created: as text
    terms: Mapping[str, str | None]


class WaiversInfo(NamedTuple):
    """The waivers file of a run, for reports and attestations."""

    file: str
    sha256: str
    as_of: str  # YYYY-MM-DD: the day waivers are judged in force
    waivers: tuple[Mapping[str, str | None], ...]  # each waiver's terms, in file order


class Words:
    """A result's message, worded the first time a report reads it: SARIF, GitHub
    annotations and the quiet text report never show a passing result's words, and
    results of equal inputs share one Words, so each is worded once."""

    __slots__ = ("_text", "_word")

    def __init__(self, word: Callable[[], str]) -> None:
        self._word: Callable[[], str] | None = word
        self._text: str | None = None

    def __str__(self) -> str:
        if self._word is not None:
            self._text, self._word = self._word(), None
        assert self._text is not None
        return self._text

    @property
    def worded(self) -> bool:
        """Whether the words were built (a report read them)."""
        return self._word is None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"Words({str(self)!r})"


class RuleResult(NamedTuple):
    """One rule's outcome for one order (a named tuple: six are made per order, and a
    tuple is built about five times faster than a frozen dataclass)."""

    rule: str
    status: Status
    words: Words  # the message: read it as `message`
    facts: Mapping[str, Any]  # read-only: one result may be shared by equal orders
    failed: tuple[int, ...] = ()  # indices of the rule's checks that failed
    line: int | None = None  # where the judged field is, for a failing or warning result
    column: int | None = None
    # the waiver that matched a failing or warning result: applied (status `waived`),
    # or out of force (the status stays, and the report says which waiver and when)
    waiver: Waived | None = None

    @property
    def message(self) -> str:
        return str(self.words)


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
    waivers: WaiversInfo | None = None  # the waivers file of the run, if one is named

    def identity(self) -> dict[str, str]:
        """The pack as every report names it: name, version and sha256."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


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
WAIVED_STATUSES: tuple[Status, ...] = (*STATUSES, "waived")  # the columns with waivers


class Tally:
    """Counts of verdicts, and of each rule's statuses, over results seen one at a time."""

    def __init__(
        self,
        verdicts: dict[Verdict, int],
        rules: dict[str, dict[Status, int]],
        statuses: tuple[Status, ...] = STATUSES,
    ) -> None:
        self.verdicts = verdicts
        self.rules = rules
        self.statuses = statuses  # the summary's columns: `waived` too with a waivers file
        self.waived = 0
        self.used: dict[str, int] = {}  # waiver id -> results it waived
        self.out_of_force: dict[str, int] = {}  # waiver id -> results it matched out of force

    @classmethod
    def of(cls, pack: PackInfo) -> Tally:
        statuses = WAIVED_STATUSES if pack.waivers is not None else STATUSES
        return cls(
            dict.fromkeys(("pass", "fail", "error"), 0),
            {r.id: dict.fromkeys(statuses, 0) for r in pack.rules},
            statuses,
        )

    def add(self, order: OrderResult) -> None:
        self.verdicts[order.verdict] += 1
        for result in order.results:
            self.rules.setdefault(result.rule, dict.fromkeys(WAIVED_STATUSES, 0))[
                result.status
            ] += 1
            if result.waiver is not None:
                counts = self.used if result.waiver.applied else self.out_of_force
                counts[result.waiver.id] = counts.get(result.waiver.id, 0) + 1
                self.waived += result.waiver.applied

    @property
    def orders(self) -> int:
        return sum(self.verdicts.values())

    @property
    def exit_code(self) -> int:
        if self.verdicts["error"]:
            return 2
        return 1 if self.verdicts["fail"] else 0
