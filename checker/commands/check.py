"""`chipcheck check`: judge order files and write the report in every format asked for."""

from __future__ import annotations

import argparse
import sys

from checker.commands.common import (
    Config,
    Output,
    UsageError,
    load_pack,
    order_paths,
    refuse_inputs,
)


def run(args: argparse.Namespace, config: Config) -> int:
    paths = order_paths(args, config)
    if not paths:
        raise UsageError("no PATH given and no [tool.chipcheck] orders in ./pyproject.toml")
    pack = load_pack(args, config)
    if pack is None:
        return 2
    from checker.checking import Checker
    from checker.reporting import render, write_report, writer

    refuse_inputs(
        [path for path in (args.output, *(f for _, f in args.output_format)) if path], paths, pack
    )
    checker = Checker(pack, enforce_proposed=args.enforce_proposed)
    fmt = args.format or "text"
    to_terminal = fmt == "text" and args.output is None and sys.stdout.isatty()
    outputs = [Output(path, extra) for extra, path in args.output_format]
    if not to_terminal:
        outputs.append(Output(args.output, fmt))
    try:
        if to_terminal:
            from checker import terminal  # rich, only for people at a terminal

            report = checker.check_paths(paths, terminal.progress, args.jobs)
            for output in outputs:
                output.writelines((render(output.fmt, report, quiet=args.quiet),))
            return terminal.print_report(report, quiet=args.quiet).exit_code
        progress = None
        if sys.stderr.isatty() and not (args.output is None and sys.stdout.isatty()):
            from checker import terminal  # a bar on stderr that the report cannot garble

            progress = terminal.progress
        writers = [
            (writer(output.fmt, checker.info, quiet=args.quiet), output) for output in outputs
        ]
        results = checker.results(paths, progress, args.jobs)
        return write_report(checker.info, results, writers).exit_code
    finally:
        for output in outputs:
            output.close()
