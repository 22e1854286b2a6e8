"""Renderers for `chipcheck diff-rules`: text for people, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from checker.core.escaping import for_terminal, unicode_safe_data

if TYPE_CHECKING:  # the CLI reads RENDERERS for its choices: hypothesis, orjson stay out
    from checker.authoring.diffing import PackSide, RuleDiff, StatusChange
    from checker.proof.equivalence import Proof, Witness

SCHEMA = "chipcheck/diff/v2"


def bounds(proof: Proof) -> str:
    """What the proof covers, as its answer states it."""
    return (
        f"orders of 1 to {proof.lines} lines, with any buyer, batch and model of either "
        "pack or none, any date, any value of the fields they declare, and any total "
        "of earlier orders in each ledger"
    )


def earlier_totals(earlier: Iterable[tuple[str, int]]) -> str:
    """The ledger totals a shown order needs of earlier orders, in words."""
    totals = ", ".join(f"{ledger} {total:,}" for ledger, total in earlier)
    return f"with earlier orders totalling, per ledger: {totals}"


def proof_json(proof: Proof) -> dict[str, object]:
    from checker.authoring.strategies import to_json, to_yaml

    def witness(w: Witness) -> dict[str, object]:
        return {
            "rule": w.rule,
            "old": w.old,
            "new": w.new,
            "old_message": w.old_message,
            "new_message": w.new_message,
            "order": json.loads(to_json(w.order)),
            "yaml": to_yaml(w.order),
            "earlier": dict(w.earlier),
        }

    return {
        "bounds": {"lines": proof.lines, "text": bounds(proof)},
        "equivalent": proof.equivalent,
        "proved": list(proof.proved),
        "changes": [witness(w) for w in proof.witnesses],
        "unsettled": [{"rule": u.rule, "reason": u.reason} for u in proof.unsettled],
    }


def render_diff_json(diff: RuleDiff) -> str:
    from checker.report.json_format import order_json  # orjson: only for this format

    def side(s: PackSide) -> dict[str, str]:
        return {"source": s.source, **s.info.identity()}

    def change(c: StatusChange) -> dict[str, str]:
        return {
            "rule": c.rule,
            "old": c.old,
            "new": c.new,
            "old_message": c.old_message,
            "new_message": c.new_message,
        }

    data = {
        "schema": SCHEMA,
        "old": side(diff.old),
        "new": side(diff.new),
        "orders": [
            {
                "file": o.file,
                "order_id": o.order_id,
                "old_verdict": o.old_verdict,
                "new_verdict": o.new_verdict,
                "changes": [change(c) for c in o.changes],
            }
            for o in diff.orders
        ],
        "errors": [order_json(o) for o in diff.errors],
        "proof": None if diff.proof is None else proof_json(diff.proof),
        "summary": {
            "checked": diff.checked,
            "changed": len(diff.orders),
            "errors": len(diff.errors),
            "rules_changed": None if diff.proof is None else len(diff.proof.witnesses),
            "rules_unsettled": None if diff.proof is None else len(diff.proof.unsettled),
        },
    }
    return json.dumps(unicode_safe_data(data), indent=2, ensure_ascii=False) + "\n"


def _proof_text(proof: Proof) -> list[str]:
    from checker.authoring.strategies import to_yaml

    lines = [
        f"proof, over {bounds(proof)}:",
        f"  {len(proof.proved)} rule(s) judge every such order alike",
    ]
    for w in proof.witnesses:
        lines += [
            f"  {w.rule}: {w.old} -> {w.new}",
            f"    old: {w.old_message or '(rule absent)'}",
            f"    new: {w.new_message or '(rule absent)'}",
        ]
        if w.earlier:
            lines.append(f"    {earlier_totals(w.earlier)}")
        lines += [
            "    simplest such order (save it as a .yaml file to keep it):",
            *(f"      {line}" for line in to_yaml(w.order).splitlines()),
        ]
    lines += [f"  {u.rule}: not settled: {u.reason}" for u in proof.unsettled]
    return lines


def render_diff_text(diff: RuleDiff) -> str:
    def side(s: PackSide) -> str:
        return f"{s.source} ({s.info.name} {s.info.version}, sha256 {s.info.sha256[:12]})"

    lines = [f"old: {side(diff.old)}", f"new: {side(diff.new)}", ""]
    if diff.checked:
        lines.append(f"{diff.checked} orders re-checked: {len(diff.orders)} change")
    for order in diff.orders:
        verdict = (
            f"verdict {order.old_verdict} -> {order.new_verdict}"
            if order.old_verdict != order.new_verdict
            else f"verdict stays {order.new_verdict}"
        )
        lines.append(f"  {order.file}  {order.order_id or ''}  {verdict}")
        lines.extend(
            f"    {c.rule}: {c.old} -> {c.new}: {c.new_message or c.old_message}"
            for c in order.changes
        )
    for bad in diff.errors:
        lines.append(f"  {bad.file}  ERROR (not compared)")
        lines.extend(f"    {problem}" for problem in bad.errors)
    if diff.proof is not None:
        lines += ["", *_proof_text(diff.proof)]
    if diff.exit_code == 2:
        lines += ["", "some orders could not be compared"]
    elif diff.proof is None:
        changes = "some orders change" if diff.exit_code else "no order checked changes"
        lines += ["", changes]
    elif diff.proof.equivalent and not diff.orders:
        lines += ["", "nothing changes: proved"]
    else:
        lines += ["", "some orders change"]
    # Orders and file names may hold anything: escape what could forge a line.
    return "\n".join(for_terminal(line) for line in lines) + "\n"


RENDERERS: dict[str, Callable[[RuleDiff], str]] = {
    "text": render_diff_text,
    "json": render_diff_json,
}
