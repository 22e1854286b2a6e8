"""Exact explanations (issue 14): following the printed fix makes the check pass.

For every check of the bundled pack whose message gives a number to change ({gap} or
{target}) on a fact of the order itself, hypothesis generates orders that fail it,
applies the fix to the order as a person would (add the domestic units, cut the
controlled units, lengthen the purpose, move needed_by), and judges the order again.
Checks whose fix is on earlier orders (the ledger's used-before facts) say so in words
and are left out: no edit of this order can fix them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import event, given, note
from hypothesis import strategies as st

from checker.authoring.strategies import orders
from checker.judge.checking import Checker
from checker.judge.wording import fix_values
from checker.pack.rulepack import RulePack, load_pack
from checker.pack.soundness import GAP_NAMES
from tests.conftest import PACK, REPO

Document = dict[str, Any]


def _domestic_model(pack: RulePack) -> str:
    return next(m for m in pack.meta.catalog if pack.attrs[("catalog", m)]["origin"] == "domestic")


def _add_domestic(order: Document, gap: int, target: int, pack: RulePack) -> None:
    order["lines"].append({"model": _domestic_model(pack), "units": gap})


def _add_certified(order: Document, gap: int, target: int, pack: RulePack) -> None:
    certified = next(m for m in pack.meta.catalog if pack.attrs[("catalog", m)]["certified"])
    order["lines"].append({"model": certified, "units": gap})


def _cut_controlled(order: Document, gap: int, target: int, pack: RulePack) -> None:
    """Reduce the controlled lines, largest first, by `gap` units in all."""
    _cut(order, gap, pack, "controlled")


def _cut_capped(order: Document, gap: int, target: int, pack: RulePack) -> None:
    _cut(order, gap, pack, "capped")


def _cut(order: Document, gap: int, pack: RulePack, attribute: str) -> None:
    controlled = {m for m in pack.meta.catalog if pack.attrs[("catalog", m)][attribute]}
    for line in sorted(order["lines"], key=lambda line: -line["units"]):
        if gap and line["model"] in controlled:
            cut = min(gap, line["units"])
            line["units"] -= cut
            gap -= cut
    kept = [line for line in order["lines"] if line["units"] > 0]
    spare = next(m for m in pack.meta.catalog if m not in controlled)
    order["lines"] = kept or [{"model": spare, "units": 1}]


def _lengthen_purpose(order: Document, gap: int, target: int, pack: RulePack) -> None:
    """Write `gap` more visible characters (a missing purpose has 0)."""
    purpose = order["justification"].get("purpose", "").strip()
    order["justification"]["purpose"] = f"{purpose} {'x' * gap}" if purpose else "x" * gap


def _later_needed_by(order: Document, gap: int, target: int, pack: RulePack) -> None:
    justification = order["justification"]
    justification["needed_by"] = _date(justification["needed_by"]) + dt.timedelta(days=gap)


def _earlier_needed_by(order: Document, gap: int, target: int, pack: RulePack) -> None:
    justification = order["justification"]
    justification["needed_by"] = _date(justification["needed_by"]) - dt.timedelta(days=gap)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


Apply = Callable[[Document, int, int, RulePack], None]
# How a person applies a fix on each fact, by the direction the check asks for.
APPLY: dict[tuple[str, str], Apply] = {
    ("domestic_units", "up"): _add_domestic,
    ("certified_units", "up"): _add_certified,
    ("controlled_units", "down"): _cut_controlled,
    ("capped_units", "down"): _cut_capped,
    ("purpose_chars", "up"): _lengthen_purpose,
    ("days_until_needed", "up"): _later_needed_by,
    ("days_until_needed", "down"): _earlier_needed_by,
}
LEDGER_FACTS = {"buyer_used_before", "batch_used_before"}  # fixed on earlier orders

PACK_V = load_pack(PACK)
assert isinstance(PACK_V, RulePack), PACK_V
US_PACK = load_pack(REPO / "rules" / "us-bis-h200-2026")
assert isinstance(US_PACK, RulePack), US_PACK
CHECKERS = {p.name: Checker(p, enforce_proposed=True) for p in (PACK_V, US_PACK)}
ORDERS = {p.name: orders(p) for p in (PACK_V, US_PACK)}


def _fixable(pack: RulePack) -> list[tuple[str, int, Any]]:
    return [
        (r.rule.id, index, check)
        for r in pack.rules
        for index, check in enumerate(r.checks)
        if check.fix and any(f in GAP_NAMES for f in check.message.fields)
    ]


FIXABLE = _fixable(PACK_V) + _fixable(US_PACK)


def test_every_check_with_a_number_to_change_is_covered() -> None:
    """A new check with {gap} or {target} must get a way to apply it here, or be a
    ledger check; this test fails until it does."""
    for rule, index, check in FIXABLE:
        assert check.fix is not None
        direction = "up" if check.fix.op in ("<", "<=") else "down"
        assert (check.fix.fact, direction) in APPLY or check.fix.fact in LEDGER_FACTS, (
            rule,
            index,
            check.fix.fact,
        )
    assert len(FIXABLE) >= 5


@given(data=st.data(), pack=st.sampled_from([PACK_V, US_PACK]))
def test_following_the_printed_fix_makes_the_check_pass(
    data: st.DataObject, pack: RulePack
) -> None:
    """Each fixable check of each bundled pack the order fails is fixed as printed, one
    at a time. (About one generated order in three fails one; the module docstring.)"""
    order = data.draw(ORDERS[pack.name])
    checker = CHECKERS[pack.name]
    (results,) = checker.evaluate_documents([order])
    assert isinstance(results, tuple)
    for rule_id, index, check in _fixable(pack):
        assert check.fix is not None
        result = next(r for r in results if r.rule == rule_id)
        if index not in result.failed or check.fix.fact in LEDGER_FACTS:
            continue
        event(f"{rule_id} #{index + 1}")
        fixed = fix_values(check.fix, result.facts)
        gap, target = fixed["gap"], fixed["target"]
        assert isinstance(gap, int) and isinstance(target, int)
        assert f"{gap:,}" in result.message or f"{target:,}" in result.message  # printed
        direction = "up" if check.fix.op in ("<", "<=") else "down"
        edited = copy.deepcopy(order)
        APPLY[(check.fix.fact, direction)](edited, gap, target, pack)
        note(f"{rule_id} #{index + 1}: {result.message}\nedited: {edited}")
        (after,) = checker.evaluate_documents([edited])
        assert isinstance(after, tuple)
        again = next(r for r in after if r.rule == rule_id)
        assert index not in again.failed, again.message


def _share_of_total_pack(tmp: str, share: float) -> Checker:
    """The domestic rule as the reported case wrote it: a share of all units, so each
    domestic unit added also raises the total it is a share of."""
    import shutil
    from pathlib import Path

    directory = Path(tmp) / f"share-{share}"
    shutil.copytree(PACK, directory)
    rule = directory / "domestic-ratio.yaml"
    text = rule.read_text(encoding="utf-8")
    text = text.replace(
        "domestic_units < controlled_units * ratio", "domestic_units < total_units * ratio"
    )
    rule.write_text(text.replace("    value: 1.0", f"    value: {share}"), encoding="utf-8")
    pack = load_pack(directory)
    assert isinstance(pack, RulePack), pack
    return Checker(pack)


def _domestic(checker: Checker, h200: int, h20: int, domestic: int) -> tuple[str, str]:
    lines = [{"model": "nvidia-h200", "units": h200}]
    lines += [{"model": "nvidia-h20", "units": h20}] if h20 else []
    lines += [{"model": "huawei-ascend-910b", "units": domestic}] if domestic else []
    document = {
        "order_id": "G-1", "date": "2026-02-03", "batch": "CN-H200-2026-B1",
        "buyer": {"name": "Alibaba (China) Co., Ltd.", "uscc": "91330100799655058B"},
        "lines": lines,
    }  # fmt: skip
    (outcome,) = checker.evaluate_documents([document])
    assert not isinstance(outcome, Exception)
    (result,) = [r for r in outcome if r.rule == "domestic-ratio"]
    return result.status, result.message


def test_the_reported_share_of_total_case_is_told_to_add_one(tmp_path: Any) -> None:
    checker = _share_of_total_pack(str(tmp_path), 0.4)
    status, message = _domestic(checker, 10_000, 2_000, 7_999)
    assert status == "warn"
    assert message.endswith("7,999 domestic units, 8,000 required: add 1 domestic units")
    assert _domestic(checker, 10_000, 2_000, 8_000)[0] == "pass"


def test_following_a_share_of_total_fix_passes_and_one_unit_less_does_not(tmp_path: Any) -> None:
    """A grid of orders for each reported share: the printed number of domestic units
    to add is the least that passes (it was one too many for 286 of 2,187)."""
    import re

    for share in (0.3, 0.35, 0.4, 0.6, 0.7, 0.9999):
        checker = _share_of_total_pack(str(tmp_path), share)
        for h200 in (1, 7, 100, 9_999, 10_000):
            for h20 in (0, 3, 2_000):
                for domestic in (0, 1, 5, 2_999, 7_999):
                    status, message = _domestic(checker, h200, h20, domestic)
                    if status == "pass":
                        continue
                    gap = int(
                        re.findall(r"add ([\d,]+) domestic units", message)[-1].replace(",", "")
                    )
                    assert _domestic(checker, h200, h20, domestic + gap)[0] == "pass", message
                    if domestic + gap - 1 > 0:
                        less = _domestic(checker, h200, h20, domestic + gap - 1)[0]
                        assert less == "warn", (share, h200, h20, domestic, message)
