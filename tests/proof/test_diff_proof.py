"""`chipcheck diff-rules` proves: every rule either judges every order (within the
stated bounds) alike in both packs, or is shown with an order the engine judges
differently. Each shown order is checked here again, as a file, through `check`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACK, REPO, pack_copy, write

US_PACK = REPO / "rules" / "us-bis-h200-2026"
V1_PACK = REPO / "tests" / "data" / "packs" / "cn-h200-2026-2026.1.0"
V3_PACK = REPO / "tests" / "data" / "packs" / "cn-h200-2026-2026.3.0"

SECOND_BATCH = (
    "  CN-H200-2026-B3:\n    opens: 2026-07-01\n    closes: 2026-12-31\n    cap: 300000\n"
)
ALIBABA_B3 = "      CN-H200-2026-B3: {status: approved, allocation: 125000}\n"

ALIBABA_LATER = "      CN-H200-2026-B2: {status: approved, allocation: 66666}\n"
# (file, old text, new text, the one rule whose outcome must change for some order)
EDITS = [
    ("domestic-ratio.yaml", "value: 1.0", "value: 0.9", "domestic-ratio"),
    ("domestic-ratio.yaml", "value: 1.0", "value: 1.2", "domestic-ratio"),
    ("pack.yaml", "allocation: 150000}", "allocation: 160000}", "batch-quota"),
    ("need-justification.yaml", "value: 40,", "value: 50,", "need-justification"),
    ("need-justification.yaml", "value: 180,", "value: 150,", "need-justification"),
    ("need-justification.yaml", "value: 0.8,", "value: 0.85,", "need-justification"),
    ("pack.yaml", f"allocation: 125000}}\n{ALIBABA_LATER}  - name: Shenzhen",
     f"allocation: 100000}}\n{ALIBABA_LATER}  - name: Shenzhen", "batch-quota"),
    ("pack.yaml", "opens: 2026-01-28", "opens: 2026-02-05", "batch-window"),
    ("pack.yaml", "closes: 2026-12-31\n    cap: 400000",
     "closes: 2026-11-30\n    cap: 400000", "batch-window"),
    ("pack.yaml", "aliases: [阿里巴巴(中国)有限公司]", "aliases: []", "approved-buyer"),
    ("deployment-location.yaml", "value: 0.5", "value: 0.4", "deployment-location"),
    ("us-customer-cap.yaml", "value: 75000", "value: 70000", "us-customer-cap"),
    # only the words of a failure change: a change all the same
    ("batch-quota.yaml", "reduce to {target} controlled units to fit the remainder",
     "cut it to {target} controlled units", "batch-quota"),
]  # fmt: skip


def _changes(cli: Any, old: Path, new: Path, *args: str) -> dict[str, Any]:
    run = cli("diff-rules", old, new, "--format", "json", *args)
    assert run.code == 1, run.out + run.err
    assert run.report["proof"]["unsettled"] == []
    return {change["rule"]: change for change in run.report["proof"]["changes"]}


def _confirm(cli: Any, tmp_path: Path, old: Path, new: Path, change: dict[str, Any]) -> None:
    """The printed order, saved as a file, is judged as printed by each pack."""
    saved = write(tmp_path / "saved" / change["rule"], "order.yaml", change["yaml"])
    for pack, status, message in ((old, change["old"], change["old_message"]),
                                  (new, change["new"], change["new_message"])):  # fmt: skip
        run = cli("check", saved, "--rules", pack, "--format", "json")
        results = {r["rule"]: r for r in run.report["orders"][0]["results"]}
        found = results.get(change["rule"], {"status": "absent", "message": ""})
        assert (found["status"], found["message"]) == (status, message)


@pytest.mark.parametrize(("file", "old", "new", "rule"), EDITS, ids=[e[2][:40] for e in EDITS])
def test_a_single_edit_changes_that_rule_alone_shown_by_an_order(
    cli: Any, tmp_path: Path, file: str, old: str, new: str, rule: str
) -> None:
    after = pack_copy(tmp_path / "new", (file, old, new))
    changes = _changes(cli, PACK, after)
    assert set(changes) == {rule}
    assert changes[rule]["earlier"] == {}
    _confirm(cli, tmp_path, PACK, after, changes[rule])


def test_identical_packs_are_proved_alike(cli: Any, tmp_path: Path) -> None:
    for pack, rules in ((PACK, 19), (US_PACK, 10)):
        copy = tmp_path / pack.name
        shutil.copytree(pack, copy)
        run = cli("diff-rules", pack, copy, "--format", "json")
        assert run.code == 0, run.out + run.err
        proof = run.report["proof"]
        assert proof["equivalent"] is True and proof["changes"] == []
        assert len(proof["proved"]) == rules
        text = cli("diff-rules", pack, copy)
        assert text.out.rstrip().endswith("nothing changes: proved")
        assert "orders of 1 to 3 lines" in text.out


def test_a_quota_cut_and_a_share_change_are_found_where_real_orders_missed_them(
    cli: Any, tmp_path: Path
) -> None:
    """The reported case: a quota cut and a share change, which the bundled example
    orders show only as new fix numbers; the proof gives an order whose verdict flips."""
    new = pack_copy(
        tmp_path / "new",
        ("pack.yaml", "allocation: 150000}", "allocation: 100000}"),
        ("deployment-location.yaml", "value: 0.5", "value: 0.4"),
    )
    run = cli("diff-rules", PACK, new, REPO / "examples" / "orders", "--format", "json")
    assert run.code == 1
    fixes = {o["order_id"]: o["changes"] for o in run.report["orders"]}
    (bytedance,) = fixes["BD-2026-0031"]
    assert "reduce to 142,000" in bytedance["old_message"]
    assert "reduce to 92,000" in bytedance["new_message"]
    changes = {c["rule"]: c for c in run.report["proof"]["changes"]}
    assert (changes["batch-quota"]["old"], changes["batch-quota"]["new"]) == ("pass", "fail")
    assert "units: 100001" in changes["batch-quota"]["yaml"]  # the first unit over
    assert set(changes) == {"batch-quota", "deployment-location"}
    for change in changes.values():
        _confirm(cli, tmp_path, PACK, new, change)


def test_an_allocation_cut_in_a_second_batch(cli: Any, tmp_path: Path) -> None:
    def two_batches(target: Path) -> Path:
        pack = pack_copy(target)
        meta = pack / "pack.yaml"
        text = meta.read_text("utf-8")
        text = text.replace("\n# Approved entities", SECOND_BATCH + "\n# Approved entities", 1)
        alibaba = "      CN-H200-2026-B1: {status: approved, allocation: 125000}\n"
        meta.write_text(text.replace(alibaba, alibaba + ALIBABA_B3, 1), encoding="utf-8")
        return pack

    before, after = two_batches(tmp_path / "old"), two_batches(tmp_path / "new")
    meta = after / "pack.yaml"
    text = meta.read_text("utf-8")
    meta.write_text(text.replace(ALIBABA_B3, ALIBABA_B3.replace("125000", "100000")), "utf-8")
    changes = _changes(cli, before, after)
    assert set(changes) == {"batch-quota"}
    assert "batch: CN-H200-2026-B3" in changes["batch-quota"]["yaml"]
    _confirm(cli, tmp_path, before, after, changes["batch-quota"])


MONTHLY = (
    "pack.yaml",
    "\nledgers:\n",
    "\nledgers:\n  monthly:\n    description: the buyer's controlled units this month\n"
    "    key: [buyer_uscc]\n    amount: controlled_units\n    period: month\n",
)
MONTHLY_RULE = """\
id: monthly-cap
title: At most so many controlled units per buyer and month
status: reported
source: a test
description: A buyer's controlled units in a calendar month stay within max_per_month.
parameters:
  max_per_month: {value: 200}
