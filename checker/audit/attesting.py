"""Verdict attestations: which pack and waivers judged which order files, as of a day.

The record is an in-toto Statement v1 (the layout of SLSA and Sigstore attestations):
the subjects are the order files with their sha256, the predicate the run's inputs and
every order's verdict with each rule's status. It is written as sorted-key, ASCII-only
JSON, so the same inputs and as-of date give the same bytes, whatever the file names
hold. `differences` compares a recorded statement with a fresh one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from hashlib import sha256
from pathlib import Path
from typing import Any

from checker import __version__
from checker.core.escaping import unicode_safe_data
from checker.core.results import OrderResult, PackInfo, Tally
from checker.judge.checking import Checker
from checker.report.json_format import summary_json
from checker.source.documents import discover

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://chipcheck.dev/attestation/verdicts/v1"


def digests(files: Iterable[Path]) -> dict[str, str]:
    """Each readable file's sha256, by its name as reports give it."""
    found = {}
    for path in files:
        try:
            found[path.as_posix()] = sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # unreadable: its order is in error, and the record says so
    return found


def statement(
    files: Mapping[str, str],
    pack: PackInfo,
    orders: Sequence[OrderResult],
    tally: Tally,
    *,
    paths: Sequence[Path],
    as_of: str,
    enforce_proposed: bool,
    pack_source: str,
) -> dict[str, Any]:
    waivers = pack.waivers
    applied = set(tally.used)
    summary = {**summary_json(tally, pack), "waived": tally.waived}  # waived even if none
    predicate = {
        "chipcheck": {"version": __version__},
        "as_of": as_of,
        "paths": [p.as_posix() for p in paths],
        "enforce_proposed": enforce_proposed,
        "rulepack": {**pack.identity(), "source": pack_source},
        "waivers": None
        if waivers is None
        else {
            "file": waivers.file,
            "sha256": waivers.sha256,
            "applied": [dict(t) for t in waivers.waivers if t["id"] in applied],
        },
        "orders": [_order(o) for o in orders],
        "summary": summary,
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": digest}} for name, digest in sorted(files.items())
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def _order(order: OrderResult) -> dict[str, Any]:
    results = []
    for r in order.results:
        result = {"rule": r.rule, "status": r.status}
        if r.waiver is not None and r.waiver.applied:
            result["waiver"] = r.waiver.id
        results.append(result)
    return {
        "file": order.file,
        "order_id": order.order_id,
        "verdict": order.verdict,
        "results": results,
        "errors": [str(p) for p in order.errors],
    }


def dumps(record: Mapping[str, Any]) -> bytes:
    """Canonical bytes: sorted keys, two-space indent, ASCII (a lone surrogate in a file
    name is escaped like any other character), one final newline."""
    data = unicode_safe_data(record)
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode()


# Lists of records matched by a key, so an entry added, removed or written twice is
# named as such rather than shifting every entry after it.
_KEYED = {"subject": "name", "orders": "file", "results": "rule", "applied": "id"}


def differences(recorded: Any, fresh: Mapping[str, Any]) -> list[str]:
    """Every way `fresh` differs from `recorded`, field by field, one sentence each:
    the files first (changed, missing, added), then every other field of the record."""
    found = _files(recorded.get("subject"), fresh["subject"])
    _diff("", {k: v for k, v in recorded.items() if k != "subject"},
          {k: v for k, v in fresh.items() if k != "subject"}, found)  # fmt: skip
    return found


def _files(recorded: Any, fresh: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    new = {s["name"]: s["digest"]["sha256"] for s in fresh}
    old: dict[str, str] = {}
    for entry in recorded if isinstance(recorded, list) else []:
        name, digest = _subject(entry)
        if name is None or digest is None:
            found.append(f"subject: an entry that is not a file with its sha256: {_shown(entry)}")
        elif name in old:
            found.append(f"{name}: recorded twice as a subject")
        else:
            old[name] = digest
    if not isinstance(recorded, list):
        found.append(f"subject: recorded {_shown(recorded)}, not a list of files")
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            found.append(f"{name}: missing (recorded with sha256 {old[name][:12]}...)")
        elif name not in old:
            found.append(f"{name}: added since the record")
        elif old[name] != new[name]:
            found.append(f"{name}: changed (sha256 {old[name][:12]}... now {new[name][:12]}...)")
    return found


def _subject(entry: Any) -> tuple[str | None, str | None]:
    if not isinstance(entry, dict) or set(entry) != {"name", "digest"}:
        return None, None
    digest = entry["digest"]
    if not isinstance(digest, dict) or set(digest) != {"sha256"}:
        return None, None
    name, value = entry["name"], digest["sha256"]
    return (name, value) if isinstance(name, str) and isinstance(value, str) else (None, None)


def _diff(path: str, was: Any, now: Any, found: list[str]) -> None:
    if isinstance(was, dict) and isinstance(now, dict):
        names = sorted(was.keys() | now.keys(), key=str)
        _entries(lambda k: f"{path}.{k}" if path else str(k), was, now, names, found)
    elif isinstance(was, list) and isinstance(now, list):
        key = _KEYED.get(path.rsplit(".", 1)[-1])
        if key is not None and _keyed(now, key) and _keyed(was, key):
            _diff_keyed(path, key, was, now, found)
        else:
            indexes = range(max(len(was), len(now)))
            _entries(lambda i: f"{path}[{i}]", dict(enumerate(was)), dict(enumerate(now)),
                     indexes, found)  # fmt: skip
    elif type(was) is not type(now) or was != now:
        found.append(f"{path}: recorded {_shown(was)}, now {_shown(now)}")


def _entries(
    where: Callable[[Any], str], was: Mapping[Any, Any], now: Mapping[Any, Any],
    names: Iterable[Any], found: list[str],
) -> None:  # fmt: skip
    """Each named entry: recorded only, fresh only, or compared."""
    for name in names:
        if name not in now:
            found.append(f"{where(name)}: recorded {_shown(was[name])}, not in a fresh record")
        elif name not in was:
            found.append(f"{where(name)}: not recorded, now {_shown(now[name])}")
        else:
            _diff(where(name), was[name], now[name], found)


def _keyed(items: list[Any], key: str) -> bool:
    return all(isinstance(i, dict) and isinstance(i.get(key), str) for i in items)


def _diff_keyed(
    path: str, key: str, was: list[dict[str, Any]], now: list[dict[str, Any]], found: list[str]
) -> None:
    before: dict[str, dict[str, Any]] = {}
    for item in was:
        if item[key] in before:
            found.append(f"{path}[{item[key]}]: recorded twice")
        before.setdefault(item[key], item)
    after = {item[key]: item for item in now}
    names = [*after, *(n for n in before if n not in after)]
    _entries(lambda n: f"{path}[{n}]", before, after, names, found)
    order = [i[key] for i in was]
    if len(set(order)) == len(order) and set(order) == set(after) and order != list(after):
        found.append(f"{path}: recorded in another order")


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=True)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def record(
    checker: Checker, paths: Sequence[Path], skip: frozenset[Path], as_of: str, pack_source: str
) -> dict[str, Any]:
    """Check the order files under `paths` and make their statement, as its bytes
    read back (so it compares with a recorded one). Every file is hashed before and
    after it is judged: one that changed in between is reported, not recorded."""
    files, _ = discover(paths)
    files = [f for f in files if f.resolve() not in skip]
    before = digests(files)
    if not before:
        raise NothingToAttest(
            f"no order file to attest under {', '.join(p.as_posix() for p in paths)}: a "
            "record names at least one; check the path"
        )
    report = checker.check_paths(paths, skip=skip)
    if digests(files) != before:
        raise ChangedWhileReading(
            "an order file changed while it was being attested: attest again once the "
            "files are settled"
        )
    made = statement(
        before,
        report.pack,
        report.orders,
        report.tally(),
        paths=paths,
        as_of=as_of,
        enforce_proposed=checker.enforce_proposed,
        pack_source=pack_source,
    )
    loaded: dict[str, Any] = json.loads(dumps(made))
    return loaded


class ChangedWhileReading(Exception):
    """An order file changed between hashing and judging."""


class NothingToAttest(Exception):
    """No readable order file: a record with no subject attests nothing."""
