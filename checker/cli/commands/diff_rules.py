"""`chipcheck diff-rules`: what a rule edit changes, on real orders and by proof."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checker.authoring.diffreport import RENDERERS as DIFF_RENDERERS
from checker.cli.common import Config, UsageError, load_pack_from, order_inputs, write
from checker.core.suggestions import did_you_mean


def run(args: argparse.Namespace, config: Config) -> int:
    import tempfile

    from checker.authoring.diffing import diff
    from checker.authoring.revisions import pack_directory
    from checker.judge.checking import Checker

    if args.max_examples is not None:  # old scripts: 0 meant no search, as --lines 0 does
        print(
            "chipcheck: warning: --max-examples is no longer used: diff-rules proves each "
            "rule with a solver instead of sampling; --lines N bounds the orders it proves "
            "over, --lines 0 re-checks the given orders only",
            file=sys.stderr,
        )
        if args.max_examples.strip() == "0":
            args.lines = 0
    paths, skip = order_inputs(args, config)
    with tempfile.TemporaryDirectory(prefix="chipcheck-diff-") as scratch:
        checkers = []
        for index, spec in enumerate((args.old, args.new)):
            directory = pack_directory(spec, Path(scratch) / str(index))
            if isinstance(directory, str):
                raise UsageError(directory)
            # a revision read from git is written to the scratch directory: not cached
            pack = load_pack_from(directory, cached=not directory.is_relative_to(scratch))
            if pack is None:
                return 2
            checkers.append(Checker(pack, enforce_proposed=args.enforce_proposed))
    old, new = checkers
    known = {r.rule.id for c in checkers for r in c.pack.rules}
    for rule in args.rule or ():
        if rule not in known:
            hint = did_you_mean(rule, known)
            raise UsageError(f"--rule {rule}: neither pack has a rule of that id{hint}")
    old_report = old.check_paths(paths, skip=skip) if paths else None
    new_report = new.check_paths(paths, skip=skip) if paths else None
    result = diff(
        old, new, (args.old, args.new), old_report, new_report, args.lines, args.rule or ()
    )
    write(DIFF_RENDERERS[args.format](result), args.output, args.format)
    return result.exit_code