message: "over the monthly cap"
pass_message: "{monthly_used_after} controlled units this month"
checks:
  - when: monthly_used_after > max_per_month
    message: "{monthly_used_before} earlier this month, {controlled_units} now"
"""


def _monthly(target: Path, limit: int) -> Path:
    pack = pack_copy(
        target,
        MONTHLY,
        ("pack.yaml", "  - deployment-location\n", "  - deployment-location\n  - monthly-cap\n"),
    )
    write(pack, "monthly-cap.yaml", MONTHLY_RULE.replace("value: 200", f"value: {limit}"))
    return pack


def test_a_monthly_ledger_threshold_change(cli: Any, tmp_path: Path) -> None:
    """200 to 150 controlled units a month: shown by an order of 151, with no earlier
    orders; and where earlier orders count, the proof says how many."""
    before, after = _monthly(tmp_path / "old", 200), _monthly(tmp_path / "new", 150)
    changes = _changes(cli, before, after)
    assert set(changes) == {"monthly-cap"}
    change = changes["monthly-cap"]
    assert (change["old"], change["new"]) == ("pass", "fail")
    assert "units: 151" in change["yaml"]
    _confirm(cli, tmp_path, before, after, change)


def test_the_update_from_the_first_release_lists_each_rule_it_changes(cli: Any) -> None:
    changes = _changes(cli, V1_PACK, PACK)
    assert set(changes) == {
        "input-error", "known-models", "approved-buyer", "batch-window", "batch-quota",
        "domestic-ratio", "end-user", "conditional-approval", "us-customer-cap",
        "certified-domestic", "purchase-approval", "deployment-location", "training-only",
        "public-data",
    }  # fmt: skip
    assert (changes["end-user"]["old"], changes["end-user"]["new"]) == ("absent", "fail")
    assert (changes["input-error"]["old"], changes["input-error"]["new"]) == ("error", "valid")


def test_the_october_2026_update_lists_what_it_changes(cli: Any, tmp_path: Path) -> None:
    """2026.3.0 to 2026.4.0: the later allowance's batch (B2) and its buyers, the V900
    in the catalog, the two training rules, and the catalog-read message; rules that read
    only fields the update declares change orders 2026.3.0 refused (input-error)."""
    changes = _changes(cli, V3_PACK, PACK)
    assert set(changes) == {
        "input-error", "known-models", "approved-buyer", "batch-window", "batch-quota",
        "domestic-ratio", "us-customer-cap", "certified-domestic", "training-only",
        "public-data",
    }  # fmt: skip
    assert "t-head-zhenwu-v900" in changes["known-models"]["yaml"]
    assert "batch: CN-H200-2026-B2" in changes["batch-window"]["yaml"]
    assert (changes["training-only"]["old"], changes["training-only"]["new"]) == ("absent", "warn")
    for change in changes.values():
        if change["rule"] != "input-error" and not change["earlier"]:
            _confirm(cli, tmp_path, V3_PACK, PACK, change)


PATTERN = (
    "purchase-approval.yaml",
    "checks:\n",
    'checks:\n  - when: approval_ref matches "A[0-9]+"\n    message: a pattern\n',
)


def _patterned(tmp_path: Path, old: str, new: str) -> tuple[Path, Path]:
    before = pack_copy(tmp_path / "old", PATTERN)
    edited = (PATTERN[0], PATTERN[1], PATTERN[2].replace("A[0-9]+", new))
    return before, pack_copy(tmp_path / "new", edited)


def test_a_pattern_edit_is_shown_on_a_text_of_its_form(cli: Any, tmp_path: Path) -> None:
    """Texts of each pattern's form are tried (the shortest: A0 for A[0-9]+)."""
    before, after = _patterned(tmp_path, "A[0-9]+", "A[0-9][0-9]+")
    changes = _changes(cli, before, after)
    assert set(changes) == {"purchase-approval"}
    assert "approval_ref: A0\n" in changes["purchase-approval"]["yaml"]
    _confirm(cli, tmp_path, before, after, changes["purchase-approval"])


