"""Each rule's embedded examples are run as tests, and the catalogue itself is linted."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.authoring.selftest import run_examples
from checker.pack.rulepack import RulePack, load_pack
from tests.conftest import PACK, PACK_RULE_IDS, REPO, SPEC_RULE_IDS


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
    assert [r.rule.id for r in pack.rules] == PACK_RULE_IDS
    assert [r.rule.id for r in pack.rules][: len(SPEC_RULE_IDS)] == SPEC_RULE_IDS
    statuses = {r.rule.id: r.rule.status for r in pack.rules}
    proposed = {
        "domestic-ratio",
        "state-owned-end-user",
        "conditional-approval",
        "certified-domestic",
        "deployment-location",
        "training-only",
        "public-data",
        "national-grid-share",
        "local-domestic-target",
    }
    assert {k for k, s in statuses.items() if s == "proposed"} == proposed
    assert {s for k, s in statuses.items() if k not in proposed} == {"reported"}


@pytest.mark.parametrize("rule_id", [r.rule.id for r in _pack().rules])
def test_every_rule_has_a_pass_and_a_fail_example(rule_id: str) -> None:
    rule = _pack().rule(rule_id)
    assert rule is not None
    assert {"pass", "fail"} <= {e.expect for e in rule.rule.examples}
    assert rule.rule.source and rule.rule.message and rule.rule.description


def test_default_pack_loads_without_warnings() -> None:
    assert _pack().warnings == ()


@pytest.mark.parametrize("name", ["cn-h200-2026", "us-bis-h200-2026"])
def test_a_bundled_pack_passes_rules_test_strict_with_every_check_reached(
    cli: Any, name: str
) -> None:
    """Every example of the pack judges as it says, and every check fails some order
    (an example and one the solver built): what `rules test --strict` promises."""
    pack = load_pack(REPO / "rules" / name)
    assert isinstance(pack, RulePack), pack
    examples = sum(len(r.rule.examples) for r in pack.rules)
    run = cli("rules", "test", "--rules", name, "--strict")
    assert run.code == 0, run.out + run.err
    assert f"{examples} examples: {examples} ok, 0 wrong" in run.out
    coverage = run.out.split("\ncoverage:")[1].splitlines()[1:]
    assert len(coverage) == sum(len(r.checks) for r in pack.rules)
    assert all(int(line.split()[2]) > 0 for line in coverage), coverage
    assert all(line.split()[6] == "witness" for line in coverage), coverage
    assert "<-" not in run.out and run.err == ""


def test_a_vacuous_check_is_reported(cli: Any, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    rule = pack / "domestic-ratio.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace(
            "checks:\n",
            'checks:\n  - when: controlled_units < 0\n    message: "negative units"\n',
        ),
        encoding="utf-8",
    )
    run = cli("rules", "test", "--rules", pack)
    assert run.code == 0, run.out + run.err
    (line,) = [x for x in run.out.splitlines() if x.strip().startswith("domestic-ratio #1")]
    assert line.split()[2:7] == ["0", "/", "0", "/", "never"]
    assert "can never fail (proved)" in line and "controlled_units < 0" in line
    assert "1 check(s) without a failing example, 1 of them can never fail" in run.err
    assert cli("rules", "test", "--rules", pack, "--strict").code == 1


def test_coverage_counts_the_given_orders(cli: Any) -> None:
    run = cli("rules", "test", REPO / "examples" / "orders")
    assert run.code == 0, run.err
    assert "(examples / 11 orders / an order the solver built" in run.out
    (line,) = [x for x in run.out.splitlines() if x.strip().startswith("domestic-ratio #1")]
    assert int(line.split()[4]) >= 1  # some bundled example order is short of domestic units


def test_rules_list_takes_no_paths(cli: Any) -> None:
    run = cli("rules", "list", "orders")
    assert run.code == 2 and "orders" in run.err and run.out == ""


def test_rules_test_takes_the_pack_option_before_or_after_paths(cli: Any) -> None:
    orders = REPO / "examples" / "orders"
    for args in (
        ("rules", "test", "--rules", PACK, orders),
        ("rules", "--rules", PACK, "test", orders),
        ("rules", "test", orders, "--rules", PACK),
    ):
        run = cli(*args)
        assert run.code == 0, (args, run.err)
        assert "(examples / 11 orders / an order the solver built" in run.out


def _batch_window_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    path = pack / "batch-window.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return pack


def test_an_example_can_name_the_check_it_must_fail(cli: Any, tmp_path: Path) -> None:
    """After an edit, an "unknown batch" example kept failing for another check."""
    unknown = "  - name: unknown batch\n    expect: fail\n"
    right = _batch_window_copy(tmp_path, (unknown, unknown + "    check: 1\n"))
    run = cli("rules", "test", "--rules", right)
    assert run.code == 0, run.out
    assert (
        "ok    batch-window: unknown batch (expected fail of check 1, got fail of check 1)"
        in run.out
    )

    named = _batch_window_copy(
        tmp_path / "named",
        (unknown, unknown + "    check: unknown-batch\n"),
        (
            "  - when: batch_known == false\n",
            "  - id: unknown-batch\n    when: batch_known == false\n",
        ),
    )
    assert cli("rules", "test", "--rules", named).code == 0

    wrong = _batch_window_copy(tmp_path / "wrong", (unknown, unknown + "    check: 2\n"))
    run = cli("rules", "test", "--rules", wrong)
    assert run.code == 1
    assert (
        "WRONG batch-window: unknown batch (expected fail of check 2, got fail of check 1)"
        in run.out
    )


@pytest.mark.parametrize(
    ("edits", "words"),
    [
        ((("  - name: unknown batch\n    expect: fail\n",
           "  - name: unknown batch\n    expect: fail\n    check: 9\n"),),
         "no check 9 in this rule (checks: 1, 2, 3)"),
        ((("  - name: opening day\n    expect: pass\n",
           "  - name: opening day\n    expect: pass\n    check: 1\n"),),
         "this example expects pass"),
        ((("  - when: batch_known == false\n", "  - id: twice\n    when: batch_known == false\n"),
          ("  - when: batch_known == true and days_before_open > 0\n",
           "  - id: twice\n    when: batch_known == true and days_before_open > 0\n")),
         "check id 'twice' is used twice"),
    ],
)  # fmt: skip
def test_a_wrong_check_reference_is_a_load_error(
    cli: Any, tmp_path: Path, edits: tuple[tuple[str, str], ...], words: str
) -> None:
    pack = _batch_window_copy(tmp_path, *edits)
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert words in run.err and "batch-window.yaml:" in run.err
