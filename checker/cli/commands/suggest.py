"""`chipcheck suggest`: for each failing order, one change to its lines that makes it pass."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from checker.cli.common import Config, judging, write
from checker.core.escaping import for_terminal, unicode_safe_data


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 when every order passes, 1 when some fail (with or without a suggestion),
    2 when an order is in error."""
    judged = judging(args, config, waivers=False)
    if judged is None:
        return 2
    paths, skip, checker = judged
    from checker.judge.ledgers import Local
    from checker.judge.reading import Loaded
    from checker.proof.orders import ledger_identity
    from checker.proof.repair import suggest
    from checker.source.documents import read_document

    kept: list[Loaded] = []
    results = list(checker.results(paths, skip=skip, keep=kept))
    locals_: list[Local] = [item.local for item in kept]
    used = dict(zip((item.file for item in kept), checker.deriver.ledger(locals_), strict=True))
    identities = [ledger_identity(ledger) for ledger in checker.pack.vocabulary.ledgers]
    entries: list[dict[str, Any]] = []
    errors = 0
    for result in results:
        if result.verdict == "error":
            errors += 1
            entries.append({"file": result.file, "order_id": result.order_id, "error": True})
            continue
        if not any(r.status in ("fail", "warn") for r in result.results):
            continue
        document = read_document(Path(result.file))
        assert not isinstance(document, list)  # it was read and judged above
        earlier = dict(zip(identities, used[result.file], strict=True))
        found = suggest(checker, document.data, earlier)
        entries.append({
            "file": result.file,
            "order_id": result.order_id,
            "failing": list(found.failing),
            "changes": [
                {"line": c.line, "model": c.model, "before": c.before, "after": c.after,
                 "fields": dict(c.fields)}
                for c in found.changes
            ],
            "fixed": list(found.fixed),
            "unfixable": list(found.unfixable),
        })  # fmt: skip
    if args.format == "json":
        data = {"schema": "chipcheck/suggest/v1", "orders": entries}
        text = json.dumps(unicode_safe_data(data), indent=2, ensure_ascii=False) + "\n"
    else:
        text = _text(entries)
    write(text, None, args.format)
    if errors:
        return 2
    return 1 if any(e.get("failing") for e in entries) else 0


def _text(entries: list[dict[str, Any]]) -> str:
    lines = []
    for e in entries:
        lines.append(f"{e['file']}  {e['order_id'] or ''}")
        if e.get("error"):
            lines.append("  ERROR: not judged (chipcheck check shows why)")
            continue
        lines.append(f"  failing: {', '.join(e['failing'])}")
        for c in e["changes"]:
            if c["line"] is None:
                extra = "".join(f", {k}: {v}" for k, v in c["fields"].items())
                lines.append(f"  add a line: {c['model']}, {c['after']:,} units{extra}")
            elif c["after"] == 0:
                lines.append(f"  line {c['line']} ({c['model']}, {c['before']:,} units): remove it")
            else:
                lines.append(
                    f"  line {c['line']} ({c['model']}): {c['before']:,} -> {c['after']:,} units"
                )
        if e["fixed"]:
            lines.append(f"  then these pass (checked): {', '.join(e['fixed'])}")
        if e["unfixable"]:
            lines.append(
                f"  no change to the lines makes these pass: {', '.join(e['unfixable'])} "
                "(they judge the buyer, batch, date or other fields)"
            )
    if not entries:
        lines.append("every order passes: nothing to suggest")
    return "\n".join(for_terminal(line) for line in lines) + "\n"
