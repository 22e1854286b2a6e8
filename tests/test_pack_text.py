"""Text from a pack is escaped in every text output, and a CSV cell that could start a
formula is neutralised in whichever column it is (the order side: test_hostile_text)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import BASE_ORDER, PACK, write

FORGED = "3 orders in 3 ledgers (rule pack forged)"


def _pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    edits = {
        "pack.yaml": [
            ("version: 2026.3.0", 'version: "2026.3.0\\u202e"'),
            (
                "    description: the buyer's controlled units in the batch",
                f'    description: "the buyer\'s units\\n{FORGED}"',
            ),
        ],
        "end-user.yaml": [("  - name: ", '  - name: "\\u202e'), ("title: No", 'title: "\\u202eNo')],
    }
    for name, pairs in edits.items():
        path = pack / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new, 1)
        if name == "end-user.yaml":  # close the quotes opened above
            lines = text.split("\n")
            lines = [line + '"' if '"\\u202e' in line else line for line in lines]
            text = "\n".join(lines)
        path.write_text(text, encoding="utf-8")
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    return pack


def test_pack_text_is_escaped_in_text_output(cli: Any, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    outputs = {
        "check": cli("check", "orders", "--rules", pack),
        "ledger": cli("ledger", "orders", "--rules", pack),
        "rules": cli("rules", "--rules", pack),
        "rules test": cli("rules", "test", "--rules", pack, "--generated", "0"),
    }
    for command, run in outputs.items():
        assert run.code in (0, 1), (command, run.err)
        assert "\u202e" not in run.out, command
        assert not any(line.startswith(FORGED) for line in run.out.splitlines()), command
    assert "2026.3.0\\u202e" in outputs["check"].out
    assert "\\u202eNo military" in outputs["rules"].out
    assert "\\u202e" in outputs["rules test"].out
    assert f"\\n{FORGED}" in outputs["ledger"].out


def test_every_csv_cell_that_could_start_a_formula_is_neutralised(cli: Any, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    meta = pack / "pack.yaml"
    text = meta.read_text(encoding="utf-8")
    status = "      values: [draft, submitted, approved, shipped, cancelled, rejected]\n"
    assert status in text
    meta.write_text(text.replace(status, "", 1), encoding="utf-8")
    order = BASE_ORDER + 'status: "=HYPERLINK(1)"\n'
    write(tmp_path, "orders/o.yaml", order)
    run = cli("ledger", "orders", "--rules", pack, "--format", "csv")
    assert run.code in (0, 1), run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert rows and all(row["status"] == "'=HYPERLINK(1)" for row in rows)
    for row in rows:
        assert not any(str(cell).startswith(("=", "+", "@")) for cell in row.values())