def test_what_patterns_match_beyond_that_is_a_free_choice_and_the_answer_says_so(
    cli: Any, tmp_path: Path
) -> None:
    """The solver is not given what a pattern matches: patterns that differ only on
    texts no pack writes (A0000) are not proved either way, and the answer names the
    pattern (exit 1: it may change)."""
    before, after = _patterned(tmp_path, "A[0-9]+", "A[0-9]{1,3}")
    run = cli("diff-rules", before, after, "--format", "json")
    assert run.code == 1, run.err
    assert run.report["proof"]["changes"] == []
    (unsettled,) = run.report["proof"]["unsettled"]
    assert unsettled["rule"] == "purchase-approval"
    assert "approval_ref matches 'A[0-9]+'" in unsettled["reason"]
    text = cli("diff-rules", before, after)
    assert "purchase-approval: not settled: may change where it reads" in text.out
    same = cli("diff-rules", before, before)
    assert same.code == 0, same.out  # the same pattern in both: proved alike


def test_the_sampling_flag_of_old_scripts_is_ignored_with_a_warning(cli: Any) -> None:
    """--max-examples 0 meant no search: it re-checks the orders only, as --lines 0."""
    run = cli("diff-rules", PACK, PACK, "--max-examples", "500")
    assert run.code == 0 and "nothing changes: proved" in run.out
    assert "--max-examples is no longer used" in run.err and "--lines" in run.err
    off = cli("diff-rules", PACK, PACK, "--max-examples", "0", "--format", "json")
    assert off.code == 0 and off.report["proof"] is None


