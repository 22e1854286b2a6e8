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

from checker.checking import Checker
from checker.explaining import fix_values
from checker.packs.rulepack import RulePack, load_pack
from checker.packs.soundness import GAP_NAMES
from checker.strategies import orders
from tests.conftest import PACK

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
    controlled = {m for m in pack.meta.catalog if pack.attrs[("catalog", m)]["controlled"]}
    for line in sorted(order["lines"], key=lambda line: -line["units"]):
        if gap and line["model"] in controlled:
            cut = min(gap, line["units"])
            line["units"] -= cut
            gap -= cut
    order["lines"] = [line for line in order["lines"] if line["units"] > 0] or [
        {"model": _domestic_model(pack), "units": 1}
    ]


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
    ("purpose_chars", "up"): _lengthen_purpose,
    ("days_until_needed", "up"): _later_needed_by,
    ("days_until_needed", "down"): _earlier_needed_by,
}
LEDGER_FACTS = {"buyer_used_before", "batch_used_before"}  # fixed on earlier orders

PACK_V = load_pack(PACK)
assert isinstance(PACK_V, RulePack), PACK_V
CHECKER = Checker(PACK_V, enforce_proposed=True)
FIXABLE = [
    (r.rule.id, index, check)
    for r in PACK_V.rules
    for index, check in enumerate(r.checks)
    if check.fix and any(f in GAP_NAMES for f in check.message.fields)
]


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


@given(order=orders(PACK_V))
def test_following_the_printed_fix_makes_the_check_pass(order: Document) -> None:
    """Each fixable check the order fails is fixed as printed, one at a time. (About
    one generated order in three fails one; tests/test_fixes.py's module docstring.)"""
    (results,) = CHECKER.evaluate_documents([order])
    assert isinstance(results, tuple)
    for rule_id, index, check in FIXABLE:
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
        APPLY[(check.fix.fact, direction)](edited, gap, target, PACK_V)
        note(f"{rule_id} #{index + 1}: {result.message}\nedited: {edited}")
        (after,) = CHECKER.evaluate_documents([edited])
        assert isinstance(after, tuple)
        again = next(r for r in after if r.rule == rule_id)
        assert index not in again.failed, again.message
