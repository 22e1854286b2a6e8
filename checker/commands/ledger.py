"""`chipcheck ledger`: each ledger's totals, used and reserved, order by order."""

from __future__ import annotations

import argparse

from checker.commands.common import (
    Config,
    UsageError,
    load_pack,
    not_orders,
    order_paths,
    refuse_inputs,
    write,
)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 when every total is within its limit, 1 when one is past it, 2 when an
    order is in error (it is in no ledger, so the totals may be short)."""
    paths = order_paths(args, config)
    if not paths:
        raise UsageError("no PATH given and no [tool.chipcheck] orders in ./pyproject.toml")
    skip = not_orders(args, config)
    pack = load_pack(args, config)
    if pack is None:
        return 2
    if not pack.vocabulary.ledgers:
        raise UsageError(f"rule pack {pack.name} declares no ledgers: there is nothing to show")
    from checker.checking import Checker
    from checker.ledgering import ledger_report
    from checker.ledgerreporting import RENDERERS, data, exit_code

    if args.output is not None:
        refuse_inputs([args.output], paths, pack, skip)
    checker = Checker(pack, enforce_proposed=args.enforce_proposed)
    report = ledger_report(checker, paths, skip)
    if args.format == "html":
        from checker.pages import ledger_page

        text = ledger_page(data(report))
    else:
        text = RENDERERS[args.format](report)
    write(text, args.output, args.format)
    return exit_code(report)
