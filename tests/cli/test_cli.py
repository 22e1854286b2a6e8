"""Commands, configuration, output formats and exit codes (SPEC sections 3 and 4)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.pack.rulepack import RulePack, load_pack
from tests.conftest import BASE_ORDER, PACK, PACK_RULE_IDS, REPO, order_text, write

FAILING = order_text(("order_id: T-1", "order_id: T-F"), ("date: 2026-02-03", "date: 2026-01-03"))


def test_bundled_examples_show_every_rule_failing_and_exit_1(cli: Any) -> None:
    run = cli("check", REPO / "examples" / "orders", "--format", "json", "--enforce-proposed")
    assert run.code == 1
    statuses = {(r["rule"], r["status"]) for o in run.report["orders"] for r in o["results"]}
    for rule in PACK_RULE_IDS:
        assert (rule, "fail") in statuses, rule
        assert (rule, "pass") in statuses, rule
    # ALI-2026-0021 is for inference: the training-only proposal, enforced, fails it
    assert {"BD-2026-0007", "ALI-2026-0003", "ALI-2026-0044"} <= {
        o["order_id"] for o in run.report["orders"] if o["verdict"] == "pass"
    }


def test_exit_codes(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "pass/o.yaml", BASE_ORDER)
    write(tmp_path, "fail/o.yaml", FAILING)
    write(tmp_path, "error/o.yaml", "order_id: [\n")
    write(tmp_path, "mixed/a.yaml", FAILING)
    write(tmp_path, "mixed/b.yaml", "order_id: [\n")
    assert [cli("check", d).code for d in ("pass", "fail", "error", "mixed")] == [0, 1, 2, 2]
    assert cli("check", "pass", "--format", "xml").code == 2
    assert cli("frobnicate").code == 2


def test_json_report_shape_and_determinism(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/b.yaml", FAILING)
    write(tmp_path, "o/a.yaml", BASE_ORDER)
    first = cli("check", "o", "--format", "json")
    second = cli("check", "o", "--format", "json")
    assert first.out == second.out
    report = first.report
    assert report["schema"] == "chipcheck/report/v1"
    assert report["rulepack"]["name"] == "cn-h200-2026"
    files = sorted(PACK.glob("*.yaml"))
    content = b"".join(p.name.encode() + b"\0" + p.read_bytes() + b"\0" for p in files)
    assert report["rulepack"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert [o["file"] for o in report["orders"]] == ["o/a.yaml", "o/b.yaml"]
    assert report["summary"] == {"orders": 2, "pass": 1, "fail": 1, "error": 0}
    order = report["orders"][1]
    assert set(order) == {"file", "order_id", "verdict", "results", "errors"}
    assert [r["rule"] for r in order["results"]] == PACK_RULE_IDS
    window = order["results"][2]
    assert window["status"] == "fail"
    assert window["facts"]["days_before_open"] == 25
    assert order["errors"] == []


def test_output_file(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", BASE_ORDER)
    run = cli("check", "o.yaml", "--format", "json", "--output", "report.json")
    assert run.code == 0
    assert run.out == ""
    assert '"verdict": "pass"' in (tmp_path / "report.json").read_text()


def test_text_report(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", FAILING)
    run = cli("check", "o.yaml")
    assert run.code == 1
    assert run.out.splitlines()[0] == "o.yaml  T-F  FAIL"
    assert "  fail  batch-window           the order cannot draw on batch" in run.out
    assert run.out.rstrip().endswith(
        "1 orders: 0 pass, 1 fail, 0 error (rule pack cn-h200-2026 2026.4.0)"
    )


def test_configuration_in_pyproject(cli: Any, tmp_path: Path) -> None:
    shutil.copytree(PACK, tmp_path / "policy")
    write(tmp_path, "purchase/o.yaml", BASE_ORDER)
    write(tmp_path, "pyproject.toml", '[tool.chipcheck]\norders = "purchase"\nrules = "policy"\n')
    run = cli("check", "--format", "json")
    assert run.code == 0
    assert run.report["orders"][0]["file"] == "purchase/o.yaml"


def test_bad_configuration(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.chipcheck]\norder = "purchase"\n')
    run = cli("check")
    assert run.code == 2
    assert "unknown key(s) in [tool.chipcheck]: order" in run.err


def test_no_path_and_no_configuration(cli: Any) -> None:
    run = cli("check")
    assert run.code == 2
    assert "no PATH given and no [tool.chipcheck] orders" in run.err


def test_missing_path_and_empty_directory_are_errors(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    missing = cli("check", "nowhere", "--format", "json")
    assert missing.code == 2
    assert "no such file or directory" in missing.report["orders"][0]["errors"][0]["message"]
    empty = cli("check", "empty", "--format", "json")
    assert empty.code == 2
    assert "no order files" in empty.report["orders"][0]["errors"][0]["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any directory")
def test_a_directory_that_cannot_be_listed_is_an_error(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "orders/a.yaml", BASE_ORDER)
    locked = tmp_path / "orders" / "locked"
    write(locked, "b.yaml", BASE_ORDER)
    locked.chmod(0)
    try:
        run = cli("check", "orders")
    finally:
        locked.chmod(0o755)
    assert run.code == 2
    assert "orders/locked: cannot list directory" in run.out


def test_rules_and_explain(cli: Any) -> None:
    listing = cli("rules")
    assert listing.code == 0
    assert (
        "domestic-ratio         proposed  Domestic chips bought alongside controlled chips"
        in listing.out
    )
    explained = cli("explain", "domestic-ratio")
    assert explained.code == 0
    assert "ratio = 1.0  (illustrative)" in explained.out
    assert "domestic_units < controlled_units * ratio" in explained.out
    assert "pass  exactly at the ratio" in explained.out
    quota = cli("explain", "batch-quota")
    assert "  1. buyer_used_before <= buyer_allocation and controlled_units" in quota.out
    assert "[fix: controlled_units]" in quota.out
    assert "  controlled_units (integer): units of catalog models marked controlled" in quota.out
    unknown = cli("explain", "no-such-rule")
    assert unknown.code == 2
    assert "no rule 'no-such-rule'" in unknown.err


def test_explain_without_a_rule_lists_every_fact_and_how_it_is_derived(cli: Any) -> None:
    run = cli("explain")
    assert run.code == 0
    lines = run.out.splitlines()
    at = lines.index("  controlled_units (integer): units of catalog models marked controlled")
    assert lines[at + 1] == "      sum: units, where: model.controlled == true"
    at = lines.index(
        "  days_before_open (integer): days from the order date to the batch opening (0 if none)"
    )
    assert lines[at + 1] == "      days: [date, batch.opens], default: 0, at_least: 0"
    assert "ledger buyer (ledgers:): the buyer's controlled units in the batch" in lines
    assert (
        "  buyer_remaining (integer): buyer_allocation minus buyer_used_before, at least 0" in lines
    )
    documented = {
        line.split(" (")[0].strip() for line in lines if line.startswith("  ") and " (" in line
    }
    pack = load_pack(PACK)
    assert isinstance(pack, RulePack)
    # a parameter with a value per key is a fact of its rule's (`explain RULE` shows it)
    assert {f for f in pack.vocabulary.facts if "@" not in f} <= documented


def test_python_dash_m_in_a_subprocess(tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", FAILING)
    done = subprocess.run(
        [sys.executable, "-m", "checker", "check", "o.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "T-F  FAIL" in done.stdout
    assert done.stderr == ""


def test_a_report_written_into_the_orders_directory_is_not_read_as_an_order(
    cli: Any, tmp_path: Path
) -> None:
    """Reports are written as results stream out, but only once every file is read."""
    write(tmp_path / "orders", "o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--format", "json", "--output", "orders/report.json")
    assert run.code == 0
    report = json.loads((tmp_path / "orders" / "report.json").read_text(encoding="utf-8"))
    assert [o["file"] for o in report["orders"]] == ["orders/o.yaml"]


def test_an_unwritable_output_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", BASE_ORDER)
    run = cli("check", "o.yaml", "--output-format", "sarif=no/such/dir/out.sarif")
    assert run.code == 2
    assert "cannot write no/such/dir/out.sarif" in run.err


def test_machine_formats_on_stdout_are_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """JSON, SARIF, JUnit XML and the diff JSON are UTF-8 by definition, whatever the locale."""
    name = "北京字节跳动公司"  # not the registered name or an alias: a failure message
    write(tmp_path, "o.yaml", BASE_ORDER.replace("Beijing ByteDance Technology Co., Ltd.", name))
    # diff-rules JSON too: the name rule made proposed turns the failure into a warning.
    shutil.copytree(PACK, tmp_path / "new")
    rule = tmp_path / "new" / "approved-buyer.yaml"
    rule.write_text(
        rule.read_text("utf-8").replace("status: reported", "status: proposed", 1), "utf-8"
    )
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    env.pop("PYTHONIOENCODING", None)
    commands = [
        *(["check", "o.yaml", "--format", fmt] for fmt in ("json", "sarif", "junit")),
        ["diff-rules", str(PACK), "new", "o.yaml", "--lines", "0", "--format", "json"],
    ]
    for args in commands:
        done = subprocess.run(
            [sys.executable, "-m", "checker", *args],
            cwd=tmp_path,
            capture_output=True,
            env=env,
            check=False,
        )
        assert done.returncode == 1, done.stderr.decode()
        assert done.stderr == b""
        text = done.stdout.decode("utf-8")
        assert name in text
        if "junit" in args:
            assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')


def test_reading_in_worker_processes_gives_the_same_report(cli: Any, tmp_path: Path) -> None:
    """--jobs 2 forks readers; the report must be byte for byte that of one process,
    with invalid files, duplicate ids and a quota ledger that spans the set."""
    orders = tmp_path / "orders"
    for i in range(40):
        text = order_text(
            ("order_id: T-1", f"order_id: T-{i:02d}"),
            ("date: 2026-02-03", f"date: 2026-02-{1 + i % 27:02d}"),
            ("units: 8000\n  - model: huawei", "units: 9000\n  - model: huawei"),
        )
        text += "end_user_type: private\n"  # the end-user rule is in effect from 02-06
        write(orders / f"d{i % 3}", f"o{i:02d}.yaml", text)
    write(orders, "broken.yaml", "order_id: [\n")
    write(orders, "invalid.yaml", order_text(("units: 8000", "units: -1")))
    write(orders, "dup.yaml", order_text(("order_id: T-1", "order_id: T-07")))
    one = cli("check", "orders", "--format", "json", "--jobs", "1")
    two = cli("check", "orders", "--format", "json", "--jobs", "2")
    assert one.code == two.code == 2
    assert one.out == two.out
    # Errors: broken, invalid, and both files holding T-07. Of the 39 valid orders of
    # 9,000 H200 each, the first 16 by date fit ByteDance's 150,000; the rest exceed it.
    report = json.loads(two.out)
    assert report["summary"] == {"orders": 43, "pass": 16, "fail": 23, "error": 4}
    assert cli("check", "orders", "--jobs", "0").code == 2


def _reader_dies(_path: Path) -> None:
    os._exit(3)  # as the OOM killer would end it: no exception, no result


def test_a_reader_process_that_dies_is_an_error_not_a_report(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checker.judge import reading

    for i in range(4):
        write(tmp_path / "orders", f"o{i}.yaml", order_text(("T-1", f"T-{i}")))
    monkeypatch.setattr(reading, "_read_in_worker", _reader_dies)
    run = cli("check", "orders", "--jobs", "2", "--format", "json", "--output", "out.json")
    assert run.code == 2
    assert "a process reading order files ended abruptly" in run.err
    assert "retry with --jobs 1" in run.err
    assert not (tmp_path / "out.json").exists()
    assert cli("check", "orders", "--jobs", "1").code == 0  # the files themselves are fine


def test_ctrl_c_is_reported_briefly_with_exit_130(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checker.judge import checking

    def interrupted(_paths: Any) -> Any:
        raise KeyboardInterrupt

    write(tmp_path, "o.yaml", BASE_ORDER)
    monkeypatch.setattr(checking, "discover", interrupted)
    run = cli("check", "o.yaml")
    assert run.code == 130
    assert run.err == "chipcheck: interrupted; nothing was checked to the end\n"


def test_quiet_shows_only_orders_that_need_attention(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/good.yaml", BASE_ORDER)
    bad = order_text(
        ("order_id: T-1", "order_id: T-2"), ("huawei-ascend-910c", "huawei-ascend-910x")
    )
    write(tmp_path, "o/bad.yaml", bad)
    write(tmp_path, "o/broken.yaml", "order_id: [\n")
    run = cli("check", "o", "--quiet")
    assert run.code == 2
    assert "good.yaml" not in run.out
    assert "o/bad.yaml  T-2  FAIL\n  fail  known-models" in run.out
    assert "approved-buyer" not in run.out  # a passing rule of a failing order: not shown
    assert "o/broken.yaml  ERROR\n  error  o/broken.yaml:" in run.out
    assert run.out.rstrip().splitlines()[-1].startswith("3 orders: 1 pass, 1 fail, 1 error")
    assert "pass  warn  fail  skip" not in run.out  # no table per rule


def test_equal_orders_share_no_mutable_state_and_minus_zero_is_zero(
    cli: Any, tmp_path: Path
) -> None:
    """Results are remembered per distinct input: a remembered one must not be changed
    through another order's report, and -0.0 must not reuse or shadow 0.0's."""
    from checker.judge.checking import Checker
    from checker.pack.rulepack import DEFAULT_PACK, load_pack

    minus = order_text(
        ("order_id: T-1", "order_id: T-2"), ("utilization: 0.93", "utilization: -0.0")
    )
    plus = order_text(("utilization: 0.93", "utilization: 0.0"))
    write(tmp_path, "a.yaml", minus)
    write(tmp_path, "b.yaml", plus)
    shown = []
    for files in (["a.yaml", "b.yaml"], ["b.yaml", "a.yaml"]):
        run = cli("check", *files, "--format", "json")
        facts = {
            o["file"]: next(r["facts"] for r in o["results"] if r["rule"] == "need-justification")
            for o in run.report["orders"]
        }
        shown.append(facts)
    assert shown[0] == shown[1]
    assert shown[0]["a.yaml"]["utilization"] == 0.0 and shown[0]["b.yaml"]["utilization"] == 0.0
    pack = load_pack(DEFAULT_PACK)
    assert not isinstance(pack, list)
    report = Checker(pack).check_paths([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    first, second = (
        next(r for r in o.results if r.rule == "need-justification") for o in report.orders
    )
    with pytest.raises(TypeError):
        first.facts["utilization"] = 1.0  # type: ignore[index]
    assert second.facts["utilization"] == 0.0
