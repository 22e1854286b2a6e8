"""`chipcheck waivers`: each waiver with its state as of a day, judged on the orders."""

from __future__ import annotations

import argparse
import json
from typing import Any

from checker.cli.common import (
    Config,
    UsageError,
    judging,
    write,
)
from checker.core.escaping import for_terminal
from checker.core.results import waiver_terms


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 when every waiver is in force and used (expiring ones too), 1 when one has
    expired, is not yet in force or covers nothing (a list to act on), 2 on an input
    error."""
    if args.no_waivers:
        raise UsageError("--no-waivers lists nothing: leave it out")
    judged = judging(args, config, required=False)
    if judged is None:
        return 2
    paths, skip, checker = judged
    waivers = checker.waivers
    if waivers is None:
        raise UsageError("no waivers file: give --waivers FILE or set [tool.chipcheck] waivers")
    tally = checker.check_paths(paths, skip=skip).tally() if paths else None
    rows = []
    for grant in waivers.grants:
        used = tally is not None and (grant.id in tally.used or grant.id in tally.out_of_force)
        state = waivers.state(grant, used or tally is None)
        rows.append(
            {
                **grant.terms,
                "state": state,
                "days_left": (grant.expires - waivers.as_of).days,
                "waived": tally.used.get(grant.id, 0) if tally else None,
                "line": grant.line,
            }
        )
    if args.format == "json":
        data = {"file": waivers.file, "sha256": waivers.sha256, "as_of": waivers.as_of.isoformat()}
        text = json.dumps({**data, "waivers": rows}, indent=2, ensure_ascii=False) + "\n"
    else:
        text = _table(rows, waivers.as_of.isoformat(), tally is not None)
    write(text, None, args.format)
    return 0 if all(r["state"] in ("active", "expiring") for r in rows) else 1


def _table(rows: list[dict[str, Any]], as_of: str, judged: bool) -> str:
    lines = []
    for r in rows:
        waived = f", waived {r['waived']} result(s)" if judged else ""
        left = f"{r['days_left']} day(s) left" if r["days_left"] >= 0 else "ended"
        lines.append(
            for_terminal(
                f"{r['state']:<8}  {r['id']}  {r['rule']}"
                + (f" check {r['check']}" if r["check"] else "")
                + f"  expires {r['expires']} ({left}{waived})  {waiver_terms(r)}"
            )
        )
    states = [str(r["state"]) for r in rows]
    counts = ", ".join(f"{states.count(s)} {s}" for s in dict.fromkeys(states))
    note = "" if judged else "; no orders given, so none is shown unused"
    lines.append(f"\n{len(rows)} waivers as of {as_of}: {counts or 'none'}{note}")
    return "\n".join(lines) + "\n"
