"""The text report on a real pseudo-terminal: colour, NO_COLOR, summary table, progress."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from checker.report.terminal import PROGRESS_FILES
from tests.conftest import REPO, order_text, write

ESC = "\x1b["


def on_terminal(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run chipcheck with stdout and stderr on a pty; return (exit code, everything shown)."""
    master, slave = pty.openpty()
    child_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    child_env.update({"TERM": "xterm-256color", "COLUMNS": "160", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "checker", *map(str, args)],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=child_env, cwd=REPO,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal() -> None:
    code, shown = on_terminal("check", "examples/orders")
    assert code == 1
    assert ESC in shown
    assert "results per rule" in shown and "domestic-ratio" in shown
    assert "11 orders: 5 pass, 6 fail, 0 error" in shown


def colours(shown: str) -> set[int]:
    """Colour parameters (foreground/background) of the SGR escape sequences shown."""
    params = {int(p) for seq in re.findall(r"\x1b\[([0-9;]*)m", shown) for p in seq.split(";") if p}
    return {p for p in params if 30 <= p <= 49 or 90 <= p <= 107}


def test_no_color_is_respected() -> None:
    code, shown = on_terminal("check", "examples/orders", env={"NO_COLOR": "1"})
    assert code == 1
    assert colours(shown) == set()  # NO_COLOR forbids colour; bold and dim remain
    assert "results per rule" in shown
    assert colours(on_terminal("check", "examples/orders")[1])  # the control: colour without


def test_plain_when_piped(cli: Any) -> None:
    run = cli("check", REPO / "examples" / "orders")
    assert ESC not in run.out and ESC not in run.err
    table = run.out.split("\n\n")[-2].splitlines()
    assert table[0].split() == ["rule", "pass", "warn", "fail", "skip"]
    counts = {line.split()[0]: line.split()[1:] for line in table[1:]}
    assert counts["domestic-ratio"] == ["9", "1", "0", "1"]  # from the bundled examples


def test_progress_bar_for_long_runs_only(tmp_path: Path) -> None:
    for i in range(PROGRESS_FILES):
        write(
            tmp_path / "many", f"o{i:05d}.yaml", order_text(("order_id: T-1", f"order_id: T-{i}"))
        )
    _, shown = on_terminal(
        "check", tmp_path / "many", "--format", "json", "--output", tmp_path / "r.json"
    )
    assert "checking orders" in shown
    _, short = on_terminal("check", "examples/orders")
    assert "checking orders" not in short


def test_exit_codes_on_a_terminal(tmp_path: Path) -> None:
    """The terminal report's tally gives the exit code, as the machine formats' does."""
    passing = on_terminal("check", "examples/orders/alibaba-2026-0003.yaml")
    assert passing[0] == 0, passing[1]
    broken = tmp_path / "broken.yaml"
    broken.write_text("order_id: [\n", encoding="utf-8")
    errored = on_terminal("check", "examples/orders/alibaba-2026-0003.yaml", broken)
    assert errored[0] == 2, errored[1]
    assert "ERROR" in errored[1]


def test_quiet_on_a_terminal_shows_only_what_needs_attention() -> None:
    code, shown = on_terminal("check", "examples/orders", "--quiet", env={"NO_COLOR": "1"})
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert code == 1
    assert "bytedance-2026-0031.yaml  BD-2026-0031  FAIL" in plain
    assert "tencent-2026-0012.yaml  TC-2026-0012  PASS" in plain  # it warns
    assert "bytedance-2026-0007.yaml" not in plain  # passes cleanly
    assert "results per rule" not in plain
    assert "11 orders: 5 pass, 6 fail, 0 error" in plain


def test_an_order_cannot_send_escapes_to_the_terminal(tmp_path: Path) -> None:
    name = "Example Cloud\\u202e\\u2066 Computing Co., Ltd."
    example = REPO / "examples" / "orders" / "example-cloud-2026-0001.json"
    text = example.read_text(encoding="utf-8")
    write(tmp_path, "o.json", text.replace("Example Cloud Computing Co., Ltd.", name))
    code, shown = on_terminal("check", tmp_path / "o.json", env={"NO_COLOR": "1"})
    assert code == 1  # a valid order: the name, which does not match, is shown escaped
    assert "\u202e" not in shown and "\u2066" not in shown
    assert "Example Cloud\\u202e\\u2066 Computing" in shown
