"""Command line: parses arguments and configuration and runs the command's module
(checker.cli.commands), turning what goes wrong into the exit code.

Exit status: 0 every order passes; 1 some order fails and none is in error; 2 an order
is in error, the rule pack is invalid, or the command line or configuration is wrong;
3 chipcheck itself failed (a bug), so a crash is never read as a failing order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from checker import __version__
from checker.cli.common import UsageError, load_config
from checker.core import dates
from checker.core.problems import ReadError, WriteError
from checker.report.formats import FORMATS

SCHEMAS = ("order", "rules", "pack", "waivers")

# checker.authoring.diffreport.RENDERERS, named here so a check does not import it
DIFF_FORMATS = ("text", "json")


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size tells it (COLUMNS, then the
    terminal, else 80), without importing shutil: argparse does on every run, for a
    help text most runs never print (it loads zlib, bz2 and lzma, ~4 ms)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    def _get_formatter(self) -> argparse.HelpFormatter:
        formatter: Any = self.formatter_class  # typeshed's protocol omits `width`
        return cast(argparse.HelpFormatter, formatter(prog=self.prog, width=_columns() - 2))


class _Unbuilt(argparse.ArgumentParser):
    """Stands for the parser of a command this run does not run, and drops whatever is
    added to it: building every command's parser took ~5 ms of a one-file check
    (argparse looks up a translation of each help text)."""

    def __init__(self) -> None:
        """Not an argparse parser's state: nothing may parse with it."""

    def add_argument(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def add_subparsers(self, **kwargs: Any) -> Any:
        return self

    def add_parser(self, *args: Any, **kwargs: Any) -> Any:
        return self


_UNBUILT = _Unbuilt()
COMMANDS = (
    "check", "waivers", "attest", "verify", "ledger", "suggest", "rules", "diff-rules",
    "schema", "explain",
)  # fmt: skip


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, of that command alone (and the options
    before it), which parses that command's arguments exactly as the whole one does."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on an internal error, print the traceback",
    )
    parser = _Parser(
        prog="chipcheck",
        description="Check AI-chip purchase orders against a declarative rule pack.",
        epilog="Exit status: 0 all orders pass, 1 some order fails, 2 an order or the rule "
        "pack is in error or the command line is wrong, 3 chipcheck failed (a bug).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"chipcheck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return commands.add_parser(name, **kwargs) if only in (None, name) else _UNBUILT

    rules_help = (
        "rule pack directory, or a bundled pack's name: cn-h200-2026, us-bis-h200-2026 "
        "(default: [tool.chipcheck] rules, else cn-h200-2026)"
    )
    waiving = _Parser(add_help=False)
    waiving.add_argument(
        "--waivers",
        type=_path,
        metavar="FILE",
        help="apply the waivers in FILE (default: [tool.chipcheck] waivers; none unless named)",
    )
    waiving.add_argument(
        "--no-waivers", action="store_true", help="apply no waivers: the raw verdicts"
    )
    waiving.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="judge waivers in force on this day (default: today)",
    )
    check = command("check", help="check order files", parents=[common, waiving])
    _paths(check)
    check.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    check.add_argument(
        "--format", choices=FORMATS, help="report format for stdout or --output (default: text)"
    )
    check.add_argument(
        "--output", type=_path, metavar="FILE", help="write the report here (never over an input)"
    )
    check.add_argument(
        "--output-format",
        action="append",
        type=_format_file,
        default=[],
        metavar="FMT=FILE",
        help="also write the report as FMT to FILE; repeatable (e.g. sarif=chipcheck.sarif)",
    )
    check.add_argument(
        "--enforce-proposed",
        action="store_true",
        help="a failing proposed rule fails the order instead of warning",
    )
    check.add_argument(
        "--strict-waivers",
        action="store_true",
        help="a waiver that covers no failing or warning result makes a passing run exit 1",
    )
    check.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text: print only orders that fail, warn or are in error, then the summary",
    )
    check.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="processes reading order files (default: one per CPU, at most 8, from 3,000 "
        "files on Linux; else 1)",
    )

    waivers = command(
        "waivers",
        help="list the waivers with their state (active, expiring, expired, future, unused) "
        "as of a day, judged on the orders",
        parents=[common, waiving],
    )
    _paths(waivers)
    waivers.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    waivers.add_argument("--format", choices=("text", "json"), default="text")
    _enforce_proposed(waivers)

    attest = command(
        "attest",
        help="check orders and write a verdict record (an in-toto Statement) to submit",
        parents=[common, waiving],
    )
    _paths(attest)
    attest.add_argument("--output", type=_path, metavar="FILE", required=True)
    attest.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    attest.add_argument(
        "--sign-key",
        type=_path,
        metavar="KEY",
        help="sign the record with this private key (PEM: ed25519 or ECDSA P-256, as openssl "
        "genpkey writes it): FILE is then a DSSE envelope, as in-toto verifies it",
    )
    _enforce_proposed(attest)
    verify = command(
        "verify",
        help="re-hash and re-check what a verdict record names, as of its date; list every "
        "difference",
        parents=[common],
    )
    verify.add_argument("record", type=_path, metavar="FILE", help="the record attest wrote")
    _paths(verify, "order files or directories (default: the paths the record names)")
    verify.add_argument(
        "--rules",
        type=_path,
        metavar="DIR",
        help="the rule pack (default: the one the record names)",
    )
    verify.add_argument(
        "--waivers",
        type=_path,
        metavar="FILE",
        help="the waivers file (default: the record's)",
    )
    verify.add_argument(
        "--key",
        type=_path,
        metavar="PUBLIC",
        help="check the record's DSSE signature with this public key (PEM)",
    )

    ledger = command(
        "ledger",
        help="each ledger's totals: limit, used, reserved, remaining, and every order in "
        "ledger order with running totals",
        parents=[common],
    )
    _paths(ledger)
    ledger.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    ledger.add_argument("--format", choices=("text", "json", "csv", "html"), default="text")
    ledger.add_argument("--output", type=_path, metavar="FILE", help="write here, not stdout")
    _enforce_proposed(ledger)
    _configured_waivers(ledger)

    suggest = command(
        "suggest",
        help="for each failing order, the smallest change to its lines that makes every "
        "failing rule pass (solved over the whole order), or which rules no change can fix",
        parents=[common],
    )
    _paths(suggest)
    suggest.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    suggest.add_argument("--format", choices=("text", "json"), default="text")
    _enforce_proposed(suggest)
    _configured_waivers(suggest)

    rules = command(
        "rules",
        help="list the rules of a pack ('rules list', the default), run their examples "
        "('rules test') or prove what their checks can do ('rules lint')",
        parents=[common],
    )
    rules.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    rules_commands = rules.add_subparsers(dest="action", metavar="ACTION")
    pack_option = _Parser(add_help=False)
    pack_option.add_argument(
        "--rules", type=_path, metavar="DIR", default=argparse.SUPPRESS, help=rules_help
    )
    rules_commands.add_parser(
        "list", help="list the rules: id, status, title, source", parents=[common, pack_option]
    )
    rules_test = rules_commands.add_parser(
        "test",
        help="run every rule's examples; count which checks orders fail (coverage)",
        parents=[common, pack_option],
    )
    _paths(rules_test, "also count which checks these orders fail, for coverage")
    rules_test.add_argument("--generated", help=argparse.SUPPRESS)  # gone: a usage error says so
    rules_test.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 also when a check has no failing example or the pack has warnings",
    )
    rules_test.add_argument(
        "--no-proof",
        action="store_true",
        help="leave out the solver's column of the coverage (whether an order can fail each "
        "check): it never changes the exit code, and costs a second or more; the "
        "pre-commit hook runs without it",
    )

    rules_lint = rules_commands.add_parser(
        "lint",
        help="prove what each check can do: never or always fails, implied by another, "
        "hidden by skip_when; and build an order that fails each check",
        description="Prove, with an SMT solver, over every order (within --lines), which "
        "checks can never fail, fail for every order their rule applies to, fail only "
        "where another check of the rule fails, or are hidden by skip_when, and which "
        "rules never apply or meet no batch window; and build, for each check, an order "
        "that fails it, confirmed by the engine. Exit 0 nothing found, 1 a finding.",
        parents=[common, pack_option],
    )
    rules_lint.add_argument("--format", choices=("text", "json"), default="text")
    rules_lint.add_argument(
        "--lines", type=_positive, default=3, metavar="N",
        help="prove over orders of up to N lines (default 3)",
    )  # fmt: skip
    rules_lint.add_argument(
        "--witnesses", action="store_true", help="print the order that fails each check"
    )
    rules_lint.add_argument(
        "--rule", action="append", metavar="ID",
        help="lint this rule only (repeat for more; default: every rule)",
    )  # fmt: skip

    diff = command(
        "diff-rules",
        parents=[common],
        help="which orders change verdict between two rule packs (dirs or git REV:PATH)",
        description="Re-check orders under two rule packs and list every order whose "
        "verdict, rule status or failure message changes; then prove, with an SMT solver, "
        "for each rule whether any order (within stated bounds) is judged differently, and "
        "print the simplest such order, confirmed by the engine, as an order file. Exit 0 "
        "nothing changes, 1 something does (or may), 2 error.",
    )
    diff.add_argument("old", metavar="OLD", help="rule pack directory, or git REV:PATH")
    diff.add_argument(
        "new", metavar="NEW", help="e.g. rules/cn-h200-2026 or HEAD:rules/cn-h200-2026"
    )
    _paths(diff, "orders to re-check (default: [tool.chipcheck] orders, if set)")
    diff.add_argument("--format", choices=DIFF_FORMATS, default="text")
    diff.add_argument(
        "--output", type=_path, metavar="FILE", help="write the report here (never over an input)"
    )
    diff.add_argument(
        "--lines",
        type=_count,
        default=3,
        metavar="N",
        help="prove over orders of up to N lines (default 3; 0: re-check the orders only)",
    )
    diff.add_argument("--max-examples", help=argparse.SUPPRESS)  # gone: a usage error says so
    diff.add_argument(
        "--rule",
        action="append",
        metavar="ID",
        help="prove this rule only (repeat for more; default: every rule of either pack)",
    )
    diff.add_argument("--enforce-proposed", action="store_true")

    schema = command(
        "schema",
        help="print the JSON Schema of an order file, a rule file or pack.yaml (for editors)",
        parents=[common],
    )
    schema.add_argument("kind", choices=SCHEMAS)
    schema.add_argument(
        "--rules",
        type=_path,
        metavar="DIR",
        help="the pack whose declared fields and attributes the schema includes ("
        + rules_help.removeprefix("rule pack directory (")
        + ")",
    )

    explain = command(
        "explain",
        help="show one rule's documentation and examples, or without RULE-ID every fact "
        "the pack's rules may read",
        parents=[common],
    )
    explain.add_argument("rule_id", metavar="RULE-ID", nargs="?")
    explain.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("chipcheck: interrupted; nothing was checked to the end", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `chipcheck ... | head`: the reader left; not a bug
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit's flush of stdout cannot fail
        print("chipcheck: error: the output was closed before the report ended", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: exit 3, never 1 (the code for a failing order)
        if "--debug" in argv:
            import traceback

            traceback.print_exc()
        print(
            f"chipcheck: internal error: {type(exc).__name__}: {_one_line(str(exc))}; this is "
            f"a bug in chipcheck {__version__}, please report it with the command you ran "
            "(add --debug for the traceback)",
            file=sys.stderr,
        )
        return 3


def _command(argv: list[str]) -> str | None:
    """The command `argv` runs, when that command's parser alone can parse it: not
    after an option other than --debug (help, the version, abbreviations of them), nor
    for a name that is no command (its error lists them all)."""
    for arg in argv:
        if arg != "--debug":
            return arg if arg in COMMANDS else None
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _main(argv: list[str]) -> int:
    parser = build_parser(_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        config = load_config()
        command = importlib.import_module(f"checker.cli.commands.{args.command.replace('-', '_')}")
        code: int = command.run(args, config)
        return code
    except (UsageError, ReadError, WriteError) as exc:
        print(f"chipcheck: error: {exc}", file=sys.stderr)
        return 2


def _format_file(text: str) -> tuple[str, Path]:
    fmt, equals, file = text.partition("=")
    if not equals or fmt not in FORMATS or not file:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write FMT=FILE with FMT one of {', '.join(FORMATS)}"
        )
    return fmt, Path(file)


def _path(text: str) -> Path:
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file: give a file or directory")
    return Path(text)


def _paths(
    parser: argparse.ArgumentParser,
    help: str = "order files or directories (default: [tool.chipcheck] orders)",
) -> None:
    parser.add_argument("paths", nargs="*", type=_path, metavar="PATH", help=help)


def _enforce_proposed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--enforce-proposed", action="store_true", help="judge as check --enforce-proposed does"
    )


def _configured_waivers(parser: argparse.ArgumentParser) -> None:
    """Read only so that the configured waivers file is never taken for an order."""
    parser.add_argument("--waivers", type=_path, metavar="FILE", help=argparse.SUPPRESS)


def _date(text: str) -> dt.date:
    day = dates.calendar_date(text)
    if day is not None:
        return day
    raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-12-01")


def _jobs(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least 1 process")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return value