def test_a_list_field_is_compared_by_validity_and_facts_over_it_are_not_settled(
    cli: Any, tmp_path: Path
) -> None:
    """A declared list field (the tutorial's end uses): an order giving it is valid
    under one pack only; a rule over it is reported not settled (what a list holds is
    not modelled), not shown as a change the engine does not confirm."""
    field = (
        "pack.yaml",
        "fields:\n  order:\n",
        "fields:\n  order:\n    end_uses:\n      type: list\n      of: text\n"
        "      description: what the chips are for\n",
    )
    fact = (
        "pack.yaml",
        "facts:\n",
        "facts:\n  military_use:\n    description: a military use\n"
        "    exists: item == 'military'\n    over: end_uses\n",
    )
    check = (
        "end-user.yaml",
        "checks:\n",
        "checks:\n  - when: military_use == true\n    message: military\n",
    )
    before = pack_copy(tmp_path / "old")
    after = pack_copy(tmp_path / "new", field, fact, check)
    run = cli("diff-rules", before, after, "--format", "json")
    assert run.code == 1, run.out + run.err
    inputs = [c for c in run.report["proof"]["changes"] if c["rule"] == "input-error"]
    assert [(c["old"], c["new"]) for c in inputs] == [("error", "valid")]
    assert "end_uses: []" in inputs[0]["yaml"]
    unsettled = {u["rule"]: u["reason"] for u in run.report["proof"]["unsettled"]}
    assert "military_use" in unsettled["end-user"]
    same = cli("diff-rules", after, after)
    assert same.code == 0, same.out  # the same list fact in both: proved alike


def test_a_text_outside_ascii_is_written_as_the_pack_writes_it(cli: Any, tmp_path: Path) -> None:
    """The solver writes such characters as escapes: the order shown holds the text."""
    check = (
        "purchase-approval.yaml",
        "checks:\n",
        'checks:\n  - when: approval_ref == "批准-1"\n    message: a reference\n',
    )
    before = pack_copy(tmp_path / "old", check)
    after = pack_copy(tmp_path / "new", (check[0], check[1], check[2].replace("批准", "许可")))
    changes = _changes(cli, before, after)
    assert set(changes) == {"purchase-approval"}
    written = changes["purchase-approval"]["yaml"]
    assert "approval_ref: 批准-1" in written or "approval_ref: 许可-1" in written
    _confirm(cli, tmp_path, before, after, changes["purchase-approval"])


def test_the_us_october_2026_update_lists_what_it_changes(cli: Any, tmp_path: Path) -> None:
    """2026.2.0 to 2026.3.0 of the US pack: each new rule, the listed-owner customer's
    licence, the fields the update declares (input-error), and the customer ledger now
    keyed on buyer_id: before, every buyer without a USCC shared the buyer_uscc ''."""
    old = REPO / "tests" / "data" / "packs" / "us-bis-h200-2026-2026.2.0"
    changes = _changes(cli, old, US_PACK)
    assert set(changes) == {
        "input-error", "licensed-customer", "affiliates-rule", "distillation-advisory",
        "offshore-deployment", "customer-cap",
    }  # fmt: skip
    pooled = changes["customer-cap"]
    assert (pooled["old"], pooled["new"]) == ("fail", "pass")
    assert "uscc:" not in pooled["yaml"]  # a buyer with a USCC totals alike in both
    assert list(pooled["earlier"]) == ["customer by buyer_uscc"]
    assert (changes["affiliates-rule"]["old"], changes["affiliates-rule"]["new"]) == (
        "absent",
        "fail",
    )
    assert "date: '2026-11-10'" in changes["affiliates-rule"]["yaml"]
    for change in changes.values():
        if change["rule"] != "input-error" and not change["earlier"]:
            _confirm(cli, tmp_path, old, US_PACK, change)
