"""Command line: parses arguments and configuration, wires the stages, picks the exit code.

Exit status: 0 every order passes; 1 some order fails and none is in error; 2 an order
is in error, the rule pack is invalid, or the command line or configuration is wrong;
3 chipcheck itself failed (a bug), so a crash is never read as a failing order.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from checker import __version__
from checker.diffreporting import RENDERERS as DIFF_RENDERERS
from checker.escaping import for_terminal
from checker.problems import Problem, ReadError, WriteError
from checker.reporting import FORMATS

if TYPE_CHECKING:
    from checker.packs.rulepack import RulePack

CONFIG_KEYS = {"orders", "rules"}
SCHEMAS = ("order", "rules", "pack")


class Config(NamedTuple):
    orders: Path | None = None
    rules: Path | None = None


class UsageError(Exception):
    """A command line or configuration the user must correct (exit 2)."""


def load_config(pyproject: Path = Path("pyproject.toml")) -> Config:
    """`[tool.chipcheck]` of ./pyproject.toml; paths are relative to that file."""
    if not pyproject.is_file():
        return Config()
    import tomllib  # here: about 3 ms that a directory without pyproject.toml skips

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{pyproject}: cannot read configuration: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{pyproject}: cannot read configuration: {exc.strerror}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{pyproject}: 'tool' must be a table ([tool.chipcheck] is read)")
    section = tool.get("chipcheck", {})
    if not isinstance(section, dict):
        raise UsageError(f"{pyproject}: [tool.chipcheck] must be a table")
    unknown = sorted(set(section) - CONFIG_KEYS)
    if unknown:
        raise UsageError(
            f"{pyproject}: unknown key(s) in [tool.chipcheck]: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(CONFIG_KEYS))})"
        )
    paths: dict[str, Path] = {}
    for key in sorted(CONFIG_KEYS & set(section)):
        if not isinstance(section[key], str) or not section[key]:
            raise UsageError(f"{pyproject}: [tool.chipcheck] {key} must be a non-empty path string")
        paths[key] = pyproject.parent / section[key]
    return Config(**paths)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on an internal error, print the traceback",
    )
    parser = argparse.ArgumentParser(
        prog="chipcheck",
        description="Check AI-chip purchase orders against a declarative rule pack.",
        epilog="Exit status: 0 all orders pass, 1 some order fails, 2 an order or the rule "
        "pack is in error or the command line is wrong, 3 chipcheck failed (a bug).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"chipcheck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rules_help = "rule pack directory (default: [tool.chipcheck] rules, else the bundled pack)"
    check = commands.add_parser("check", help="check order files", parents=[common])
    check.add_argument(
        "paths",
        nargs="*",
        type=_path,
        metavar="PATH",
        help="order files or directories (default: [tool.chipcheck] orders)",
    )
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

    rules = commands.add_parser(
        "rules",
        help="list the rules of a pack ('rules list', the default), or run their examples "
        "('rules test')",
        parents=[common],
    )
    rules.add_argument("--rules", type=_path, metavar="DIR", help=rules_help)
    rules_commands = rules.add_subparsers(dest="action", metavar="ACTION")
    pack_option = argparse.ArgumentParser(add_help=False)
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
    rules_test.add_argument(
        "paths",
        nargs="*",
        type=_path,
        metavar="PATH",
        help="also count which checks these orders fail, for coverage",
    )
    rules_test.add_argument(
        "--generated",
        type=_count,
        default=200,
        metavar="N",
        help="generated order sets to count coverage on (default 200; 0: none)",
    )
    rules_test.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 also when a check has no failing example or the pack has warnings",
    )

    diff = commands.add_parser(
        "diff-rules",
        parents=[common],
        help="which orders change verdict between two rule packs (dirs or git REV:PATH)",
        description="Re-check orders under two rule packs and list every order whose "
        "verdict or rule status changes; then search generated orders (hypothesis) for "
        "flips and print the simplest ones as order files. Exit 0 nothing changes, "
        "1 something does, 2 error.",
    )
    diff.add_argument("old", metavar="OLD", help="rule pack directory, or git REV:PATH")
    diff.add_argument(
        "new", metavar="NEW", help="e.g. rules/cn-h200-2026 or HEAD:rules/cn-h200-2026"
    )
    diff.add_argument(
        "paths",
        nargs="*",
        type=_path,
        metavar="PATH",
        help="orders to re-check (default: [tool.chipcheck] orders, if set)",
    )
    diff.add_argument("--format", choices=tuple(DIFF_RENDERERS), default="text")
    diff.add_argument(
        "--output", type=_path, metavar="FILE", help="write the report here (never over an input)"
    )
    diff.add_argument(
        "--max-examples",
        type=_count,
        default=500,
        metavar="N",
        help="generated orders to try per rule (default 500; 0: no search)",
    )
    diff.add_argument("--enforce-proposed", action="store_true")

    schema = commands.add_parser(
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

    explain = commands.add_parser(
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


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        config = load_config()
        if args.command == "check":
            return _check(args, config)
        if args.command == "rules":
            return _rules(args, config)
        if args.command == "diff-rules":
            return _diff_rules(args, config)
        if args.command == "schema":
            return _schema(args, config)
        return _explain(args, config)
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


def _jobs(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least 1 process")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return value


def _load_pack(args: argparse.Namespace, config: Config) -> RulePack | None:
    from checker.packs.rulepack import DEFAULT_PACK

    return _load_pack_from(args.rules or config.rules or DEFAULT_PACK)


def _load_pack_from(directory: Path) -> RulePack | None:
    from checker.packs.rulepack import load_pack

    pack = load_pack(directory)
    if isinstance(pack, list):
        _print_problems(pack, f"rule pack {directory.as_posix()} is invalid; nothing was checked")
        return None
    for warning in pack.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return pack


def _print_problems(problems: Sequence[Problem], headline: str) -> None:
    for problem in sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0)):
        print(for_terminal(str(problem)), file=sys.stderr)
    print(f"chipcheck: {headline}", file=sys.stderr)


class _Output:
    """A report destination: stdout, or a file opened at the first write.

    When the reader of stdout goes away (`chipcheck check | head`), the rest of the
    report is dropped quietly and the run goes on, so the exit status still says
    whether every order passed.
    """

    def __init__(self, path: Path | None, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self._file: TextIO | None = None
        self._gone = False

    def writelines(self, chunks: Iterable[str]) -> None:
        if self._gone:
            return
        with self._writing():
            if self._file is None:
                self._file = self._open()
            self._file.writelines(chunks)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A closed pipe drops the rest quietly; any other failure is the user's to fix."""
        try:
            yield
        except BrokenPipeError:
            self._drop()
        except OSError as exc:
            raise UsageError(
                f"cannot write {self.path or 'stdout'}: {exc.strerror or exc}"
            ) from None

    def _open(self) -> TextIO:
        if self.path is not None:
            return self.path.open("w", encoding="utf-8")
        if isinstance(sys.stdout, io.TextIOWrapper):
            if self.fmt == "text":  # escaped already; a locale that lacks a letter gets \u
                sys.stdout.reconfigure(errors="backslashreplace")
            else:  # JSON, SARIF, XML are UTF-8 by definition
                sys.stdout.reconfigure(encoding="utf-8")
        return sys.stdout

    def _drop(self) -> None:
        """Point stdout at /dev/null, so flushing it at exit cannot fail again."""
        self._gone = True
        if self._file is sys.stdout:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self._file.fileno())
                os.close(devnull)
            except (OSError, ValueError, io.UnsupportedOperation):
                return

    def close(self) -> None:
        if self._file is None:
            return
        with self._writing():
            if self._file is not sys.stdout:
                self._file.close()
            elif not self._gone:
                self._file.flush()


