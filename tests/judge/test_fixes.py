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
