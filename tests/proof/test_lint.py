"""`chipcheck rules lint`: what the solver proves of each check of a real pack, and the
order it builds for each check, checked again as a file through `check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACK, REPO, pack_copy, write

US_PACK = REPO / "rules" / "us-bis-h200-2026"


def _with_check(when: str) -> tuple[str, str, str]:
    return ("domestic-ratio.yaml", "checks:\n", f'checks:\n  - when: {when}\n    message: "x"\n')


# (edit, the findings: rule, check or None, kind)
FINDINGS = [
    (_with_check("controlled_units < 0"), [("domestic-ratio", 1, "never-fires")]),
    # where the new check fails for every order, the rule's own check adds nothing
    (_with_check("total_units > 0"),
     [("domestic-ratio", 1, "always-fires"), ("domestic-ratio", 2, "implied")]),
    (_with_check("domestic_units < controlled_units * ratio and total_units > 5"),
     [("domestic-ratio", 1, "implied")]),
    (("domestic-ratio.yaml", "skip_when: controlled_units == 0", "skip_when: total_units > 0"),
     [("domestic-ratio", None, "never-applies")]),
    (("domestic-ratio.yaml", "skip_when: controlled_units == 0",
      "skip_when: domestic_units < controlled_units * ratio or controlled_units == 0"),
     [("domestic-ratio", None, "skip-hides-failures"), ("domestic-ratio", 1, "never-fires")]),
    (("domestic-ratio.yaml", "\nparameters:", "\neffective_from: 2030-01-01\nparameters:"),
     [("domestic-ratio", None, "outside-batches")]),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "findings"), FINDINGS, ids=[f[1][0][2] for f in FINDINGS])
def test_each_finding_is_proved_on_a_pack_that_has_it(
    cli: Any,
    tmp_path: Path,
    edit: tuple[str, str, str],
    findings: list[tuple[str, int | None, str]],
) -> None:
    pack = pack_copy(tmp_path / "pack", edit)
    run = cli("rules", "lint", "--rules", pack, "--format", "json", "--rule", "domestic-ratio")
    assert run.code == 1, run.out + run.err
    found = [(f["rule"], f["check"], f["kind"]) for f in run.report["findings"]]
    assert found == findings
    text = cli("rules", "lint", "--rules", pack, "--rule", "domestic-ratio")
    rule, check, kind = findings[0]
    where = f"{rule} #{check}" if check else rule
    assert f"  {where}: {kind}: " in text.out and text.out.rstrip().endswith("some findings")


@pytest.mark.parametrize("pack", [PACK, US_PACK], ids=["cn", "us"])
def test_a_bundled_pack_has_no_finding_and_an_order_failing_each_check(
    cli: Any, tmp_path: Path, pack: Path
) -> None:
    run = cli("rules", "lint", "--rules", pack, "--format", "json")
    assert run.code == 0, run.out + run.err
    assert run.report["findings"] == [] and run.report["missing"] == []
    checks = {(w["rule"], w["check"]) for w in run.report["witnesses"]}
    rules = cli("rules", "test", "--rules", pack)
    coverage = rules.out.split("\ncoverage:")[1].splitlines()[1:]
    assert len(checks) == len(coverage)
    # each order without earlier totals, saved as a file, fails its check under `check`
    for w in run.report["witnesses"]:
        if w["earlier"]:
            continue
        saved = write(tmp_path / w["rule"] / str(w["check"]), "order.yaml", w["yaml"])
        judged = cli("check", saved, "--rules", pack, "--enforce-proposed", "--format", "json")
        results = {r["rule"]: r for r in judged.report["orders"][0]["results"]}
        assert results[w["rule"]]["status"] == "fail", (w, results[w["rule"]])
    text = cli("rules", "lint", "--rules", pack, "--witnesses")
    assert text.out.rstrip().endswith("nothing found")
    assert "      units: " in text.out or "    units: " in text.out


def test_a_check_that_needs_earlier_orders_is_shown_with_their_totals(cli: Any) -> None:
    run = cli("rules", "lint", "--rules", PACK, "--format", "json")
    (overdrawn,) = [
        w for w in run.report["witnesses"] if (w["rule"], w["check"]) == ("batch-quota", 3)
    ]
    assert overdrawn["earlier"]["buyer"] > 0  # earlier orders already over the allocation


def test_the_sampling_flag_of_old_hooks_is_ignored_with_a_warning(cli: Any) -> None:
    run = cli("rules", "test", "--generated", "0")
    assert run.code == 0, run.err
    assert "--generated is no longer used" in run.err and "Traceback" not in run.err
    assert "/ witness " in run.out


def test_the_strategies_draw_an_order_failing_each_check() -> None:
    """`witnesses` (and so `orders`) reach every check that needs no earlier orders."""
    from hypothesis import find, settings

    from checker.authoring.strategies import witnesses
    from checker.judge.checking import Checker
    from checker.pack.rulepack import RulePack, load_pack

    pack = load_pack(PACK)
    assert isinstance(pack, RulePack)
    checker = Checker(pack, enforce_proposed=True)

    def failed(document: dict[str, Any]) -> set[tuple[str, int]]:
        (outcome,) = checker.evaluate_documents([document])
        assert not isinstance(outcome, Exception)
        return {(r.rule, i) for r in outcome if r.status == "fail" for i in r.failed}

    needs_earlier = {("batch-quota", 2), ("batch-quota", 3), ("us-customer-cap", 1)}
    for r in pack.rules:
        for i in range(len(r.checks)):
            if (r.rule.id, i) in needs_earlier:
                continue
            found = find(
                witnesses(pack),
                lambda d, key=(r.rule.id, i): key in failed(d),
                settings=settings(max_examples=500, database=None),
            )
            assert (r.rule.id, i) in failed(found)


def test_every_text_the_solver_may_give_a_field_is_one_the_pack_accepts() -> None:
    """Each text the symbolic order may hold in a free text field, and another text
    (FRESH), comes back as an order the pack accepts: an empty text, an id of another
    form and a NUL in the marker each once made orders the pack refused, so some
    checks went without an order in some runs."""
    import z3

    from checker.judge.checking import Checker
    from checker.pack.rulepack import RulePack, load_pack
    from checker.proof.facts import PackFacts
    from checker.proof.orders import order, realised
    from checker.proof.simplest import Simplest, judge
    from checker.proof.terms import text_val

    pack = load_pack(US_PACK)
    assert isinstance(pack, RulePack)
    checker = Checker(pack)
    symbolic = order((pack, pack), 1)
    facts = PackFacts(pack, 0, symbolic)
    field = symbolic.fields[("order", "seller_of_record")]
    assert field.value.term.domain is not None
    simplest = Simplest(symbolic, (facts,), (checker,))
    tried = 0
    for text in [*field.value.term.domain, *symbolic.ids]:
        solver = z3.Solver()
        solver.add(symbolic.constraints)
        solver.add(facts.valid(), field.value.given)
        if text in symbolic.ids:
            solver.add(symbolic.order_id == text_val(text))
        else:
            solver.add(field.value.term.expr == text_val(text))
        assert solver.check() == z3.sat, text
        # texts the packs write elsewhere (what a pattern makes of another is a free choice)
        document, earlier = realised(symbolic, simplest.any_written(solver))
        assert judge(checker, document, earlier) is not None, (text, document)
        tried += 1
    assert tried > 20
