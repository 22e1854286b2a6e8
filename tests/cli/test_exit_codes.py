"""Exit codes mean one thing each (SPEC 4): 0 pass, 1 fail, 2 user error, 3 a bug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BASE_ORDER, REPO, order_text, write


def test_an_internal_error_exits_3_with_one_line(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checker.judge.checking import Checker

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the ledger\nwent wrong")

    monkeypatch.setattr(Checker, "results", broken)
    write(tmp_path, "a.yaml", BASE_ORDER)
    run = cli("check", "a.yaml")
    assert run.code == 3
    [line] = run.err.splitlines()
    assert line.startswith("chipcheck: internal error: RuntimeError: the ledger went wrong;")
    assert "please report it" in line and "--debug" in line
    assert "Traceback" not in run.err
    debug = cli("check", "a.yaml", "--debug")
    assert debug.code == 3
    assert "Traceback (most recent call last)" in debug.err
    assert debug.err.rstrip().splitlines()[-1] == line


@pytest.mark.parametrize(
    "config",
    ["tool = 5\n", "[tool]\nchipcheck = 3\n", '[tool.chipcheck]\norders = 7\n',
     '[tool.chipcheck]\norders = ""\n', "[tool.chipcheck\n"],
)  # fmt: skip
def test_a_configuration_of_the_wrong_shape_is_a_usage_error(
    cli: Any, tmp_path: Path, config: str
) -> None:
    write(tmp_path, "pyproject.toml", config)
    write(tmp_path, "a.yaml", BASE_ORDER)
    for command in (("check", "a.yaml"), ("rules",), ("explain", "batch-quota")):
        run = cli(*command)
        assert run.code == 2, (command, run.err)
        assert run.err.startswith("chipcheck: error: pyproject.toml: ")
        assert "Traceback" not in run.err


@pytest.mark.parametrize("option", ["--output", "--output-format=json"])
def test_a_report_is_never_written_over_an_input(cli: Any, tmp_path: Path, option: str) -> None:
    order = write(tmp_path, "orders/o.yaml", BASE_ORDER)
    write(tmp_path, "orders/P.YML", order_text(("order_id: T-1", "order_id: T-2")))
    pack = tmp_path / "pack"
    import shutil

    shutil.copytree(REPO / "rules" / "cn-h200-2026", pack)
    targets = [order, tmp_path / "orders" / "P.YML", Path("orders/../orders/o.yaml"),
               pack / "batch-quota.yaml", pack / "pack.yaml"]  # fmt: skip
    for target in targets:
        before = (tmp_path / target).read_bytes()
        if option == "--output":
            run = cli("check", "orders", "--rules", pack, "--format", "json", "--output", target)
        else:
            run = cli("check", "orders", "--rules", pack, f"{option}={target}")
        assert run.code == 2, (target, run.err)
        assert "is an input of this run" in run.err and "nothing was written" in run.err
        assert (tmp_path / target).read_bytes() == before
        assert run.out == ""
    # an ordinary existing file is overwritten as asked
    report = write(tmp_path, "report.json", "old")
    assert cli("check", "orders", "--rules", pack, "--format", "json", "--output", report).code == 0
    assert report.read_text(encoding="utf-8").startswith("{")


def test_a_closed_pipe_ends_quietly_with_the_verdict(tmp_path: Path) -> None:
    for i in range(400):
        write(tmp_path, f"o/{i:03}.yaml", order_text(("order_id: T-1", f"order_id: T-{i}"),
                                                     ("units: 8000\n  - model: huawei",
                                                      "units: 80\n  - model: huawei")))  # fmt: skip
    for fmt in ("text", "json"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "checker", "check", "o", "--format", fmt],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # as `| head -1` does
        err = proc.stderr.read().decode()
        proc.stderr.close()
        code = proc.wait(timeout=60)
        assert err == ""
        assert code == 0  # every order passes: the verdict survives the closed pipe
