"""diff-rules finds the flip of any single parameter edit of the bundled pack within
its default budget (500 generated orders per rule), also where the pack has a second
batch: the generated orders sit on each pack's boundaries, per batch and buyer."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACK

SECOND_BATCH = (
    "  CN-H200-2026-B2:\n    opens: 2026-07-01\n    closes: 2026-12-31\n    cap: 300000\n"
)
ALIBABA_B2 = "      CN-H200-2026-B2: {status: approved, allocation: 125000}\n"

# (file, old text, new text, the rule whose status must flip for some order)
EDITS = [
    ("domestic-ratio.yaml", "value: 1.0", "value: 0.9", "domestic-ratio"),
    # above 1: a share a utilization cannot take (generating one crashed the search)
    ("domestic-ratio.yaml", "value: 1.0", "value: 1.2", "domestic-ratio"),
    ("pack.yaml", "allocation: 150000}", "allocation: 160000}", "batch-quota"),
    ("need-justification.yaml", "value: 40,", "value: 50,", "need-justification"),
    ("need-justification.yaml", "value: 180,", "value: 150,", "need-justification"),
    ("need-justification.yaml", "value: 0.8,", "value: 0.85,", "need-justification"),
    ("pack.yaml", "allocation: 125000}\n  - name: Shenzhen",
     "allocation: 100000}\n  - name: Shenzhen", "batch-quota"),
    ("pack.yaml", "cap: 400000", "cap: 140000", "batch-quota"),
    ("pack.yaml", "opens: 2026-01-28", "opens: 2026-02-05", "batch-window"),
    ("pack.yaml", "closes: 2026-12-31\n    cap: 400000",
     "closes: 2026-11-30\n    cap: 400000", "batch-window"),
    ("pack.yaml", "{status: queued}", "{status: approved, allocation: 1000}", "approved-buyer"),
    ("pack.yaml", "aliases: [阿里巴巴(中国)有限公司]", "aliases: []", "approved-buyer"),
]  # fmt: skip


def _copy(tmp_path: Path, name: str, two_batches: bool) -> Path:
    pack = tmp_path / name
    shutil.copytree(PACK, pack)
    if two_batches:
        meta = pack / "pack.yaml"
        text = meta.read_text("utf-8")
        text = text.replace("\n# Approved entities", SECOND_BATCH + "\n# Approved entities", 1)
        alibaba = "      CN-H200-2026-B1: {status: approved, allocation: 125000}\n"
        text = text.replace(alibaba, alibaba + ALIBABA_B2, 1)
        meta.write_text(text, encoding="utf-8")
    return pack


def _flipped(cli: Any, old: Path, new: Path, rule: str) -> set[str]:
    """The rules whose flip the default budget finds, searching `rule` alone: the search
    of each rule is its own, so this is what a search of every rule finds for it."""
    run = cli("diff-rules", old, new, "--format", "json", "--rule", rule)
    assert run.code == 1, run.out + run.err
    return {flip["rule"] for flip in run.report["generated"]}


@pytest.mark.parametrize(("file", "old", "new", "rule"), EDITS, ids=[e[2] for e in EDITS])
def test_a_single_edit_is_found(
    cli: Any, tmp_path: Path, file: str, old: str, new: str, rule: str
) -> None:
    before = _copy(tmp_path, "old", two_batches=False)
    after = _copy(tmp_path, "new", two_batches=False)
    text = (after / file).read_text("utf-8")
    assert text.count(old) == 1, old
    (after / file).write_text(text.replace(old, new), encoding="utf-8")
    assert _flipped(cli, before, after, rule) == {rule}


def test_an_allocation_cut_in_a_second_batch_is_found(cli: Any, tmp_path: Path) -> None:
    before = _copy(tmp_path, "old", two_batches=True)
    after = _copy(tmp_path, "new", two_batches=True)
    meta = after / "pack.yaml"
    text = meta.read_text("utf-8")
    meta.write_text(text.replace(ALIBABA_B2, ALIBABA_B2.replace("125000", "100000")), "utf-8")
    assert _flipped(cli, before, after, "batch-quota") == {"batch-quota"}
