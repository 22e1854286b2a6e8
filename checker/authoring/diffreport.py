"""Renderers for `chipcheck diff-rules`: text for people, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from checker.core.escaping import for_terminal, unicode_safe_data

if TYPE_CHECKING:  # the CLI reads RENDERERS for its choices: hypothesis, orjson stay out
    from checker.authoring.diffing import PackSide, RuleDiff, StatusChange

SCHEMA = "chipcheck/diff/v1"


def render_diff_json(diff: RuleDiff) -> str:
    from checker.authoring.strategies import to_json, to_yaml
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
        "generated": [
            {**change(f.change), "order": json.loads(to_json(f.order)), "yaml": to_yaml(f.order)}
            for f in diff.flips
        ],
        "summary": {
            "checked": diff.checked,
            "changed": len(diff.orders),
            "errors": len(diff.errors),
            "searched_per_rule": diff.searched,
            "flipped_rules": len(diff.flips),
        },
    }
    return json.dumps(unicode_safe_data(data), indent=2, ensure_ascii=False) + "\n"


def render_diff_text(diff: RuleDiff) -> str:
    from checker.authoring.strategies import to_yaml

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
    if diff.searched:
        lines += [
            "",
            f"generated orders ({diff.searched} tried per rule): {len(diff.flips)} rule(s) flip",
        ]
    for flip in diff.flips:
        c = flip.change
        lines += [
            f"  {c.rule}: {c.old} -> {c.new}",
            f"    old: {c.old_message or '(rule absent)'}",
            f"    new: {c.new_message or '(rule absent)'}",
            "    simplest such order (save it as a .yaml file to keep it):",
            *(f"      {line}" for line in to_yaml(flip.order).splitlines()),
        ]
    lines += [
        "",
        "nothing changes"
        if diff.exit_code == 0
        else "some orders change"
        if diff.exit_code == 1
        else "some orders could not be compared",
    ]
    # Orders and file names may hold anything: escape what could forge a line.
    return "\n".join(for_terminal(line) for line in lines) + "\n"


RENDERERS: dict[str, Callable[[RuleDiff], str]] = {
    "text": render_diff_text,
    "json": render_diff_json,
}