def _write(text: str, path: Path | None, fmt: str) -> None:
    output = _Output(path, fmt)
    try:
        output.writelines((text,))
    finally:
        output.close()


def _refuse_inputs(outputs: Iterable[Path], inputs: Iterable[Path], pack: RulePack) -> None:
    """No report is written over an order file or a rule-pack file of the run (SPEC 3).

    Only an existing file can be an input, and only one with an order file's suffix can
    be an order, so the order files are listed only when such an output exists.
    """
    from checker.loading import discover, is_order_file

    existing = {path.resolve(): path for path in outputs if path.exists()}
    if not existing:
        return
    taken = {path.resolve() for path in pack.files}
    if any(is_order_file(path.name) for path in existing):
        taken.update(path.resolve() for path in discover(inputs)[0])
    for resolved, path in existing.items():
        if resolved in taken:
            raise UsageError(
                f"--output {path.as_posix()} is an input of this run (an order or rule file): "
                "write the report elsewhere; nothing was written"
            )


def _order_paths(args: argparse.Namespace, config: Config) -> list[Path]:
    """PATH arguments, else the configured orders directory, else none."""
    paths: list[Path] = args.paths or ([config.orders] if config.orders else [])
    return paths


def _check(args: argparse.Namespace, config: Config) -> int:
    paths = _order_paths(args, config)
    if not paths:
        raise UsageError("no PATH given and no [tool.chipcheck] orders in ./pyproject.toml")
    pack = _load_pack(args, config)
    if pack is None:
        return 2
    from checker.checking import Checker
    from checker.reporting import render, write_report, writer

    _refuse_inputs(
        [path for path in (args.output, *(f for _, f in args.output_format)) if path], paths, pack
    )
    checker = Checker(pack, enforce_proposed=args.enforce_proposed)
    fmt = args.format or "text"
    to_terminal = fmt == "text" and args.output is None and sys.stdout.isatty()
    outputs = [_Output(path, extra) for extra, path in args.output_format]
    if not to_terminal:
        outputs.append(_Output(args.output, fmt))
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


