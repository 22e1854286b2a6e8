"""Reading order and rule files into plain data with the position of every value.

YAML is read as a libyaml event stream (PyYAML's C parser) and built here rather than by
PyYAML's constructor, because the constructor silently keeps the last of two duplicate
keys, expands aliases and applies YAML 1.1 coercions (`yes` -> True, `010` -> 8).
Plain scalars are resolved by the YAML 1.2 core schema instead. JSON data comes from
the `json` module (exact JSON semantics); positions for JSON come from the same YAML
event stream, which JSON is a subset of.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from checker.core import dates, numbers
from checker.core.problems import Problem
from checker.source.syntax import json_message, yaml_message

MAX_BYTES = 1024 * 1024
# Each value's position is keyed by its path, so memory grows with the square of the
# depth: a 1 MiB file of 500,000 nested brackets exhausted memory before this limit.
MAX_DEPTH = 64
ORDER_SUFFIXES = (".yaml", ".yml", ".json")

Loc = tuple[str | int, ...]
Mark = tuple[int, int]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_Loader):  # type: ignore[misc]
    """Composes without PyYAML's tag resolution: `_scalar` resolves every value itself.

    libyaml calls these in Python for every node; PyYAML's resolver tries a dozen
    regular expressions per scalar, about a quarter of the parse time.
    """

    def resolve(self, _kind: Any, _value: Any, _implicit: Any) -> str:
        return ""

    def descend_resolver(self, _parent: Any, _index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
# Text the composer cannot be trusted with: an anchor (`&`, which leaves no trace in
# the node tree) or the non-specific tag `!` (which it resolves like no tag at all).
# Other tags show on the node; an alias without an anchor fails to compose.
_UNCOMPOSABLE = re.compile(r"&|!(?:\s|$)")
_COMPOSE_MAX = 8192  # characters; an order is typically under 1,000


class Document(NamedTuple):
    """A parsed file: its data and where each value (and each mapping key) starts."""

    file: str
    data: Any
    values: dict[Loc, Mark]
    keys: dict[Loc, Mark]
    text: str

    def source_char(self, loc: Loc) -> str:
        """The first source character of the value at `loc` ('' if unknown)."""
        if loc not in self.values:
            return ""
        line, column = self.values[loc]
        lines = self.text.splitlines()
        return lines[line - 1][column - 1 : column] if line <= len(lines) else ""

    def locate(self, loc: Loc, *, key: bool = False) -> Mark | None:
        """Position of `loc`, or of its nearest located ancestor."""
        if key and loc in self.keys:
            return self.keys[loc]
        while True:
            if loc in self.values:
                return self.values[loc]
            if not loc:
                return None
            loc = loc[:-1]

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, column = self.locate(loc, key=key) or (None, None)
        return Problem(self.file, line, column, message)


def is_order_file(name: str) -> bool:
    """An order file's name ends in .yaml, .yml or .json, in any letter case (SPEC 1)."""
    return name.lower().endswith(ORDER_SUFFIXES)


# Version-control metadata: never order files, and .git alone can hold 100,000 objects.
VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn"})


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Order files under `paths`, each file once, and a problem for every path not read.

    Files given are taken whatever their name; directories are searched recursively
    for order files (`is_order_file`), following symbolic links to files and
    directories. A dangling link, a link loop or an entry that cannot be listed or
    examined is a problem naming that path, so no order goes unchecked in silence. A
    file reached by two paths (a link, `./x` and `x`, a hard link) is taken once, by
    the first path in argument order and then path order.
    """
    walk = _Walk()
    for path in paths:
        walk.top(path)
    return walk.found, walk.problems


class _Walk:
    """One discovery: files found so far by identity (device, inode), problems met."""

    def __init__(self) -> None:
        self.found: list[Path] = []
        self.problems: list[Problem] = []
        self._seen: set[tuple[int, int]] = set()

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(path.as_posix(), None, None, message))

    def top(self, path: Path) -> None:
        try:
            info = path.stat()
        except OSError as exc:
            self.problem(path, _not_found(path, exc))
            return
        if stat.S_ISDIR(info.st_mode):
            self.directory(path, (info.st_dev, info.st_ino))
        elif stat.S_ISREG(info.st_mode):
            self.file(path, (info.st_dev, info.st_ino))
        else:
            self.problem(path, "not a regular file or directory: give order files or directories")

    def file(self, path: Path, identity: tuple[int, int]) -> None:
        if identity not in self._seen:
            self._seen.add(identity)
            self.found.append(path)

    def directory(self, top: Path, identity: tuple[int, int]) -> None:
        """Order files under `top` by os.scandir, whose entries know whether they are
        directories, and their inode, without a stat per file. Iterative: a deep tree
        cannot exhaust Python's recursion limit."""
        pending: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(top, (identity,))]
        while pending:
            root, ancestors = pending.pop()
            subdirectories = self._scan(root, ancestors)
            pending.extend(reversed(subdirectories))

    def _scan(
        self, root: Path, ancestors: tuple[tuple[int, int], ...]
    ) -> list[tuple[Path, tuple[tuple[int, int], ...]]]:
        try:
            with os.scandir(root) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            self.problem(
                root, f"cannot list directory: {exc.strerror or exc}; its orders were not checked"
            )
            return []
        device = ancestors[-1][0]
        subdirectories = []
        for entry in entries:
            name = entry.name
            path = root / name
            try:
                if entry.is_symlink():
                    try:
                        info = entry.stat()
                    except FileNotFoundError:
                        target = path.readlink().as_posix()
                        self.problem(path, f"dangling symbolic link to {target}: fix or remove it")
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    if name in VCS_DIRECTORIES:
                        continue
                    info = entry.stat(follow_symlinks=False)
                elif is_order_file(name):
                    if entry.is_file(follow_symlinks=False):
                        self.file(path, (device, entry.inode()))
                    else:
                        self.problem(path, "not a regular file: an order file must be one")
                    continue
                else:
                    continue
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    self.problem(path, "symbolic link loop: fix or remove the link")
                else:
                    self.problem(path, f"cannot examine: {exc.strerror or exc}; not checked")
                continue
            found = (info.st_dev, info.st_ino)
            if stat.S_ISDIR(info.st_mode):
                if found in ancestors:
                    self.problem(
                        path, "symbolic link loop: the link leads back to a directory containing it"
                    )
                else:
                    subdirectories.append((path, (*ancestors, found)))
            elif stat.S_ISREG(info.st_mode) and is_order_file(name):
                self.file(path, found)
        return subdirectories


