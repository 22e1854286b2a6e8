"""`pattern:` on a declared text field: the form a reference must have, matched whole by
a linear-time engine, checked when the pack loads, through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BASE_ORDER, pack_copy, write

DECLARED = "    approval_ref:\n      type: text\n"
FORM = r"NDRC-[0-9]{4}(-[A-Z0-9]+)?-[0-9]{4}"  # as the rule examples and orders write it


def _pack(tmp_path: Path, pattern: str, declared: str = DECLARED) -> Path:
    form = declared + f"      pattern: '{pattern}'\n"
    return pack_copy(tmp_path / "pack", ("pack.yaml", declared, form))


def _order(tmp_path: Path, name: str, ref: str) -> None:
    write(tmp_path, f"orders/{name}", BASE_ORDER.replace("batch:", f"approval_ref: {ref}\nbatch:"))


def test_a_reference_not_of_the_declared_form_is_an_input_error(cli: Any, tmp_path: Path) -> None:
    pack = _pack(tmp_path, FORM)
    _order(tmp_path, "good.yaml", "NDRC-2026-H200-0412")
    _order(tmp_path, "bad.yaml", "NDRC-2026-H200-412")
    _order(tmp_path, "inside.yaml", "see NDRC-2026-H200-0412")  # the whole text must match
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.code == 2
    assert run.order("good.yaml")["verdict"] != "error"
    for name, ref in (
        ("bad.yaml", "NDRC-2026-H200-412"),
        ("inside.yaml", "see NDRC-2026-H200-0412"),
    ):
        (error,) = run.order(name)["errors"]
        assert error["message"] == (
            f"approval_ref is {ref!r}: it must have the form the pack declares, {FORM}"
        )
        assert (error["line"], error["column"]) == (6, 15)


@pytest.mark.parametrize(
    ("pattern", "declared", "words"),
    [
        ("(a+)+\\1", DECLARED, "is not a regular expression chipcheck can match in linear time"),
        (
            "NDRC-(?=2026)",
            DECLARED,
            "is not a regular expression chipcheck can match in linear time",
        ),
        ("[0-9", DECLARED, "is not a regular expression chipcheck can match in linear time"),
        ("[0-9]+", "    cap:\n      type: integer\n", "`pattern:` is the form of free text"),
    ],
    ids=["backreference", "look-ahead", "unclosed", "on-an-integer"],
)
def test_a_pattern_that_could_misjudge_is_a_load_error(
    cli: Any, tmp_path: Path, pattern: str, declared: str, words: str
) -> None:
    pack = _pack(tmp_path, pattern, declared)
    _order(tmp_path, "o.yaml", "NDRC-2026-H200-0412")
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2 and run.out == ""
    assert "pack/pack.yaml:" in run.err and words in run.err
    assert "nothing was checked" in run.err


def test_the_order_schema_carries_the_pattern_for_editors(cli: Any, tmp_path: Path) -> None:
    pack = _pack(tmp_path, FORM)
    run = cli("schema", "order", "--rules", pack)
    assert run.code == 0
    assert json.loads(run.out)["properties"]["approval_ref"]["pattern"] == f"^(?:{FORM})$"


def test_generated_orders_give_a_declared_form_valid_values(cli: Any, tmp_path: Path) -> None:
    """The strategies draw text of the declared form (no example need give one), so
    `rules test` and users' property tests judge valid orders: it exited 3 on such a
    pack, drawing the placeholder text "generated"."""
    from hypothesis import given, settings

    from checker.authoring.strategies import orders
    from checker.judge.checking import Checker
    from checker.pack.rulepack import RulePack, load_pack

    pack = _pack(tmp_path, FORM)
    run = cli("rules", "test", "--rules", pack)
    assert run.code == 0, run.out + run.err
    loaded = load_pack(pack)
    assert isinstance(loaded, RulePack)
    checker = Checker(loaded)
    refs = []

    @settings(max_examples=60)
    @given(orders(loaded))
    def judged(document: dict[str, Any]) -> None:
        (outcome,) = checker.evaluate_documents([document])  # raises for an invalid order
        assert isinstance(outcome, tuple)
        refs.append(document.get("approval_ref"))

    judged()
    assert any(r is not None and r != "NDRC-2026-0001" for r in refs), refs


def _rule_check(tmp_path: Path, when: str) -> Path:
    """The bundled pack, purchase-approval with a second check `when`."""
    anchor = "  - when: has_approval_ref == false\n"
    check = (
        f'  - when: {when}\n    message: "approval_ref {{approval_ref}} is not an NDRC reference"\n'
    )
    return pack_copy(tmp_path / "pack", ("purchase-approval.yaml", anchor, check + anchor))


def test_a_rule_tests_the_form_of_a_reference(cli: Any, tmp_path: Path) -> None:
    pack = _rule_check(tmp_path, f"has_approval_ref == true and approval_ref not matches '{FORM}'")
    later = BASE_ORDER.replace("date: 2026-02-03", "date: 2026-09-03")
    write(
        tmp_path,
        "orders/good.yaml",
        later.replace("batch:", "approval_ref: NDRC-2026-0412\nbatch:"),
    )
    bad = later.replace("order_id: T-1", "order_id: T-2")
    write(tmp_path, "orders/bad.yaml", bad.replace("batch:", "approval_ref: ndrc 2026/412\nbatch:"))
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.status("good.yaml", "purchase-approval") == "pass", run.out
    assert run.status("bad.yaml", "purchase-approval") == "fail"
    assert "ndrc 2026/412 is not an NDRC reference" in run.message("bad.yaml", "purchase-approval")


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("approval_ref matches '(a)+\\\\1'", "holds no backslash"),
        ("approval_ref matches 'NDRC-(?!0)'", "not a regular expression chipcheck can match"),
        ("controlled_units matches '[0-9]+'", "matches needs text; controlled_units is a number"),
    ],
    ids=["backslash", "look-ahead", "a-number"],
)
def test_a_pattern_test_that_could_misjudge_is_a_load_error(
    cli: Any, tmp_path: Path, when: str, words: str
) -> None:
    pack = _rule_check(tmp_path, when)
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2 and run.out == ""
    assert "pack/purchase-approval.yaml:" in run.err and words in run.err


def test_text_compared_ignoring_case_and_spacing(cli: Any, tmp_path: Path) -> None:
    """`~=` is equal as a person reads it ("ndrc-2026-0412" is "NDRC-2026-0412"), while
    `==` stays exact."""
    pack = _rule_check(tmp_path, "approval_ref ~= ' ndrc-2026-0412'")
    later = BASE_ORDER.replace("date: 2026-02-03", "date: 2026-09-03")
    same = later.replace("batch:", "approval_ref: NDRC-2026-0412\nbatch:")
    write(tmp_path, "orders/same.yaml", same)
    other = later.replace("order_id: T-1", "order_id: T-2")
    write(
        tmp_path,
        "orders/other.yaml",
        other.replace("batch:", "approval_ref: NDRC-2026-0413\nbatch:"),
    )
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.status("same.yaml", "purchase-approval") == "fail", run.out
    assert run.status("other.yaml", "purchase-approval") == "pass"
    exact = _rule_check(tmp_path / "exact", "approval_ref == 'ndrc-2026-0412'")
    shutil.copytree(tmp_path / "orders", tmp_path / "exact" / "orders")
    run = cli("check", tmp_path / "exact" / "orders", "--rules", exact, "--format", "json")
    assert run.status("same.yaml", "purchase-approval") == "pass"


def test_folding_a_number_is_a_load_error(cli: Any, tmp_path: Path) -> None:
    pack = _rule_check(tmp_path, "controlled_units ~= 8000")
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2 and "~= compares text; controlled_units is a number" in run.err