def _diff_rules(args: argparse.Namespace, config: Config) -> int:
    import tempfile

    from checker.checking import Checker
    from checker.diffing import diff
    from checker.revisions import pack_directory

    paths = _order_paths(args, config)
    with tempfile.TemporaryDirectory(prefix="chipcheck-diff-") as scratch:
        checkers = []
        for index, spec in enumerate((args.old, args.new)):
            directory = pack_directory(spec, Path(scratch) / str(index))
            if isinstance(directory, str):
                raise UsageError(directory)
            pack = _load_pack_from(directory)
            if pack is None:
                return 2
            checkers.append(Checker(pack, enforce_proposed=args.enforce_proposed))
    old, new = checkers
    old_report = old.check_paths(paths) if paths else None
    new_report = new.check_paths(paths) if paths else None
    result = diff(old, new, (args.old, args.new), old_report, new_report, args.max_examples)
    _write(DIFF_RENDERERS[args.format](result), args.output, args.format)
    return result.exit_code


def _rules(args: argparse.Namespace, config: Config) -> int:
    pack = _load_pack(args, config)
    if pack is None:
        return 2
    if args.action == "test":
        return _rules_test(pack, args)
    print(f"{pack.name} {pack.version}  ({pack.directory.as_posix()})")
    width = max(len(r.rule.id) for r in pack.rules)
    for pack_rule in pack.rules:
        rule = pack_rule.rule
        print(f"  {rule.id:<{width}}  {rule.status:<8}  {rule.title}  [source: {rule.source}]")
    return 0


def _rules_test(pack: RulePack, args: argparse.Namespace) -> int:
    from checker.selftest import SelfTest

    selftest = SelfTest(pack)
    outcomes = selftest.examples()
    for o in outcomes:
        mark = "ok   " if o.ok else "WRONG"
        line = f"{mark} {o.rule}: {o.example} (expected {o.expected}, got {o.actual})"
        print(line if o.ok else f"{line}\n        {o.message}")
    wrong = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes)} examples: {len(outcomes) - wrong} ok, {wrong} wrong")

    report = selftest.checker.check_paths(args.paths) if args.paths else None
    if report is not None and report.tally().verdicts["error"]:
        _print_problems(
            [p for o in report.orders for p in o.errors], "some orders could not be read"
        )
        return 2
    checks = selftest.coverage(report, args.generated)
    print(
        "\ncoverage: orders that fail each check "
        f"(examples / {len(report.orders) if report else 0} orders / "
        f"{args.generated} generated order sets)"
    )
    width = max(len(f"{c.rule} #{c.check}") for c in checks)
    for c in checks:
        note = ""
        if c.fails == 0:
            note = "  <- never fails: vacuous? add a fail example or fix the condition"
        elif c.examples == 0:
            note = "  <- no fail example: add one"
        counts = f"{c.examples} / {c.orders} / {c.generated}"
        print(f"  {f'{c.rule} #{c.check}':<{width}}  {counts:<16}  {c.when}{note}")
    untested = sum(c.examples == 0 for c in checks)
    vacuous = sum(c.fails == 0 for c in checks)
    if untested:
        print(
            f"warning: {untested} check(s) without a failing example, "
            f"{vacuous} of them failed by no order at all",
            file=sys.stderr,
        )
    if args.strict and pack.warnings:
        print(
            f"warning: --strict: {len(pack.warnings)} warning(s) about the pack, above",
            file=sys.stderr,
        )
    return 1 if wrong or (args.strict and (untested or pack.warnings)) else 0


def _schema(args: argparse.Namespace, config: Config) -> int:
    import json

    from pydantic import BaseModel

    from checker import models
    from checker.schemas import with_declarations

    kind = args.kind
    pack = _load_pack(args, config)
    if pack is None:
        return 2

    choices: dict[str, tuple[type[BaseModel], str]] = {
        "order": (models.Order, "chipcheck order file"),
        "rules": (models.Rule, "chipcheck rule file (<rule-id>.yaml in a rule pack)"),
        "pack": (models.PackMeta, "chipcheck rule pack pack.yaml"),
    }
    model, title = choices[kind]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **with_declarations(model.model_json_schema(), kind, pack.meta),
        "title": title,
    }
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def _kind(python_type: type) -> str:
    from checker.packs.expressions import Date

    kinds = {int: "integer", float: "decimal", bool: "boolean", str: "text", Date: "date"}
    return kinds[python_type]


