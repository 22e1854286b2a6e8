"""What the commands share: the configuration, loading the pack, reporting problems,
and writing outputs."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from checker.core.escaping import for_terminal
from checker.core.problems import Problem

if TYPE_CHECKING:
    from checker.judge.checking import Checker
    from checker.judge.waiving import WaiverSet
    from checker.pack.rulepack import RulePack

CONFIG_KEYS = {"orders", "rules", "waivers"}


class Config(NamedTuple):
    orders: Path | None = None
    rules: Path | None = None
    waivers: Path | None = None


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


def load_pack(args: argparse.Namespace, config: Config) -> RulePack | None:
    from checker.pack.rulepack import DEFAULT_PACK

    return load_pack_from(args.rules or config.rules or DEFAULT_PACK)


def pack_source(args: argparse.Namespace, config: Config) -> str:
    """The pack as the run named it (a directory, or a bundled pack's name), for a
    verdict record: verify loads the pack it names."""
    from checker.pack.rulepack import DEFAULT_PACK

    named: Path | None = args.rules or config.rules
    return named.as_posix() if named is not None else DEFAULT_PACK.name


def load_pack_from(directory: Path, *, cached: bool = True) -> RulePack | None:
    from checker.pack.rulepack import load_pack, resolve

    pack = load_pack(resolve(directory), cached=cached)
    if isinstance(pack, list):
        print_problems(pack, f"rule pack {directory.as_posix()} is invalid; nothing was checked")
        return None
    for warning in pack.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return pack


def waivers_path(args: argparse.Namespace, config: Config) -> Path | None:
    """The waivers file named by --waivers, else by [tool.chipcheck] waivers: it is
    never read as an order, even with --no-waivers."""
    named: Path | None = getattr(args, "waivers", None) or config.waivers
    return named


def as_of(args: argparse.Namespace) -> dt.date:
    """The run's date for waivers: --as-of, else today."""
    given: dt.date | None = getattr(args, "as_of", None)
    return given or dt.date.today()


def load_judged(
    args: argparse.Namespace, config: Config
) -> tuple[RulePack, WaiverSet | None] | None:
    """The pack and the waivers a run judges by (none unless a file is named and
    --no-waivers is not given); None, the problems printed, if either is invalid: the
    command exits 2 with nothing checked."""
    pack = load_pack(args, config)
    if pack is None:
        return None
    path = waivers_path(args, config)
    if path is None or getattr(args, "no_waivers", False):
        return pack, None
    from checker.judge.waiving import load_waivers

    loaded = load_waivers(path, pack, as_of(args))
    if isinstance(loaded, list):
        print_problems(loaded, f"waivers file {path.as_posix()} is invalid; nothing was checked")
        return None
    return pack, loaded


class Judging(NamedTuple):
    """What a command that judges orders opens with: the order paths, the files
    discovery passes over, and the checker of the pack (and waivers) it judges by."""

    paths: list[Path]
    skip: frozenset[Path]
    checker: Checker


def judging(
    args: argparse.Namespace, config: Config, *, waivers: bool = True, required: bool = True
) -> Judging | None:
    """The shared preamble of check, attest, ledger and waivers; None, the problems
    printed, when the pack or the waivers file is invalid (exit 2, nothing checked).
    `waivers`: whether the run applies them; `required`: whether no PATH is an error."""
    paths, skip = order_inputs(args, config, required=required)
    if waivers:
        judged = load_judged(args, config)
        if judged is None:
            return None
        pack, waiver_set = judged
    else:
        loaded = load_pack(args, config)
        if loaded is None:
            return None
        pack, waiver_set = loaded, None
    from checker.judge.checking import Checker

    checker = Checker(pack, enforce_proposed=args.enforce_proposed, waivers=waiver_set)
    return Judging(paths, skip, checker)


def order_inputs(
    args: argparse.Namespace,
    config: Config,
    given: Sequence[Path] | None = None,
    *,
    required: bool = False,
) -> tuple[list[Path], frozenset[Path]]:
    """The order paths (`given`, else the PATH arguments, else [tool.chipcheck] orders)
    and the files discovery passes over: the waivers file, wherever it lies, even with
    --no-waivers. Naming the waivers file as a PATH is an error, so no file given is
    passed over in silence; `required`: no path at all is an error too."""
    if given is None:
        given = args.paths or ([config.orders] if config.orders else [])
    paths = list(given)
    if required and not paths:
        raise UsageError("no PATH given and no [tool.chipcheck] orders in ./pyproject.toml")
    waivers = waivers_path(args, config)
    skip = frozenset((waivers.resolve(),)) if waivers is not None else frozenset()
    if named := [p for p in paths if p.resolve() in skip]:
        raise UsageError(f"{named[0].as_posix()} is the waivers file, not an order: leave it out")
    return paths, skip


def print_problems(problems: Sequence[Problem], headline: str) -> None:
    for problem in sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0)):
        print(for_terminal(str(problem)), file=sys.stderr)
    print(f"chipcheck: {headline}", file=sys.stderr)


class Output:
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


def write(text: str, path: Path | None, fmt: str) -> None:
    output = Output(path, fmt)
    try:
        output.writelines((text,))
    finally:
        output.close()


def refuse_inputs(
    outputs: Iterable[Path],
    inputs: Iterable[Path],
    pack: RulePack,
    also: frozenset[Path] = frozenset(),
) -> None:
    """No report is written over an order file or a rule-pack file of the run (SPEC 3).

    Only an existing file can be an input, and only one with an order file's suffix can
    be an order, so the order files are listed only when such an output exists.
    """
    from checker.source.documents import discover, is_order_file

    existing = {path.resolve(): path for path in outputs if path.exists()}
    if not existing:
        return
    taken = {path.resolve() for path in pack.files} | also
    if any(is_order_file(path.name) for path in existing):
        taken.update(path.resolve() for path in discover(inputs)[0])
    for resolved, path in existing.items():
        if resolved in taken:
            raise UsageError(
                f"--output {path.as_posix()} is an input of this run (an order, rule or "
                "waivers file): "
                "write the report elsewhere; nothing was written"
            )
