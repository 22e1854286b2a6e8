"""The condition language through the real CLI, each construct in a pack written for it.

Every test writes a pack of one rule (the bundled reference data, a rule of its own)
and orders, runs `chipcheck check`, and reads the verdicts a user would read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACK, REPO, order_text, write

RULE = """\
id: probe
title: A rule written for one test
status: reported
source: tests/lang/test_language.py
description: Fails when any of its checks holds.
{parameters}message: "probe"
pass_message: "no check holds"
checks:
{checks}"""


def pack_with(tmp_path: Path, checks: list[str] | str, parameters: str = "") -> Path:
    """The bundled pack.yaml with one rule, `probe`, whose checks are `checks` (each a
    `when` text with message "check N", or YAML for the whole checks list)."""
    pack = tmp_path / "pack"
    pack.mkdir(exist_ok=True)
    meta = (PACK / "pack.yaml").read_text(encoding="utf-8")
    meta = re.sub(r"rules:\n(  - .*\n)+", "rules:\n  - probe\n", meta)
    (pack / "pack.yaml").write_text(meta, encoding="utf-8")
    if isinstance(checks, list):
        checks = "".join(
            f"  - when: {json.dumps(when)}\n    message: check {i}\n"
            for i, when in enumerate(checks, 1)
        )
    params = f"parameters:\n{parameters}" if parameters else ""
    (pack / "probe.yaml").write_text(
        RULE.format(parameters=params, checks=checks), encoding="utf-8"
    )
    return pack


def status(cli: Any, pack: Path, order: str, tmp_path: Path) -> str:
    write(tmp_path, "orders/o.yaml", order)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.code in (0, 1), run.err
    return str(run.status("o.yaml", "probe"))


def fired(cli: Any, pack: Path, order: str, tmp_path: Path) -> list[str]:
    """The checks of `probe` that the order fails, by number ("check N" messages)."""
    write(tmp_path, "orders/o.yaml", order)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.code in (0, 1), run.err
    result = run.order("o.yaml")["results"][0]
    if result["status"] == "pass":
        return []
    return re.findall(r"check \d+", result["message"])


# The base order: 8,000 controlled units (nvidia-h200), 8,000 domestic, 16,000 in all;
# buyer approved (ByteDance); utilization 0.93.
BASE = order_text()


@pytest.mark.parametrize(
    ("when", "holds"),
    [
        ("total_units == 16000", True),
        ("total_units == 16_000", True),  # YAML-style digit groups
        ("total_units == 1.6e4", True),  # an exponent that makes a whole number
        ("total_units > 5e4", False),
        ("total_units -1 == 15999", True),  # "-1" after a value is a subtraction
        ("total_units - 1 == 15_999", True),
        ("controlled_units + domestic_units * 2 == 24000", True),  # * before +
        ("(controlled_units + domestic_units) * 2 == 32000", True),
        ("controlled_units - domestic_units - 1 == -1", True),  # left to right
        ("-controlled_units == -8000", True),
        ("total_units / 3 > 5333", True),  # exact division: 5333.33...
        ("total_units / 3 < 5334", True),
        ("controlled_units % 3 == 2", True),  # 8000 = 3 * 2666 + 2
        ("controlled_units % 8 != 0", False),
        ("16000 == total_units", True),  # a fact on the right only
        ("total_units + 0 == controlled_units + domestic_units", True),  # no field alone
        ("buyer_status == 'approved'", True),  # single quotes
    ],
)
def test_arithmetic_and_numbers(cli: Any, tmp_path: Path, when: str, holds: bool) -> None:
    pack = pack_with(tmp_path, [when])
    assert fired(cli, pack, BASE, tmp_path) == (["check 1"] if holds else [])


@pytest.mark.parametrize(
    ("when", "holds"),
    [
        ("controlled_units > 0 and domestic_units > 0", True),
        ("controlled_units > 0 and domestic_units > 8000", False),
        ("controlled_units > 10000 or domestic_units > 0", True),
        ("controlled_units > 10000 or domestic_units > 9000", False),
        ("not controlled_units > 10000", True),
        ("not (controlled_units > 0 and domestic_units > 0)", False),
        ("not controlled_units > 0 or domestic_units == 8000", True),  # not binds tightest
        # and before or: true or (false and false) is true, (true or false) and false is not
        ("total_units > 0 or total_units > 99999 and total_units < 0", True),
        ("(total_units > 0 or total_units > 99999) and total_units < 0", False),
        ("has_justification == true and (utilization < 0.5 or site_chars == 0)", False),
        ("not (utilization >= 0.5 and utilization <= 1)", False),
    ],
)
def test_and_or_not_and_parentheses(cli: Any, tmp_path: Path, when: str, holds: bool) -> None:
    pack = pack_with(tmp_path, [when])
    assert fired(cli, pack, BASE, tmp_path) == (["check 1"] if holds else [])


@pytest.mark.parametrize(
    ("when", "holds"),
    [
        ('date >= "2026-02-03"', True),  # the base order is dated 2026-02-03
        ('date > "2026-02-03"', False),
        ('"2026-03-01" > date', True),
        ("needed_by > date", True),  # needed 2026-05-01
        ("needed_by <= batch_opens", False),
        ('date in ["2026-02-03", "2026-02-04"]', True),
        ('date != "2026-02-03"', False),
    ],
)
def test_dates_compare_as_dates(cli: Any, tmp_path: Path, when: str, holds: bool) -> None:
    pack = pack_with(tmp_path, [when])
    assert fired(cli, pack, BASE, tmp_path) == (["check 1"] if holds else [])


@pytest.mark.parametrize(
    ("when", "holds"),
    [
        ('buyer_status in ["approved", "queued"]', True),
        ('buyer_status not in ["approved", "queued"]', False),
        ('buyer_status in ["queued"]', False),
        ("total_units in [16000, 32000]", True),
        ("buyer_status in []", False),
        ("buyer_status not in []", True),
        ("batch in listed", True),  # a list parameter of ten values: looked up first
        ("batch not in listed", False),
        ("not batch in listed", False),
        ("batch in few", False),
    ],
)
def test_membership_in_lists(cli: Any, tmp_path: Path, when: str, holds: bool) -> None:
    listed = ", ".join(f"CN-H200-2026-X{i}" for i in range(9)) + ", CN-H200-2026-B1"
    parameters = f"  listed:\n    value: [{listed}]\n  few:\n    value: [A, B]\n"
    pack = pack_with(tmp_path, [when], parameters)
    assert fired(cli, pack, BASE, tmp_path) == (["check 1"] if holds else [])


@pytest.mark.parametrize(
    ("when", "words", "column"),
    [
        ("total_units >", "condition ends early", None),
        ("total_unit > 0", "did you mean 'total_units'?", 0),
        ("total_units > 1_", "an underscore goes between two digits", 14),
        ("total_units > 0 and", "condition ends early", None),
        ("(total_units > 0", "expected ')'", None),
        ("total_units > 0 total_units", "expected 'and', 'or' or the end", 16),
        ("total_units / domestic_units > 1", "the divisor of / must be a parameter", 14),
        ("total_units % 0 > 1", "% by zero", 14),
        ("utilization % 2 > 0", "% needs whole numbers", 12),
        ('buyer_status in [1, 2]', "buyer_status is text and the list holds number values", 16),
        ("buyer_status < 'b'", "< needs numbers or dates; buyer_status is text", 13),
        ('date < "soon"', "'soon' is compared with a date but is not one: write YYYY-MM-DD", 7),
        ("date == buyer_name", "date is a date and cannot be compared with text", 8),
        ("date - needed_by > 3", "days between two dates are a fact declared in pack.yaml", 0),
        ('date in ["2026-02-30x"]', "date is a date; '2026-02-30x' is not one", 8),
        ('date == "2026-02-30"', "'2026-02-30' is compared with a date but is not a real", 8),
        ('date in ["2026-01-31", "2026-02-29"]', "'2026-02-29' is not a real calendar date", 8),
        ("1 < 2", "reads no fact: it is true or false for every order", 0),
        ('total_units > 0 and buyer_status == "aproved"', "did you mean 'approved'?", 20),
        ("total_units in few", "parameter 'few' is not a list", 15),
        ("total_units > few", "parameter 'few' is a list: use it after 'in'", None),
    ],
)  # fmt: skip
def test_mistakes_are_load_errors_at_their_column(
    cli: Any, tmp_path: Path, when: str, words: str, column: int | None
) -> None:
    few = "  few:\n    value: 3\n" if "in few" in when else "  few:\n    value: [1, 2]\n"
    pack = pack_with(tmp_path, [when], few)
    write(tmp_path, "orders/o.yaml", BASE)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2 and run.out == ""
    assert words in run.err, run.err
    line = next(
        i
        for i, text in enumerate((pack / "probe.yaml").read_text().splitlines(), 1)
        if "when:" in text
    )
    if column is not None:  # the condition is written "quoted", after `  - when: `
        assert f"probe.yaml:{line}:{len('  - when: ') + 2 + column}:" in run.err, run.err


def test_a_condition_wider_than_the_engine_holds_is_a_load_error(cli: Any, tmp_path: Path) -> None:
    wide = " or ".join(f"total_units > {i}" for i in range(64))
    pack = pack_with(tmp_path, [wide])
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert "the condition has 64 tests" in run.err and "at most 63" in run.err


def test_a_pack_larger_than_one_ruleset_is_split_and_judged_whole(cli: Any, tmp_path: Path) -> None:
    """150 checks that all fail at once: more than one durable ruleset can hold."""
    pack = pack_with(tmp_path, [f"total_units > {i}" for i in range(150)])
    assert fired(cli, pack, BASE, tmp_path) == [f"check {i}" for i in range(1, 151)]


def test_fix_values_follow_the_named_comparison_not_the_last(cli: Any, tmp_path: Path) -> None:
    """Adding a clause at the end used to reword {value} and {limit} (issue 14)."""
    checks = (
        '  - when: domestic_units < controlled_units * 2 and buyer_uscc != "X"\n'
        "    fix: domestic_units\n"
        '    message: "{value} domestic, {limit} required: add {gap}"\n'
    )
    pack = pack_with(tmp_path, checks)
    write(tmp_path, "orders/o.yaml", BASE)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    # 8,000 domestic for 8,000 controlled at 2 per unit: 16,000 required, add 8,000
    assert run.message("o.yaml", "probe") == "probe: 8,000 domestic, 16,000 required: add 8,000"


def test_an_ambiguous_fix_is_a_load_error_naming_what_to_add(cli: Any, tmp_path: Path) -> None:
    checks = (
        "  - when: domestic_units < controlled_units and utilization < 0.5\n"
        '    message: "add {gap}"\n'
    )
    run = cli("rules", "--rules", pack_with(tmp_path, checks))
    assert run.code == 2
    assert "message names {gap}" in run.err and "name the fact with `fix:`" in run.err


def test_the_fix_is_exact_when_the_limit_moves_with_the_fact(cli: Any, tmp_path: Path) -> None:
    """`domestic_units < total_units * 0.5`: each domestic unit added also adds to the
    total, so the old message said "add 4,000" where 8,000 are needed (issue 14)."""
    checks = (
        "  - when: domestic_units < total_units * share\n"
        '    message: "{value} domestic, {limit} required: add {gap} domestic units"\n'
    )
    pack = pack_with(tmp_path, checks, "  share:\n    value: 0.6\n")
    write(tmp_path, "orders/o.yaml", BASE)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    # x >= 0.6 * (x + 8000)  <=>  0.4 x >= 4800  <=>  x >= 12000: add 4,000 to the 8,000
    assert run.message("o.yaml", "probe") == (
        "probe: 8,000 domestic, 12,000 required: add 4,000 domestic units"
    )
    domestic = "huawei-ascend-910c\n    units: "
    followed = order_text((domestic + "8000", domestic + "12000"))
    assert status(cli, pack, followed, tmp_path) == "pass"  # 12,000 >= 0.6 * 20,000
    one_short = order_text((domestic + "8000", domestic + "11999"))
    assert status(cli, pack, one_short, tmp_path) == "fail"  # 11,999 < 0.6 * 19,999


def test_no_number_where_no_change_of_the_fact_can_fix_it(cli: Any, tmp_path: Path) -> None:
    checks = (
        '  - when: domestic_units < total_units * share\n    message: "add {gap} domestic units"\n'
    )
    pack = pack_with(tmp_path, checks, "  share:\n    value: 1.0\n")
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert "{gap} and {target}" in run.err and "cannot make the check pass" in run.err


def test_the_bundled_pack_still_judges_the_examples_as_before(cli: Any) -> None:
    run = cli("check", REPO / "examples" / "orders", "--format", "json")
    verdicts = {Path(o["file"]).name: o["verdict"] for o in run.report["orders"]}
    assert verdicts == {
        "alibaba-2026-0003.yaml": "pass",
        "alibaba-2026-0009.yaml": "fail",
        "alibaba-2026-0021.yaml": "pass",
        "alibaba-2026-0044.yaml": "pass",
        "deepseek-2026-0002.yaml": "fail",
        "tencent-2026-0040.yaml": "fail",
        "bytedance-2026-0007.yaml": "pass",
        "bytedance-2026-0031.yaml": "fail",
        "example-cloud-2026-0001.json": "fail",
        "tencent-2026-0001.yaml": "fail",
        "tencent-2026-0012.yaml": "pass",
    }


@pytest.mark.parametrize(
    ("period", "date", "expected"),
    [
        ("effective_from: 2026-03-01\n", "2026-02-28", "skip"),
        ("effective_from: 2026-03-01\n", "2026-03-01", "fail"),
        ("effective_until: 2026-02-02\n", "2026-02-03", "skip"),
        ("effective_until: 2026-02-03\n", "2026-02-03", "fail"),
        ("effective_from: 2026-02-01\neffective_until: 2026-02-28\n", "2026-02-03", "fail"),
        ("effective_from: 2026-02-04\neffective_until: 2026-02-28\n", "2026-02-03", "skip"),
    ],
)
def test_a_rule_is_skipped_outside_its_effective_period(
    cli: Any, tmp_path: Path, period: str, date: str, expected: str
) -> None:
    pack = pack_with(tmp_path, ["total_units > 0"])
    rule = (pack / "probe.yaml").read_text(encoding="utf-8")
    (pack / "probe.yaml").write_text(rule.replace("checks:\n", period + "checks:\n"), "utf-8")
    order = order_text(("date: 2026-02-03", f"date: {date}"),
                       ("needed_by: 2026-05-01", "needed_by: 2026-05-30"))  # fmt: skip
    write(tmp_path, "orders/o.yaml", order)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.status("o.yaml", "probe") == expected
    if expected == "skip":
        message = run.message("o.yaml", "probe")
        assert message.startswith(f"not in effect on {date}: the rule applies to orders dated")


def test_an_effective_period_that_ends_before_it_starts_is_a_load_error(
    cli: Any, tmp_path: Path
) -> None:
    pack = pack_with(tmp_path, ["total_units > 0"])
    rule = (pack / "probe.yaml").read_text(encoding="utf-8")
    period = "effective_from: 2026-03-01\neffective_until: 2026-02-01\n"
    (pack / "probe.yaml").write_text(rule.replace("checks:\n", period + "checks:\n"), "utf-8")
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert "effective_until is before effective_from" in run.err


def test_a_condition_nesting_more_groups_than_the_engine_builds_is_a_load_error(
    cli: Any, tmp_path: Path
) -> None:
    nested = " and ".join(f"(total_units > {i} or domestic_units > {i})" for i in range(15))
    run = cli("rules", "--rules", pack_with(tmp_path, [nested]))
    assert run.code == 2
    assert "the condition nests 15 and/or groups" in run.err and "at most 14" in run.err
    # (a and b) and c is one group: merged before counting
    flat = " and ".join(f"(total_units > {i} and domestic_units > {i})" for i in range(15))
    (tmp_path / "flat").mkdir()
    assert cli("rules", "--rules", pack_with(tmp_path / "flat", [flat])).code == 0


KEYED = (
    "  share:\n    value: 0.9\n    by: batch\n    values: {CN-H200-2026-B1: 0.6}\n"
    "  floor:\n    value: 1\n    by: buyer_uscc\n    values: {91110108000000001A: 20000}\n"
)


def test_a_parameter_takes_a_value_per_key(cli: Any, tmp_path: Path) -> None:
    checks = (
        "  - when: domestic_units < total_units * share\n"
        '    message: "{value} domestic of {limit} needed at {share}: add {gap}"\n'
        "  - when: total_units < floor\n"
        '    message: "below {floor}"\n'
    )
    pack = pack_with(tmp_path, checks, KEYED)
    write(tmp_path, "orders/b1.yaml", BASE)  # batch B1, ByteDance: share 0.6, floor 20,000
    other = BASE.replace("batch: CN-H200-2026-B1", "batch: CN-H200-2026-B7")
    write(tmp_path, "orders/b7.yaml", other.replace("order_id: T-1", "order_id: T-7"))
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.code == 1, run.err
    # 8,000 of 16,000 is below 0.6: x / (8,000 + x) >= 0.6 first at x = 12,000 domestic,
    # so add 4,000 (total 20,000, of which 12,000 is 0.6), solved across total_units
    assert run.message("b1.yaml", "probe") == (
        "probe: 8,000 domestic of 12,000 needed at 0.6: add 4,000; below 20,000"
    )
    # any other batch takes the default 0.9, any other buyer the floor 1
    assert run.message("b7.yaml", "probe") == (
        "probe: 8,000 domestic of 72,000 needed at 0.9: add 64,000; below 20,000"
    )
    result = run.order("b1.yaml")["results"][0]
    assert result["facts"]["share@probe"] == 0.6


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        ("  share:\n    value: 0.5\n    by: batch\n    values: {CN-H200-2026-B9: 0.6}\n",
         "'CN-H200-2026-B9' is no batch in the pack's reference data "
         "(did you mean 'CN-H200-2026-B2'?)"),
        ("  share:\n    value: 0.5\n    by: bach\n    values: {CN-H200-2026-B1: 0.6}\n",
         "by: 'bach' is not a fact of the order: did you mean 'batch'?"),
        ("  share:\n    value: 0.5\n    by: batch\n    values: {CN-H200-2026-B1: high}\n",
         "'high' is not of the type of value: 0.5"),
        ("  share:\n    value: 0.5\n    by: total_units\n    values: {'1': 0.6}\n",
         "by: total_units is not text: key by a text fact"),
        ("  share:\n    value: 0.5\n    by: batch\n",
         "by: (the fact that picks the value) and values: go together"),
    ],
)  # fmt: skip
def test_keyed_parameter_mistakes_are_load_errors(
    cli: Any, tmp_path: Path, parameters: str, words: str
) -> None:
    pack = pack_with(tmp_path, ["domestic_units < total_units * share"], parameters)
    write(tmp_path, "orders/o.yaml", BASE)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2
    assert words in run.err, run.err
    assert f"{pack / 'probe.yaml'}:" in run.err


def test_a_digit_grouped_parameter_is_text_and_the_warning_says_how_to_write_it(
    cli: Any, tmp_path: Path
) -> None:
    """`50_000` is a number in a condition but text in YAML (1.2): unquoted, it was meant
    as a number, and the error at the value says what to write; quoted, it is text."""
    pack = pack_with(tmp_path, ["total_units > cap"], "  cap:\n    value: 400_000\n")
    write(tmp_path, "orders/o.yaml", BASE)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2
    probe = pack / "probe.yaml"
    line = next(i for i, t in enumerate(probe.read_text().splitlines(), 1) if "400_000" in t)
    assert (
        f"{probe}:{line}:12: parameter cap: 400_000 is text, not a number: YAML has "
        "no digit groups (conditions do); write 400000"
    ) in run.err
    quoted = pack_with(tmp_path, ["batch != code"], '  code:\n    value: "400_000"\n')
    assert cli("check", "orders", "--rules", quoted).code == 1  # text on purpose: it loads