def _yaml_value(value: object) -> str:
    """A declaration's value as it is written in YAML (flow style)."""
    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml_value, value)) + "]"
    if value == "":
        return "''"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _vocabulary(pack: RulePack) -> list[str]:
    """Every fact of the pack: built in, declared (with its declaration), by ledgers."""
    from checker.packs.vocabulary import BUILTIN, ledger_names

    facts = pack.vocabulary.facts
    out = [f"facts of {pack.name} {pack.version} (rules read these by name):", "", "built in:"]
    out += [f"  {n} ({_kind(facts[n].type)}): {facts[n].doc}" for n in BUILTIN]
    if pack.meta.facts:
        out += ["", "declared in pack.yaml (facts:):"]
    for name, decl in pack.meta.facts.items():
        how = ", ".join(
            f"{key}: {_yaml_value(value)}"
            for key, value in (
                (k, getattr(decl, k)) for k in type(decl).__slots__ if k != "description"
            )
            if value is not None and not (key == "over" and value == "lines")
        )
        out.append(f"  {name} ({_kind(facts[name].type)}): {facts[name].doc}")
        out.append(f"      {how}")
    for ledger in pack.vocabulary.ledgers:
        ledger_decl = pack.meta.ledgers[ledger.name]
        out += ["", f"ledger {ledger.name} (ledgers:): {ledger_decl.description.strip()}"]
        counts = f", counting orders where {ledger_decl.counts}" if ledger_decl.counts else ""
        period = f", per calendar {ledger_decl.period}" if ledger_decl.period else ""
        key, order = ", ".join(ledger_decl.key), ", ".join(ledger_decl.order)
        out.append(f"  {ledger_decl.amount} by {key}, in ({order}) order{counts}{period}")
        out += [f"  {n} (integer): {facts[n].doc}" for n in ledger_names(ledger)]
    return out


def _explain(args: argparse.Namespace, config: Config) -> int:
    pack = _load_pack(args, config)
    if pack is None:
        return 2
    if args.rule_id is None:
        print("\n".join(_vocabulary(pack)))
        return 0
    pack_rule = pack.rule(args.rule_id)
    if pack_rule is None:
        known = ", ".join(r.rule.id for r in pack.rules)
        raise UsageError(f"no rule {args.rule_id!r} in {pack.name} (rules: {known})")
    rule = pack_rule.rule
    out = [
        f"{rule.id}: {rule.title}",
        f"status: {rule.status}"
        + ("  (fails give warn unless --enforce-proposed)" if rule.status == "proposed" else ""),
        f"source: {rule.source}",
        f"file:   {pack_rule.file}",
        "",
        rule.description.strip(),
        "",
    ]
    if rule.parameters:
        out.append("parameters:")
        for name, param in rule.parameters.items():
            flag = "  (illustrative)" if param.illustrative else ""
            out.append(f"  {name} = {param.value!r}{flag}")
            if param.by and param.values:
                per = ", ".join(f"{k}: {v!r}" for k, v in param.values.items())
                out.append(f"      by {param.by}: {per} (any other: {param.value!r})")
            if param.note:
                out.append(f"      {param.note.strip()}")
        out.append("")
    if rule.effective_from or rule.effective_until:
        start, end = rule.effective_from or "any date", rule.effective_until or "any date"
        out += [f"in effect for orders dated: {start} to {end} (skip outside)", ""]
    if rule.skip_when:
        out += [f"skip when: {rule.skip_when}", ""]
    out.append("fails when any of:")
    for number, check in enumerate(rule.checks, 1):
        name = f"{number} ({check.id})" if check.id else str(number)
        fix = f"  [fix: {check.fix}]" if check.fix else ""
        out.append(f"  {name}. {check.when}{fix}\n      {check.message}")
    out += ["", "reads facts:"]
    facts = pack.vocabulary.facts
    out += [f"  {n} ({_kind(facts[n].type)}): {facts[n].doc}" for n in pack_rule.facts]
    out.append("")
    out.append("examples:")
    out += [
        f"  {e.expect:<4}  {e.name}" + (f"  (check {e.check})" if e.check is not None else "")
        for e in rule.examples
    ]
    print("\n".join(out))
    return 0
