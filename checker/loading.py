"""Reading order and rule files into plain data with the position of every value.

YAML is read as a libyaml event stream (PyYAML's C parser) and built here rather than by
PyYAML's constructor, because the constructor silently keeps the last of two duplicate
keys, expands aliases and applies YAML 1.1 coercions (`yes` -> True, `010` -> 8).
Plain scalars are resolved by the YAML 1.2 core schema instead. JSON data comes from
the `json` module (exact JSON semantics); positions for JSON come from the same YAML
event stream, which JSON is a subset of.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from checker.problems import Problem

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
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Order files under `paths`: files as given, directories searched recursively.

    Hidden files and directories inside a searched directory are skipped (`.git`), and
    so is the inside of a symlinked directory (as with Path.rglob). A directory that
    cannot be listed is a problem: orders inside it would otherwise go unchecked.
    """
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found.update(dict.fromkeys(_order_files(path, problems)))
        elif path.is_file():
            found.setdefault(path, None)
        else:
            problems.append(
                Problem(str(path), None, None, "no such file or directory: check the path")
            )
    return list(found), problems


def _order_files(root: Path, problems: list[Problem]) -> list[Path]:
    """Order files under `root` in path order, by os.scandir: its entries know whether
    they are directories without a stat per file, unlike Path.rglob plus is_file."""
    found: list[tuple[str, ...]] = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        rel = pending.pop()
        directory = root.joinpath(*rel)
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    if entry.is_dir():
                        if not entry.is_symlink():
                            pending.append((*rel, name))
                    elif name.endswith(ORDER_SUFFIXES) and entry.is_file():
                        found.append((*rel, name))
        except OSError as exc:
            problems.append(
                Problem(
                    directory.as_posix(),
                    None,
                    None,
                    f"cannot list directory: {exc.strerror or exc}; its orders were not checked",
                )
            )
    found.sort()
    return [root.joinpath(*parts) for parts in found]


def read_document(path: Path) -> Document | list[Problem]:
    """Read one YAML or JSON file strictly; never raises for bad content."""
    file = path.as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(file, None, None, f"cannot read file: {exc.strerror or exc}")]
    return parse_bytes(raw, file, json_syntax=path.suffix == ".json")


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
        return [Problem(file, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]
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
    return Document(file, _build(root, (), values, keys), values, keys, text)


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
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.problem and exc.context and exc.context_mark:
            start = exc.context_mark
            message += (
                f" ({exc.context} started at line {start.line + 1}, column {start.column + 1})"
            )
        problems.append(Problem(file, line, column, message))
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
        return float(text)
    if _SPECIAL_FLOAT.fullmatch(text):
        return float(text.replace(".", "", 1))  # Python spells .inf / .nan without the dot
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            fail(event, f"{text} is not a real calendar date: use YYYY-MM-DD")
            return text
    return text
