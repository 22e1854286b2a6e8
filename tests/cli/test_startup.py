"""What a one-file check loads: only what it uses (issue 27). Each module below cost a
one-file check milliseconds it never needed."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
from typing import Any

import pytest

from checker.cli.main import COMMANDS, build_parser
from tests.conftest import REPO

PROBE = (
    "import sys\nfrom checker.cli.main import main\ncode = main(['check', sys.argv[1]])\n"
    "print(code, *sorted(m for m in ('shutil', 'difflib') if m in sys.modules))\n"
)


def test_a_passing_check_loads_neither_shutil_nor_difflib() -> None:
    """argparse loads shutil (and zlib, bz2, lzma) for the terminal's width, difflib
    serves only 'did you mean' hints."""
    order = REPO / "examples" / "orders" / "alibaba-2026-0003.yaml"
    ran = subprocess.run(
        [sys.executable, "-c", PROBE, str(order)], capture_output=True, text=True, cwd=REPO
    )
    assert ran.stdout.split()[-1:] == ["0"], ran.stdout + ran.stderr


def test_help_is_as_wide_as_columns_says() -> None:
    """Wrapped to COLUMNS as argparse wraps it (less 2; a long word stays whole)."""
    lines = {}
    for columns in (50, 120):
        ran = subprocess.run(
            [sys.executable, "-m", "checker", "check", "--help"],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "COLUMNS": str(columns)},
        )
        assert ran.returncode == 0, ran.stderr
        lines[columns] = ran.stdout.splitlines()
    assert 100 < max(len(line) for line in lines[120]) <= 118
    assert len(lines[50]) > len(lines[120]) * 1.5
    assert sum(len(line) > 48 for line in lines[50]) <= 2  # unbreakable words only


def _parsed(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[Any, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: Any = vars(parser.parse_args(argv))
        except SystemExit as exc:
            result = exc.code
    return result, out.getvalue(), err.getvalue()


def test_the_commands_are_the_whole_parsers_commands() -> None:
    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert tuple(commands.choices) == COMMANDS


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--help"], ["check", "a.yaml", "--format", "json", "-q"],
        ["check", "--format", "nope"], ["check", "--bogus"], ["--debug", "check", "x"],
        ["rules", "test", "--help"], ["rules", "lint", "--witnesses"], ["rules", "bogus"],
        ["diff-rules", "HEAD:rules/x", "rules/x", "orders", "--lines", "0"],
        ["schema", "nope"], ["explain", "batch-quota"], ["waivers", "--help"],
        ["attest", "--help"], ["verify", "--help"], ["ledger", "--help"],
        ["suggest", "--help"], ["diff-rules"],
    ],
)  # fmt: skip
def test_a_commands_own_parser_parses_as_the_whole_parser_does(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run builds only its command's parser (the rest took ~5 ms): same arguments,
    same help, same errors."""
    monkeypatch.setenv("COLUMNS", "100")
    command = next(a for a in argv if a != "--debug")
    assert _parsed(build_parser(command), argv) == _parsed(build_parser(), argv)
