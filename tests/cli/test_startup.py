"""What a one-file check loads: only what it uses (issue 27). Each module below cost a
one-file check milliseconds it never needed."""

from __future__ import annotations

import os
import subprocess
import sys

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