def _not_found(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: fix or remove the link"
    if path.is_symlink():
        return f"dangling symbolic link to {path.readlink().as_posix()}: fix or remove it"
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory: check the path"
    return f"cannot examine: {exc.strerror or exc}"


def read_document(path: Path) -> Document | list[Problem]:
    """Read one YAML or JSON file strictly; never raises for bad content."""
    file = path.as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(file, None, None, f"cannot read file: {exc.strerror or exc}")]
    return parse_bytes(raw, file, json_syntax=path.suffix.lower() == ".json")


def parse_bytes(raw: bytes, file: str, *, json_syntax: bool = False) -> Document | list[Problem]:
    if len(raw) > MAX_BYTES:
        return [
            Problem(
                file,
                None,
                None,
                f"file is {len(raw):,} bytes, over the 1 MiB limit: split it, one order per file",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return [
            Problem(
                file,
                line,
                column,
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8: save the file as UTF-8",
            )
        ]
    text = text.removeprefix("\ufeff")
    if json_syntax:
        return _parse_json(text, file)
    return _parse_yaml(text, file)


def _parse_json(text: str, file: str) -> Document | list[Problem]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        return [Problem(file, exc.lineno, exc.colno, json_message(exc.msg))]
    except (ValueError, RecursionError) as exc:
        return [Problem(file, None, None, f"invalid JSON: {exc}")]
    unlocated = [
        Problem(file, None, None, f"duplicate key {key!r}: keep only one") for key in duplicates
    ]
    located = _parse_yaml(text, file)
    if isinstance(located, Document):
        return unlocated or Document(file, data, located.values, located.keys, text)
    # libyaml rejects a few valid JSON texts (tabs in odd places): keep json's data and
    # lose only the positions.
    if duplicates:
        return [p for p in located if p.message.startswith("duplicate key")] or unlocated
    return Document(file, data, {}, {}, text)


class _Frame:
    """An open mapping or sequence of the event walk."""

    __slots__ = ("container", "key", "key_lines", "loc")

    def __init__(self, container: dict[str, Any] | list[Any], loc: Loc) -> None:
        self.container = container
        self.loc = loc
        self.key: str | None = None
        self.key_lines: dict[str, int] = {}


class _NotPlain(Exception):
    """The fast path met something only the event walk reports exactly."""


def _parse_yaml(text: str, file: str) -> Document | list[Problem]:
    if len(text) <= _COMPOSE_MAX and not _UNCOMPOSABLE.search(text):
        try:
            return _compose(text, file)
        except (_NotPlain, yaml.YAMLError, RecursionError):
            pass
    return _walk_events(text, file)


def _compose(text: str, file: str) -> Document:
    """The common case, twice as fast: libyaml composes the node tree in C.

    Taken only for text without an anchor or a non-specific tag (`_UNCOMPOSABLE`) and
    of at most 8 KiB: libyaml's composer recurses in C and crashed the process on a
    1 MiB file nested 100,000 deep. Anything else unusual (a tag, an alias, a duplicate
    or non-text key, a second document, a number or date that does not resolve,
    nesting past MAX_DEPTH, a syntax error) raises, and the event walk reports it
    exactly.
    """
    loader = _Composer(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if root is None:
        raise _NotPlain
    values: dict[Loc, Mark] = {}
    keys: dict[Loc, Mark] = {}
    data = _build(root, (), values, keys)
    if data is None:  # a document of one null (`Null`, `~`): the event walk says empty
        raise _NotPlain
    return Document(file, data, values, keys, text)


def _decline(_event: Any, _message: str) -> None:
    raise _NotPlain


def _build(node: Any, loc: Loc, values: dict[Loc, Mark], keys: dict[Loc, Mark]) -> Any:
    """Data from a node tree (a module function: a recursive closure is a reference
    cycle, which would keep every file's positions alive until the cyclic GC ran)."""
    if len(loc) > MAX_DEPTH:
        raise _NotPlain
    if node.tag:  # `_Composer.resolve` gives "": this tag was written in the file
        raise _NotPlain
    mark = node.start_mark
    values[loc] = (mark.line + 1, mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, _decline)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), values, keys) for i, item in enumerate(node.value)]
    mapping: dict[str, Any] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag or key.value in mapping:
            raise _NotPlain
        key_loc = (*loc, key.value)
        keys[key_loc] = (key.start_mark.line + 1, key.start_mark.column + 1)
        mapping[key.value] = _build(value, key_loc, values, keys)
    return mapping


