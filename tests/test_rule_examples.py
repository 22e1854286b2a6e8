"""Each rule's embedded examples are run as tests, and the catalogue itself is linted."""

from __future__ import annotations

from typing import Any

import pytest

from checker.rulepack import RulePack, load_pack
from checker.selftest import run_examples
from tests.conftest import PACK, SPEC_RULE_IDS


def _pack() -> RulePack:
    pack = load_pack(PACK)
    assert isinstance(pack, RulePack), pack
    return pack


OUTCOMES = run_examples(_pack())


@pytest.mark.parametrize("outcome", OUTCOMES, ids=[f"{o.rule}: {o.example}" for o in OUTCOMES])
def test_example(outcome: Any) -> None:
    assert outcome.actual == outcome.expected, outcome.message


def test_default_pack_has_the_spec_rules_in_order() -> None:
    pack = _pack()
    assert [r.rule.id for r in pack.rules] == SPEC_RULE_IDS
    statuses = {r.rule.id: r.rule.status for r in pack.rules}
    assert statuses["domestic-ratio"] == "proposed"
    assert {s for k, s in statuses.items() if k != "domestic-ratio"} == {"reported"}


@pytest.mark.parametrize("rule_id", [r.rule.id for r in _pack().rules])
def test_every_rule_has_a_pass_and_a_fail_example(rule_id: str) -> None:
    rule = _pack().rule(rule_id)
    assert rule is not None
    assert {"pass", "fail"} <= {e.expect for e in rule.rule.examples}
    assert rule.rule.source and rule.rule.message and rule.rule.description


def test_default_pack_loads_without_warnings() -> None:
    assert _pack().warnings == ()


def test_rules_test_command_passes_on_the_default_pack(cli: Any) -> None:
    run = cli("rules", "test", "--rules", PACK)
    assert run.code == 0, run.out + run.err
    assert f"{len(OUTCOMES)} examples: {len(OUTCOMES)} ok, 0 wrong" in run.out
