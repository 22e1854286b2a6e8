"""`chipcheck ledger`: each ledger's totals, used and reserved, order by order."""

from __future__ import annotations

import argparse

from checker.cli.common import (
    Config,
    UsageError,
    judging,
    refuse_inputs,
    write,
)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 when every total is within its limit, 1 when one is past it, 2 when an
    order is in error (it is in no ledger, so the totals may be short)."""
    judged = judging(args, config, waivers=False)
    if judged is None:
        return 2
    paths, skip, checker = judged
    pack = checker.pack
    if not pack.vocabulary.ledgers:
        raise UsageError(f"rule pack {pack.name} declares no ledgers: there is nothing to show")
    from checker.judge.ledger_view import ledger_report
    from checker.report.ledger import RENDERERS, data, exit_code

    if args.output is not None:
        refuse_inputs([args.output], paths, pack, skip)
    report = ledger_report(checker, paths, skip)
    if args.format == "html":
        import datetime as dt

        from checker.report.pages import Stamp, ledger_page

        text = ledger_page(data(report), Stamp.now(dt.date.today().isoformat()))
    else:
        text = RENDERERS[args.format](report)
    write(text, args.output, args.format)
    return exit_code(report)
