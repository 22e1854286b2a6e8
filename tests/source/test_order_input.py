"""Every strictness case of SPEC section 1 is an input error with its line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BASE_ORDER, order_text, write

U = "    units: 8000\n  - model: huawei"  # the first line's units (line 9)

CASES = [
    # (id, replacement, line, column, words in the message)
    ("typo-key", ("justification:", "justfication:"), 12, 1, "did you mean 'justification'"),
    (
        "duplicate-key",
        ("batch: CN-H200-2026-B1\n", "batch: CN-H200-2026-B1\nbatch: X\n"),
        7,
        1,
        "duplicate key 'batch' (first at line 6)",
    ),
    ("units-string", (U, '    units: "8000"\n  - model: huawei'), 9, 12, "whole number"),
    ("units-float", (U, "    units: 8000.0\n  - model: huawei"), 9, 12, "whole number"),
    ("units-exponent", (U, "    units: 8e3\n  - model: huawei"), 9, 12, "whole number"),
    ("units-bool", (U, "    units: true\n  - model: huawei"), 9, 12, "not true (a boolean)"),
    ("units-zero", (U, "    units: 0\n  - model: huawei"), 9, 12, "it must be greater than 0"),
    ("units-negative", (U, "    units: -5\n  - model: huawei"), 9, 12, "it must be greater than 0"),
    ("date-not-real", ("date: 2026-02-03", "date: 2026-02-30"), 2, 7, "not a real calendar date"),
    ("date-text", ("needed_by: 2026-05-01", "needed_by: soon"), 15, 14, "'soon' is not a date"),
    (
        "utilization-over-1",
        ("utilization: 0.93", "utilization: 1.5"),
        16,
        16,
        "it must be at most 1",
    ),
    (
        "utilization-negative",
        ("utilization: 0.93", "utilization: -0.1"),
        16,
        16,
        "it must be at least 0",
    ),
    ("uscc-length", ("uscc: 91110108000000001A", "uscc: 9111010800000001A"), 5, 9, "has 17"),
    (
        "uscc-alphabet",
        ("uscc: 91110108000000001A", "uscc: 9111010800000000IA"),
        5,
        9,
        "'I' at position 17",
    ),
    (
        "uscc-lowercase",
        ("uscc: 91110108000000001A", "uscc: 91110108000000001a"),
        5,
        9,
        "use capital letters",
    ),
    (
        "uscc-check-digit",
        ("uscc: 91110108000000001A", "uscc: 91110108000000001B"),
        5,
        9,
        "the first 17 characters give 'A'",
    ),
    ("anchor", ("  site: Ulanqab", "  site: &s Ulanqab"), 14, 9, "anchor &s is not allowed"),
    (
        "tag",
        ("batch: CN-H200-2026-B1", "batch: !licence CN-H200-2026-B1"),
        6,
        8,
        "tag !licence is not allowed",
    ),
    ("missing-field", ("batch: CN-H200-2026-B1\n", ""), 1, 1, "batch is required"),
    ("order-id-pattern", ("order_id: T-1", "order_id: T 1"), 1, 11, "order_id"),
    (
        "no-lines",
        (
            "lines:\n  - model: nvidia-h200\n    units: 8000\n  - model: huawei-ascend-910c\n"
            "    units: 8000\n",
            "lines: []\n",
        ),
        7,
        8,
        "lines is empty: it needs at least 1 item",
    ),
    (
        "syntax",
        ("  site: Ulanqab, Inner Mongolia", "  site: [Ulanqab"),
        15,
        12,
        "the [list] opened at line 14, column 9",
    ),
]


def _single_error(run: Any) -> dict[str, Any]:
    assert run.code == 2, run.out + run.err
    order = run.report["orders"][0]
    assert order["verdict"] == "error"
    assert order["results"] == []
    assert len(order["errors"]) == 1, order["errors"]
    error: dict[str, Any] = order["errors"][0]
    return error


@pytest.mark.parametrize(
    ("replacement", "line", "column", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_input_error_is_located(
    cli: Any, tmp_path: Path, replacement: tuple[str, str], line: int, column: int, words: str
) -> None:
    write(tmp_path, "o.yaml", order_text(replacement))
    error = _single_error(cli("check", "o.yaml", "--format", "json"))
    assert words in error["message"]
    assert (error["line"], error["column"]) == (line, column)


def test_the_base_order_passes(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", BASE_ORDER)
    run = cli("check", "o.yaml", "--format", "json")
    assert run.code == 0, run.out
    assert run.report["orders"][0]["verdict"] == "pass"


def test_alias_is_an_error(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", order_text(("  site: Ulanqab, Inner Mongolia", "  site: *x")))
    error = _single_error(cli("check", "o.yaml", "--format", "json"))
    assert "alias *x" in error["message"]
    assert (error["line"], error["column"]) == (14, 9)


def test_two_documents(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", BASE_ORDER + "---\norder_id: T-2\n")
    error = _single_error(cli("check", "o.yaml", "--format", "json"))
    assert "more than one YAML document" in error["message"]
    assert error["line"] == 17


def test_file_over_one_mib(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", BASE_ORDER + "# " + "x" * (1024 * 1024) + "\n")
    error = _single_error(cli("check", "o.yaml", "--format", "json"))
    assert "over the 1 MiB limit" in error["message"]


def test_bytes_that_are_not_utf8(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_bytes(BASE_ORDER.replace("Ulanqab", "Ulan\xe7ab").encode("latin-1"))
    error = _single_error(cli("check", "o.yaml", "--format", "json"))
    assert "not valid UTF-8" in error["message"]
    assert (error["line"], error["column"]) == (14, 13)


def test_empty_file(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", "# nothing\n")
    assert "file is empty" in _single_error(cli("check", "o.yaml", "--format", "json"))["message"]


def test_list_instead_of_mapping(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", "- order_id: T-1\n")
    error = _single_error(cli("check", "o.yaml", "--format", "json"))
    assert "must be a mapping" in error["message"]


def test_several_problems_reported_together(cli: Any, tmp_path: Path) -> None:
    write(
        tmp_path,
        "o.yaml",
        order_text(
            ("units: 8000\n  - model: huawei", 'units: "8"\n  - model: huawei'),
            ("utilization: 0.93", "utilization: 2"),
        ),
    )
    run = cli("check", "o.yaml", "--format", "json")
    lines = [e["line"] for e in run.report["orders"][0]["errors"]]
    assert lines == [9, 16]


JSON_ORDER = """{
  "order_id": "J-1",
  "date": "2026-02-03",
  "buyer": {"name": "Alibaba (China) Co., Ltd.", "uscc": "91330100799655058B"},
  "batch": "CN-H200-2026-B1",
  "lines": [{"model": "nvidia-h20", "units": 10}],
  "justification": {"purpose": "Inference capacity for Qwen serving across China.",
                    "site": "Zhangbei", "needed_by": "2026-05-01", "utilization": 0.9}
}
"""


def test_json_order_passes(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.json", JSON_ORDER)
    run = cli("check", "o.json", "--format", "json")
    assert run.code == 0, run.out
    assert run.report["orders"][0]["order_id"] == "J-1"


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "words"),
    [
        ('"units": 10', '"units": 1e1', 6, 46, "whole number"),
        ('"units": 10', '"units": 10.0', 6, 46, "whole number"),
        (
            '"batch": "CN-H200-2026-B1",',
            '"batch": "CN-H200-2026-B1", "batch": "X",',
            5,
            31,
            "duplicate key 'batch'",
        ),
        ('"date": "2026-02-03"', '"date": "2026-02-29"', 3, 11, "not a real calendar date"),
        ("0.9}", "0.9,}", 8, 87, "invalid JSON"),
    ],
    ids=["exponent", "float", "duplicate-key", "date", "trailing-comma"],
)
def test_json_input_errors(
    cli: Any, tmp_path: Path, old: str, new: str, line: int, column: int, words: str
) -> None:
    assert old in JSON_ORDER
    write(tmp_path, "o.json", JSON_ORDER.replace(old, new))
    error = _single_error(cli("check", "o.json", "--format", "json"))
    assert words in error["message"]
    if new == "0.9,}":  # CPython 3.13's json names the comma, 3.11's the brace after it
        assert (error["line"], error["column"]) in ((line, column - 1), (line, column))
    else:
        assert (error["line"], error["column"]) == (line, column)


def test_json_typo_key_reports_the_key_and_the_missing_field(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.json", JSON_ORDER.replace('"lines"', '"line"'))
    run = cli("check", "o.json", "--format", "json")
    assert run.code == 2
    assert run.report["orders"][0]["errors"] == [
        {"message": "lines is required: add it", "line": 1, "column": 1},
        {
            "message": "unknown key 'line' at the top level: did you mean 'lines'?",
            "line": 6,
            "column": 3,
        },
    ]


def test_duplicate_order_ids_are_both_errors(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE_ORDER)
    write(tmp_path, "b.yaml", BASE_ORDER)
    run = cli("check", ".", "--format", "json")
    assert run.code == 2
    for name, other in (("a.yaml", "b.yaml:1:11"), ("b.yaml", "a.yaml:1:11")):
        order = run.order(name)
        assert order["verdict"] == "error"
        assert other in order["errors"][0]["message"]
        assert order["errors"][0]["line"] == 1


def test_error_order_does_not_hide_others(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", BASE_ORDER)
    write(
        tmp_path,
        "bad.yaml",
        order_text(("order_id: T-1", "order_id: T-2"), ("units: 8000", "units: x")),
    )
    run = cli("check", ".", "--format", "json")
    assert run.code == 2
    assert run.order("good.yaml")["verdict"] == "pass"
    assert run.report["summary"] == {"orders": 2, "pass": 1, "fail": 0, "error": 1}
