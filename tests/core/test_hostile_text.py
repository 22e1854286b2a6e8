"""Hostile text through the real CLI (SPEC 1 and 4, v1.1): no crash, every machine format
valid, and no line of the text report forged by an order's contents."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import JUnitXml

from tests.conftest import BASE_ORDER, order_text, write
from tests.report.test_formats import SARIF_SCHEMA

# One valid order as JSON text, with {name} and {order_id} to fill with JSON escapes.
JSON_ORDER = (
    '{{"order_id": "{order_id}", "date": "2026-02-03", "buyer": {{"name": "{name}", '
    '"uscc": "91110108000000001A"}}, "batch": "CN-H200-2026-B1", '
    '"lines": [{{"model": "nvidia-h200", "units": 8}}, '
    '{{"model": "huawei-ascend-910c", "units": 8}}], "justification": {{'
    '"purpose": "Training the next Doubao foundation model; current cluster is saturated.", '
    '"site": "Ulanqab", "needed_by": "2026-05-01", "utilization": 0.93}}}}'
)
NAME = "Beijing ByteDance Technology Co., Ltd."


def _all_formats(cli: Any, *paths: str | Path) -> dict[str, str]:
    """Every format of one run, each parsed by a real consumer (or failing the test)."""
    out: dict[str, str] = {}
    codes = set()
    for fmt in ("text", "json", "sarif", "junit", "github"):
        run = cli("check", *paths, "--format", fmt)
        assert "Traceback" not in run.err and "internal error" not in run.err, run.err
        codes.add(run.code)
        out[fmt] = run.out
    assert len(codes) == 1, codes  # the verdict does not depend on the format
    json.loads(out["json"])
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(
        json.loads(out["sarif"])
    )
    ET.fromstring(out["junit"].encode("utf-8"))
    JUnitXml.fromstring(out["junit"].encode("utf-8"))
    for line in out["github"].splitlines()[:-1]:
        assert line.startswith(("::error ", "::warning ")), line
    for fmt in out:
        out[fmt].encode("utf-8")  # strict: no lone surrogate reached the output
    return out


def test_a_lone_surrogate_in_an_order_id_is_an_error_in_every_format(
    cli: Any, tmp_path: Path
) -> None:
    write(tmp_path, "o/a.json", JSON_ORDER.format(order_id="BD-1\\ud800", name=NAME))
    write(tmp_path, "o/b.yaml", BASE_ORDER)
    # keys are quoted in error messages: a control character and a surrogate in one
    write(tmp_path, "o/c.json", '{"\\u0007\\u001b[31m\\udfff": 1}')
    out = _all_formats(cli, "o")
    report = json.loads(out["json"])
    verdicts = {o["file"]: o["verdict"] for o in report["orders"]}
    assert verdicts == {"o/a.json": "error", "o/b.yaml": "pass", "o/c.json": "error"}
    assert "\x1b" not in out["text"] and "\x07" not in out["text"]
    assert "BD-1\\ud800" in out["text"]  # shown escaped, as Python writes it


def test_a_file_name_that_is_not_utf8_is_checked_and_reported(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    # the name as the file system holds it: byte 0xff, kept by os.fsdecode as U+DCFF
    (tmp_path / "o" / os.fsdecode(b"bd-\xff.yaml")).write_bytes(BASE_ORDER.encode("utf-8"))
    out = _all_formats(cli, "o")
    report = json.loads(out["json"])
    assert [(o["file"], o["verdict"]) for o in report["orders"]] == [("o/bd-\\xff.yaml", "pass")]
    assert "o/bd-\\xff.yaml  T-1  PASS" in out["text"]


@pytest.mark.parametrize(
    ("escaped", "code_point"),
    [("\\u001b[2J", "U+001B"), ("\\u0000", "U+0000"), ("\\u0085", "U+0085"),
     ("\\nBD-9  PASS", "U+000A"), ("\\u0007", "U+0007")],
)  # fmt: skip
def test_control_characters_in_a_name_are_input_errors(
    cli: Any, tmp_path: Path, escaped: str, code_point: str
) -> None:
    write(tmp_path, "o.json", JSON_ORDER.format(order_id="BD-1", name=NAME + escaped))
    out = _all_formats(cli, "o.json")
    [order] = json.loads(out["json"])["orders"]
    assert order["verdict"] == "error"
    assert any(code_point in e["message"] and "buyer.name" in e["message"] for e in order["errors"])
    for line in out["text"].splitlines():
        assert not line.startswith("BD-9"), line  # no forged report line
    assert "\x1b" not in out["text"] and "\x00" not in out["text"]


def test_control_characters_in_a_purpose_only_line_feed_and_tab(cli: Any, tmp_path: Path) -> None:
    purpose = "Training the next Doubao foundation model;\n\tcurrent cluster is saturated."
    write(tmp_path, "ok.yaml", order_text(
        ("  purpose: Training the next Doubao foundation model; current cluster is saturated.",
         f"  purpose: {json.dumps(purpose)}"),
    ))  # fmt: skip
    write(tmp_path, "bad.yaml", order_text(
        ("order_id: T-1", "order_id: T-2"),
        ("  purpose: Training the next Doubao foundation model; current cluster is saturated.",
         '  purpose: "Training the next Doubao foundation model;\\rcurrent cluster is full."'),
    ))  # fmt: skip
    run = cli("check", ".", "--format", "json")
    assert run.order("ok.yaml")["verdict"] == "pass"
    [error] = run.order("bad.yaml")["errors"]
    assert "U+000D" in error["message"] and (error["line"], error["column"]) == (13, 12)


def test_bidi_overrides_and_escapes_never_reach_the_text_report(cli: Any, tmp_path: Path) -> None:
    # Cf characters are allowed in a name (they occur in real text) but shown escaped.
    write(tmp_path, "o.json", JSON_ORDER.format(order_id="BD-1", name=NAME + "\\u202e\\u2066"))
    out = _all_formats(cli, "o.json")
    assert "\u202e" not in out["text"] and "\u2066" not in out["text"]
    assert "\\u202e\\u2066" in out["text"]  # the name did not match: the message shows it
    assert json.loads(out["json"])["orders"][0]["verdict"] == "fail"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("purpose", "\\u200b" * 40, "purpose has 0 characters"),
     ("purpose", "Training" + "\\u00ad" * 32, "purpose has 8 characters"),
     ("site", "\\u200b", "site is missing"),
     ("site", " \\u2060 ", "site is missing")],
)  # fmt: skip
def test_invisible_characters_do_not_count_towards_a_length(
    cli: Any, tmp_path: Path, field: str, value: str, message: str
) -> None:
    text = JSON_ORDER.format(order_id="BD-1", name=NAME)
    old = {
        "purpose": '"Training the next Doubao foundation model; current cluster is saturated."',
        "site": '"Ulanqab"',
    }[field]
    write(tmp_path, "o.json", text.replace(old, f'"{value}"'))
    run = cli("check", "o.json", "--format", "json")
    assert run.code == 1
    assert run.status("o.json", "need-justification") == "fail"
    assert message in run.message("o.json", "need-justification")


def test_bidi_controls_are_visible_escapes_in_every_format(cli: Any, tmp_path: Path) -> None:
    """A RIGHT-TO-LEFT OVERRIDE in a buyer name would show the rest of a failure message
    reversed (the USCC included): every format a person reads shows it as `\\u202e`,
    while ids and paths a consumer matches stay as they are."""
    spoof = "Evil \u202eCo.\u2066 Ltd."
    write(tmp_path, "o/a.yaml", order_text((NAME, spoof)))
    out = _all_formats(cli, "o")
    sarif = json.loads(out["sarif"])
    texts = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    junit = ET.fromstring(out["junit"].encode("utf-8"))
    shown = [
        *texts,
        *out["github"].splitlines(),
        *(e.get("message", "") + (e.text or "") for e in junit.iter() if e.tag == "failure"),
    ]
    assert any("\\u202eCo.\\u2066" in text for text in shown), shown
    for text in shown:
        assert "\u202e" not in text and "\u2066" not in text, text
    assert "\u202e" not in out["text"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in
            sarif["runs"][0]["results"]}  # fmt: skip
    assert uris == {"o/a.yaml"}
