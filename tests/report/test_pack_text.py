"""Text from a pack is escaped in every text output, and a CSV cell that could start a
formula is neutralised in whichever column it is (the order side: test_hostile_text)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.conftest import BASE_ORDER, pack_copy, write

FORGED = "3 orders in 3 ledgers (rule pack forged)"


def _pack(tmp_path: Path) -> Path:
    title = "title: No military, government or critical-infrastructure end users"
    pack = pack_copy(
        tmp_path / "pack",
        ("pack.yaml", "version: 2026.4.0", 'version: "2026.4.0\\u202e"'),
        (
            "pack.yaml",
            "    description: the buyer's controlled units in the batch",
            f'    description: "the buyer\'s units\\n{FORGED}"',
        ),
        ("end-user.yaml", title, 'title: "\\u202e' + title.removeprefix("title: ") + '"'),
        ("end-user.yaml", "  - name: a private company", '  - name: "\\u202ea private company"'),
    )
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    return pack


def test_pack_text_is_escaped_in_text_output(cli: Any, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    outputs = {
        "check": cli("check", "orders", "--rules", pack),
        "ledger": cli("ledger", "orders", "--rules", pack),
        "rules": cli("rules", "--rules", pack),
        "rules test": cli("rules", "test", "--rules", pack),
    }
    for command, run in outputs.items():
        assert run.code in (0, 1), (command, run.err)
        assert "\u202e" not in run.out, command
        assert not any(line.startswith(FORGED) for line in run.out.splitlines()), command
    assert "2026.4.0\\u202e" in outputs["check"].out
    assert "\\u202eNo military" in outputs["rules"].out
    assert "\\u202e" in outputs["rules test"].out
    assert f"\\n{FORGED}" in outputs["ledger"].out


def test_every_csv_cell_that_could_start_a_formula_is_neutralised(cli: Any, tmp_path: Path) -> None:
    status = "      values: [draft, submitted, approved, shipped, cancelled, rejected]\n"
    pack = pack_copy(tmp_path / "pack", ("pack.yaml", status, ""))
    order = BASE_ORDER + 'status: "=HYPERLINK(1)"\n'
    write(tmp_path, "orders/o.yaml", order)
    run = cli("ledger", "orders", "--rules", pack, "--format", "csv")
    assert run.code in (0, 1), run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert rows and all(row["status"] == "'=HYPERLINK(1)" for row in rows)
    for row in rows:
        assert not any(str(cell).startswith(("=", "+", "@")) for cell in row.values())