def _walk_events(text: str, file: str) -> Document | list[Problem]:
    problems: list[Problem] = []
    values: dict[Loc, Mark] = {}
    keys: dict[Loc, Mark] = {}
    stack: list[_Frame] = []
    root: list[Any] = []
    documents = 0

    def at(event: Any) -> Mark:
        return event.start_mark.line + 1, event.start_mark.column + 1

    def fail(event: Any, message: str) -> None:
        problems.append(Problem(file, *at(event), message))

    def place(event: Any, value: Any) -> Loc | None:
        """Attach `value` to the open container; None when it was a mapping key."""
        if not stack:
            root.append(value)
            values[()] = at(event)
            return ()
        top = stack[-1]
        if isinstance(top.container, list):
            loc = (*top.loc, len(top.container))
            top.container.append(value)
            values[loc] = at(event)
            return loc
        if top.key is None:
            if not isinstance(value, str):
                fail(event, "mapping keys must be plain strings")
                value = f"<key at line {at(event)[0]}>"
            if value in top.key_lines:
                fail(
                    event,
                    f"duplicate key {value!r} (first at line {top.key_lines[value]}): "
                    "keep only one",
                )
            top.key_lines.setdefault(value, at(event)[0])
            keys[(*top.loc, value)] = at(event)
            top.key = value
            return None
        loc = (*top.loc, top.key)
        top.container[top.key] = value
        values[loc] = at(event)
        top.key = None
        return loc

    try:
        for event in _events(text):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    fail(event, "more than one YAML document (---) in a file: one order per file")
                    break
                continue
            if isinstance(event, yaml.AliasEvent):
                fail(event, f"alias *{event.anchor} is not allowed: write the value out in full")
                place(event, None)
                continue
            if not isinstance(event, yaml.NodeEvent | yaml.CollectionEndEvent):
                continue
            if isinstance(event, yaml.NodeEvent):
                if event.anchor is not None:
                    fail(event, f"anchor &{event.anchor} is not allowed: remove it")
                tag = getattr(event, "tag", None)  # on scalar and collection-start events
                if tag is not None:
                    fail(event, f"tag {tag} is not allowed: remove it")
            if isinstance(event, yaml.ScalarEvent):
                is_key = (
                    bool(stack)
                    and isinstance(stack[-1].container, dict)
                    and (stack[-1].key is None)
                )
                value = event.value if is_key else _scalar(event, fail)
                place(event, value)
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    fail(event, f"nested deeper than {MAX_DEPTH} levels: an order needs 4")
                    break
                container: dict[str, Any] | list[Any] = (
                    {} if isinstance(event, yaml.MappingStartEvent) else []
                )
                loc = place(event, container)
                if loc is None:
                    fail(event, "mapping keys must be plain strings")
                    loc = ("?",)
                stack.append(_Frame(container, loc))
            else:
                stack.pop()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        start = exc.context_mark
        started = (start.line + 1, start.column + 1) if start else None
        problems.append(
            Problem(file, line, column, yaml_message(exc.problem, exc.context, started))
        )
    except yaml.YAMLError as exc:
        problems.append(Problem(file, None, None, f"YAML error: {exc}"))
    if problems:
        return problems
    if not root or root[0] is None:
        return [Problem(file, None, None, "file is empty: write one order as a YAML mapping")]
    return Document(file, root[0], values, keys, text)


def _events(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _scalar(event: Any, fail: Any) -> Any:
    """Resolve a scalar by the YAML 1.2 core schema; quoted and block scalars stay text."""
    text: str = event.value
    if event.style not in (None, ""):
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        try:
            return int(text)
        except ValueError:
            fail(event, "number has too many digits")
            return None
    if _FLOAT.fullmatch(text):
        try:
            return numbers.decimal(text)
        except numbers.InexactNumber as exc:
            fail(event, str(exc))
            return None
    if _SPECIAL_FLOAT.fullmatch(text):
        return float(text.replace(".", "", 1))  # Python spells .inf / .nan without the dot
    if dates.shaped(text):
        day = dates.calendar_date(text)
        if day is None:
            fail(event, f"{text} is not a real calendar date: use YYYY-MM-DD")
            return text
        return day
    return text
