"""A pack's self-tests: each rule's embedded examples, and which checks they exercise.

A rule's examples are its tests. Coverage counts, for every check of every rule, how
many orders make it fail: the examples (judged by every rule, not only their own) and
the user's orders; and shows whether any order can (checker.proof.lint builds one the
engine fails, or proves that none exists).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from checker.core.results import Report, RuleResult
from checker.judge.checking import Checker
from checker.pack.rulepack import RulePack, check_index
from checker.schema.declared import within
from checker.schema.records import Example, Rule


@dataclass(frozen=True)
class ExampleOutcome:
    rule: str
    example: str
    expected: str  # "fail of check 2" when the example names its check
    actual: str
    message: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class CheckCoverage:
    rule: str
    check: int  # 1-based, as a person counts the checks in the rule file
    when: str
    examples: int
    orders: int
    proof: str  # "witness": an order the solver built fails it; "never": it cannot fail;
    # "unknown": neither was shown; "not run": --no-proof


def _judged_examples(
    checker: Checker,
) -> list[tuple[int, Example, tuple[RuleResult, ...] | Exception]]:
    """(rule index, example, results of every rule) for every example of the pack."""
    judged: list[tuple[int, Example, tuple[RuleResult, ...] | Exception]] = []
    for index, pack_rule in enumerate(checker.pack.rules):
        for number, example in enumerate(pack_rule.rule.examples):
            at = ("examples", number)
            extras = [
                within(pack_rule.extras, (*at, "prior_orders", i))
                for i in range(len(example.prior_orders))
            ]
            extras.append(within(pack_rule.extras, (*at, "order")))
            outcome = checker.evaluate([*example.prior_orders, example.order], extras=extras)[-1]
            judged.append((index, example, outcome))
    return judged


class SelfTest:
    """A pack's examples judged once, by one checker with proposed rules enforced.

    The outcomes per example and the coverage per check both read the same judgements;
    the checker also judges the user's orders and the generated ones for coverage.
    """

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.checker = Checker(pack, enforce_proposed=True)
        self._judged = _judged_examples(self.checker)

    def examples(self) -> list[ExampleOutcome]:
        """Each example judged by its own rule, after its prior orders."""
        outcomes = []
        for index, example, judged in self._judged:
            rule = self.pack.rules[index].rule
            expected: str = example.expect
            if isinstance(judged, Exception):
                actual, message = "error", str(judged)
            else:
                result = judged[index]
                actual, message = result.status, result.message
                if example.check is not None:
                    named = check_index(rule, example.check)
                    expected = f"fail of check {_check_name(rule, named)}"
                    if actual == "fail":
                        actual = "fail of check " + ", ".join(
                            _check_name(rule, i) for i in result.failed
                        )
                        if named in result.failed:
                            actual = expected  # it fails that check (others too, maybe)
            outcomes.append(ExampleOutcome(rule.id, example.name, expected, actual, message))
        return outcomes

    def coverage(self, report: Report | None, prove: bool = True) -> list[CheckCoverage]:
        """How many examples and checked orders fail each check, and whether an order
        can (proved, unless `prove` is false: checker.proof.lint builds one, or proves
        none exists)."""
        from_examples: Counter[tuple[str, int]] = Counter()
        for _, _, judged in self._judged:
            if not isinstance(judged, Exception):
                _count(from_examples, judged)
        from_orders: Counter[tuple[str, int]] = Counter()
        for order in report.orders if report else ():
            _count(from_orders, order.results)
        witnessed: set[tuple[str, int]] = set()
        never: set[tuple[str, int | None]] = set()
        if prove:
            from checker.proof.lint import lint

            proved = lint(self.checker, simplest=False)
            witnessed = {(w.rule, w.check) for w in proved.witnesses}
            never = {(f.rule, f.check) for f in proved.findings if f.kind == "never-fires"}

        def proof(rule: str, check: int) -> str:
            if not prove:
                return "not run"
            if (rule, check) in witnessed:
                return "witness"
            return "never" if (rule, check) in never else "unknown"

        return [
            CheckCoverage(
                r.rule.id,
                i + 1,
                check.when,
                from_examples[(r.rule.id, i)],
                from_orders[(r.rule.id, i)],
                proof(r.rule.id, i + 1),
            )
            for r in self.pack.rules
            for i, check in enumerate(r.rule.checks)
        ]


def _check_name(rule: Rule, index: int | None) -> str:
    if index is None:
        return "?"
    check_id = rule.checks[index].id
    return f"{index + 1} ({check_id})" if check_id else str(index + 1)


def run_examples(pack: RulePack) -> list[ExampleOutcome]:
    return SelfTest(pack).examples()


def _count(counter: Counter[tuple[str, int]], results: Iterable[RuleResult]) -> None:
    for result in results:
        for check in result.failed:
            counter[(result.rule, check)] += 1
