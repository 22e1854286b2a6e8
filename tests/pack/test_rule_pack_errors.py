"""A broken rule pack is reported with file:line and nothing is checked (exit 2)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BASE_ORDER, PACK, write


def _pack_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    path = pack / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return pack


def _line_of(pack: Path, file: str, needle: str) -> int:
    lines = (pack / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


CASES = [
    # (id, file, old, new, needle on the reported line, expected message words)
    (
        "unknown-fact",
        "domestic-ratio.yaml",
        "when: domestic_units <",
        "when: domestic_unit <",
        "when: domestic_unit <",
        "'domestic_unit' is not a fact or parameter: did you mean 'domestic_units'?",
    ),
    (
        "unknown-key",
        "domestic-ratio.yaml",
        "skip_message:",
        "skip_mesage:",
        "skip_mesage:",
        "unknown key 'skip_mesage'",
    ),
    (
        "unknown-key-in-a-mapping-of-records",
        "pack.yaml",
        "    cap: 400000\n",
        "    cap: 400000\n    colour: red\n",
        "colour: red",
        "unknown key 'colour' at batches.CN-H200-2026-B1: "
        "allowed keys: cap, closes, illustrative, opens",
    ),
    (
        "unknown-key-in-an-entity-batch",
        "pack.yaml",
        "CN-H200-2026-B1: {status: approved, allocation: 150000}",
        "CN-H200-2026-B1: {status: approved, allocation: 150000, quota: 1}",
        "quota: 1}",
        "unknown key 'quota' at entities[0].batches.CN-H200-2026-B1: "
        "allowed keys: allocation, status",
    ),
    (
        "type-mismatch",
        "known-models.yaml",
        "when: unknown_model_count > 0",
        'when: unknown_model_count > "0"',
        "unknown_model_count >",
        "unknown_model_count is a number and cannot be compared with text",
    ),
    (
        "template-name",
        "domestic-ratio.yaml",
        "add {gap} domestic",
        "add {gapp} domestic",
        "add {gapp}",
        "template names {gapp}",
    ),
    (
        "template-specs",
        "domestic-ratio.yaml",
        "add {gap} domestic",
        "add {gap!r} domestic {ratio:>{width}}",
        "add {gap!r}",
        "template fields {gap}, {ratio}: only simple format specs",
    ),
    (
        "param-union-type",
        "domestic-ratio.yaml",
        "    value: 1.0",
        "    value: {x: 1}",
        "value: {x: 1}",
        "parameters.ratio.value must be one of these, not a dict: a whole number",
    ),
    (
        "param-shadows-fact",
        "domestic-ratio.yaml",
        "  ratio:\n",
        "  utilization:\n",
        "  utilization:",
        "shadows a fact",
    ),
    (
        "bad-yaml",
        "batch-window.yaml",
        "status: reported",
        "status: [reported",
        "source:",
        "YAML syntax error",
    ),
    (
        "bad-status",
        "batch-window.yaml",
        "status: reported",
        "status: rumoured",
        "status: rumoured",
        "status is 'rumoured': write one of 'reported' or 'proposed'",
    ),
    (
        "example-order-invalid",
        "batch-window.yaml",
        "units: 10}",
        "units: ten}",
        "units: ten}",
        "must be a whole number",
    ),
    # A pack that could misjudge or fail on an order is a load error (issue 13).
    (
        "param-inf",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: .inf",
        "value: .inf",
        "parameter ratio: inf is not a finite number",
    ),
    (
        "param-nan",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: .nan",
        "value: .nan",
        "parameter ratio: nan is not a finite number",
    ),
    (
        "param-1e309",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: 1e309",
        "value: 1e309",
        "1e309 is too large or too near 0 to hold exactly",
    ),
    # A number is exact or refused, never rounded (issue 22).
    (
        "param-too-many-digits",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: 0.50000000000000000001",
        "value: 0.50000000000000000001",
        "0.50000000000000000001 cannot be held exactly (it would be rounded to 0.5)",
    ),
    (
        "param-1e-400",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: 1e-400",
        "value: 1e-400",
        "1e-400 is too large or too near 0 to hold exactly",
    ),
    (
        "literal-rounded",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units < 16.0000000000000000001",
        "when: domestic_units < 16.0000000000000000001",
        "16.0000000000000000001 cannot be held exactly (it would be rounded to 16.0)",
    ),
    (
        "literal-underflow",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units * 0 >= 1e-400",
        "when: domestic_units * 0 >= 1e-400",
        "1e-400 is too large or too near 0 to hold exactly",
    ),
    (
        "literal-4400-digits",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units < " + "7" * 4400,
        "when: domestic_units < 777",
        "(4400 characters) has 4400 digits: a number has at most 40",
    ),
    (
        "literal-huge-exponent",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units < 1e999999999",
        "when: domestic_units < 1e999999999",
        "1e999999999 is too large or too near 0 to hold exactly",
    ),
    (
        "folded-third",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units < 1 / 3",
        "when: domestic_units < 1 / 3",
        "`1 / 3` is not a decimal chipcheck holds exactly",
    ),
    (
        "nested-parentheses",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: " + "(" * 400 + "domestic_units < 1" + ")" * 400,
        "when: ((((",
        "nested more than 32 deep",
    ),
    (
        "chained-not",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: " + "not " * 1200 + "domestic_units < 1",
        "when: not not",
        "nested more than 32 deep",
    ),
    (
        "unary-minus",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units < " + "-" * 2000 + "1",
        "when: domestic_units < ---",
        "nested more than 32 deep",
    ),
    (
        "long-sum",
        "domestic-ratio.yaml",
        "when: domestic_units < controlled_units * ratio",
        "when: domestic_units < " + " + ".join(["controlled_units"] * 200),
        "when: domestic_units < controlled_units + ",
        "more than 32 operators in a row",
    ),
    (
        "where-nested",
        "pack.yaml",
        "where: model.certified == true",
        "where: " + "(" * 400 + "model.certified == true" + ")" * 400,
        "where: ((((",
        "nested more than 32 deep",
    ),
    (
        "where-rounded",
        "pack.yaml",
        'where: model.controlled == true and deployed_in == "mainland"',
        "where: model.controlled == true and units > 1.00000000000000000001",
        "units > 1.00000000000000000001",
        "1.00000000000000000001 cannot be held exactly",
    ),
    (
        "counts-nested",
        "pack.yaml",
        "counts: has_allocation == true and status not in",
        "counts: " + "not " * 1200 + "has_allocation == true and status not in",
        "counts: not not",
        "nested more than 32 deep",
    ),
    (
        "integer-bound-with-decimals",
        "pack.yaml",
        "      min: 1\n",
        "      min: 1\n      max: 1.5\n",
        "type: integer",  # the declaration's mapping
        "an integer's `max:` is a whole number, not 1.5",
    ),
    (
        "bound-past-2-53",
        "pack.yaml",
        "      min: 1\n",
        "      min: 1\n      max: 100000000000000000000\n",
        "type: integer",
        "`max: 100000000000000000000` is past 9,007,199,254,740,992 (2^53)",
    ),
    (
        "where-unknown-model",
        "pack.yaml",
        'where: model.controlled == true and deployed_in == "mainland"',
        'where: model.controlled == true and deployed_in == "mainland" and model != "nvidia-h2OO"',
        'model != "nvidia-h2OO"',
        "in where: 'nvidia-h2OO' is not a model of the catalog: did you mean 'nvidia-h20'?",
    ),
    (
        "param-1e19",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: 10000000000000000000",
        "value: 1000",
        "10,000,000,000,000,000,000 is outside -9,007,199,254,740,992 to "
        "9,007,199,254,740,992 (2^53), the range the engine computes exactly",
    ),
    (
        "param-tiny",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: 0.00001",
        "value: 0.00001",
        "1e-05 is nearer 0 than 0.0001",
    ),
    (
        "product-out-of-range",
        "domestic-ratio.yaml",
        "value: 1.0",
        "value: 10000",
        "when: domestic_units <",
        "`controlled_units * 10000` can reach 10,000,000,000,000,000",
    ),
    (
        "literal-out-of-range",
        "known-models.yaml",
        "when: unknown_model_count > 0",
        "when: unknown_model_count > 99999999999999999999",
        "when: unknown_model_count",
        "99,999,999,999,999,999,999 is outside",
    ),
    (
        "cap-out-of-range",
        "pack.yaml",
        "cap: 400000",
        "cap: 100000000000000000000",
        "cap: 1000",
        "9007199254740992",
    ),
    (
        "param-reserved",
        "domestic-ratio.yaml",
        "  ratio:\n",
        "  ratio:\n    value: 1.0\n  gap:\n",
        "  gap:",
        "parameter name 'gap' is reserved",
    ),
    (
        "spec-comma-on-text",
        "domestic-ratio.yaml",
        "{controlled_units} controlled units at",
        "{batch:,} controlled units at",
        'message: "too few',
        "cannot format batch, which is text",
    ),
    (
        "spec-d-on-float",
        "domestic-ratio.yaml",
        "{limit} required",
        "{limit:d} required",
        "{limit:d}",
        "cannot format limit, which is number",
    ),
    (
        "spec-huge-width",
        "domestic-ratio.yaml",
        "{value} domestic units,",
        "{value:999999999} domestic units,",
        "{value:999",
        "a width or precision over 100",
    ),
    (
        "literal-not-a-choice",
        "approved-buyer.yaml",
        'buyer_status == "queued"',
        'buyer_status == "queud"',
        'buyer_status == "queud"',
        "'queud' is none of them, so `buyer_status == \"queud\"` never depends on it; "
        "did you mean 'queued'?",
    ),
    (
        "duplicate-id",
        "batch-window.yaml",
        "id: batch-window",
        "id: batch-quota",
        "id: batch-quota",
        "duplicate rule id 'batch-quota': batch-quota.yaml defines it",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pack_error_is_located(
    cli: Any, tmp_path: Path, file: str, old: str, new: str, needle: str, words: str
) -> None:
    pack = _pack_copy(tmp_path, file, old, new)
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.code == 2
    assert run.out == ""
    line = _line_of(pack, file, needle)
    assert f"pack/{file}:{line}:" in run.err
    assert words in run.err
    assert "is invalid; nothing was checked" in run.err
    assert "Traceback" not in run.err


def test_condition_error_points_at_the_column(cli: Any, tmp_path: Path) -> None:
    pack = _pack_copy(
        tmp_path, "domestic-ratio.yaml", "controlled_units * ratio", "controlled_units * ratoi"
    )
    run = cli("rules", "--rules", pack)
    line = _line_of(pack, "domestic-ratio.yaml", "ratoi")
    text = (pack / "domestic-ratio.yaml").read_text().splitlines()[line - 1]
    assert f"domestic-ratio.yaml:{line}:{text.index('ratoi') + 1}: in when: 'ratoi'" in run.err


def test_unlisted_rule_file(cli: Any, tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path, "pack.yaml", "  - known-models\n", "")
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert "rule 'known-models' is not listed under rules: in pack.yaml" in run.err


def test_listed_rule_without_file(cli: Any, tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path, "pack.yaml", "  - known-models\n", "  - known-models\n  - ghost\n")
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert "rule 'ghost' is listed but ghost.yaml does not exist" in run.err


def test_not_a_pack(cli: Any, tmp_path: Path) -> None:
    run = cli("rules", "--rules", tmp_path)
    assert run.code == 2
    assert "pack.yaml is missing" in run.err


def test_rule_without_fail_example_is_a_warning(cli: Any, tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path, "known-models.yaml", "expect: fail", "expect: pass")
    run = cli("rules", "--rules", pack)
    assert run.code == 0
    assert "warning: " in run.err and "known-models.yaml" in run.err
    assert "no pass or no fail example" in run.err


def test_changing_a_number_is_a_data_edit(cli: Any, tmp_path: Path) -> None:
    """The ratio lives in YAML: halving it turns the bundled warning into a pass."""
    write(
        tmp_path,
        "orders/o.yaml",
        BASE_ORDER.replace("units: 8000\n  - model: huawei", "units: 16000\n  - model: huawei"),
    )
    before = cli("check", "orders", "--format", "json", "--enforce-proposed")
    assert before.status("o.yaml", "domestic-ratio") == "fail"
    pack = _pack_copy(tmp_path, "domestic-ratio.yaml", "value: 1.0", "value: 0.5")
    after = cli("check", "orders", "--rules", pack, "--format", "json", "--enforce-proposed")
    assert after.status("o.yaml", "domestic-ratio") == "pass"
    assert after.report["rulepack"]["sha256"] != before.report["rulepack"]["sha256"]


def test_a_value_matching_no_union_member_is_one_problem(cli: Any, tmp_path: Path) -> None:
    """int | float | bool | str | a list: pydantic reports each member; the user reads one."""
    pack = _pack_copy(tmp_path, "domestic-ratio.yaml", "    value: 1.0", "    value: {x: 1}")
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2
    assert run.err.count("parameters.ratio.value") == 1, run.err
    for hint in ("a whole number", "a number", "text", "true or false", "a list"):
        assert hint in run.err


def test_a_pack_yaml_error_does_not_hide_the_rule_files_errors(cli: Any, tmp_path: Path) -> None:
    pack = _pack_copy(
        tmp_path, "pack.yaml", "    cap: 400000\n", "    cap: 400000\n    colour: red\n"
    )
    text = (pack / "known-models.yaml").read_text(encoding="utf-8")
    (pack / "known-models.yaml").write_text(
        text.replace("status: reported", "status: rumoured"), encoding="utf-8"
    )
    run = cli("rules", "--rules", pack)
    assert run.code == 2
    assert f"pack/pack.yaml:{_line_of(pack, 'pack.yaml', 'colour: red')}:" in run.err
    assert f"pack/known-models.yaml:{_line_of(pack, 'known-models.yaml', 'rumoured')}:" in run.err


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "words"),
    [
        ("domestic-ratio.yaml", "  ratio:\n", "  spare:\n    value: 3\n  ratio:\n", "  spare:",
         "parameter 'spare' is used by no condition or message"),
        ("batch-window.yaml", "when: batch_known == false",
         'when: batch_known == false and batch != "CN-H200-2026-B7"', "batch_known == false",
         "'CN-H200-2026-B7' is no batch in the pack's reference data (did you mean "
         "'CN-H200-2026-B2'?)"),
        ("known-models.yaml", "when: unknown_model_count > 0",
         "when: unknown_model_count > 5 and unknown_model_count < 6", "unknown_model_count > 5",
         "this can never hold: no value of unknown_model_count meets every bound"),
    ],
)  # fmt: skip
def test_authoring_warnings_and_strict(
    cli: Any, tmp_path: Path, file: str, old: str, new: str, needle: str, words: str
) -> None:
    """The pack still judges as written (exit 0), but `rules test --strict` fails."""
    pack = _pack_copy(tmp_path, file, old, new)
    run = cli("rules", "--rules", pack)
    assert run.code == 0
    line = _line_of(pack, file, needle)
    assert f"warning: {pack / file}:{line}:" in run.err and words in run.err, run.err
    strict = cli("rules", "test", "--rules", pack, "--strict")
    assert strict.code == 1
    assert "--strict: 1 warning(s) about the pack" in strict.err


def test_one_mistake_in_pack_yaml_is_one_error_not_eighty(cli: Any, tmp_path: Path) -> None:
    """A wrong check digit on one entity made pack.yaml invalid, and with it every
    example order that gives a field pack.yaml declares: those follow, and are one line."""
    pack = _pack_copy(tmp_path, "pack.yaml", "uscc: 91110108000000001A", "uscc: 91110108000000001B")
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2 and run.out == ""
    lines = run.err.splitlines()
    line = _line_of(pack, "pack.yaml", "uscc: 91110108000000001B")
    assert len(lines) == 3, run.err
    assert any(f"pack/pack.yaml:{line}:" in x and "check digit is 'B'" in x for x in lines)
    assert any("unknown keys in the example orders of" in x and "fix pack.yaml first" in x
               for x in lines)  # fmt: skip
    assert "nothing was checked" in lines[-1]
