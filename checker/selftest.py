"""Running each rule's embedded examples: a rule's examples are its tests."""

from __future__ import annotations

from dataclasses import dataclass

from checker.checking import Checker
from checker.rulepack import RulePack


@dataclass(frozen=True)
class ExampleOutcome:
    rule: str
    example: str
    expected: str
    actual: str
    message: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def run_examples(pack: RulePack) -> list[ExampleOutcome]:
    """Judge every example (after its prior orders) by its own rule, proposed rules enforced."""
    checker = Checker(pack, enforce_proposed=True)
    outcomes = []
    for index, pack_rule in enumerate(pack.rules):
        for example in pack_rule.rule.examples:
            judged = checker.evaluate([*example.prior_orders, example.order])[-1]
            if isinstance(judged, Exception):
                actual, message = "error", str(judged)
            else:
                actual, message = judged[index].status, judged[index].message
            outcomes.append(
                ExampleOutcome(pack_rule.rule.id, example.name, example.expect, actual, message)
            )
    return outcomes
