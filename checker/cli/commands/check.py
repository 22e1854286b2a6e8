"""`chipcheck check`: judge order files and write the report in every format asked for."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from checker.cli.common import (
    Config,
    Output,
    judging,
    refuse_inputs,
)
from checker.core.escaping import for_terminal
from checker.core.results import Tally

if TYPE_CHECKING:
    from checker.judge.waiving import WaiverSet


def run(args: argparse.Namespace, config: Config) -> int:
    judged = judging(args, config)
    if judged is None:
        return 2
    paths, skip, checker = judged
    pack, waivers = checker.pack, checker.waivers
    from checker.report.formats import render, write_report, writer

    refuse_inputs(
        [path for path in (args.output, *(f for _, f in args.output_format)) if path],
        paths,
        pack,
        skip,
    )
    fmt = args.format or "text"
    to_terminal = fmt == "text" and args.output is None and sys.stdout.isatty()
    outputs = [Output(path, extra) for extra, path in args.output_format]
    if not to_terminal:
        outputs.append(Output(args.output, fmt))
    try:
        if to_terminal:
            from checker.report import terminal  # rich, only for people at a terminal

            report = checker.check_paths(paths, terminal.progress, args.jobs, skip)
            for output in outputs:
                output.writelines((render(output.fmt, report, quiet=args.quiet),))
            return _exit(terminal.print_report(report, quiet=args.quiet), args, waivers)
        progress = None
        if sys.stderr.isatty() and not (args.output is None and sys.stdout.isatty()):
            from checker.report import terminal  # a bar on stderr that the report cannot garble

            progress = terminal.progress
        writers = [
            (writer(output.fmt, checker.info, quiet=args.quiet), output) for output in outputs
        ]
        results = checker.results(paths, progress, args.jobs, skip)
        return _exit(write_report(checker.info, results, writers), args, waivers)
    finally:
        for output in outputs:
            output.close()


def _exit(tally: Tally, args: argparse.Namespace, waivers: WaiverSet | None) -> int:
    """The exit code; each waiver that matched nothing is reported on stderr, and with
    --strict-waivers makes a passing run exit 1."""
    from checker.report.json_format import unused

    if waivers is None:
        return tally.exit_code
    idle = set(unused(tally, waivers.info))
    for grant in waivers.grants:
        if grant.id in idle:
            where = f"{waivers.file}:{grant.line}" if grant.line else waivers.file
            print(
                f"warning: {for_terminal(where)}: waiver {for_terminal(grant.id)} covers no "
                "failing or warning result: remove it, or correct its rule, check, orders "
                "or when",
                file=sys.stderr,
            )
    if idle and args.strict_waivers and tally.exit_code == 0:
        return 1
    return tally.exit_code
