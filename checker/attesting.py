"""Verdict attestations: which pack and waivers judged which order files, as of a day.

The record is an in-toto Statement v1 (the layout of SLSA and Sigstore attestations):
the subjects are the order files with their sha256, the predicate the run's inputs and
every order's verdict with each rule's status. It is written as sorted-key, ASCII-only
JSON, so the same inputs and as-of date give the same bytes, whatever the file names
hold. `differences` compares a recorded statement with a fresh one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from hashlib import sha256
from pathlib import Path
from typing import Any

from checker import __version__
from checker.checking import Checker
from checker.escaping import unicode_safe_data
from checker.loading import discover
from checker.reporting import summary_json
from checker.results import OrderResult, PackInfo, Tally

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
) -> dict[str, Any]:
    waivers = pack.waivers
    applied = set(tally.used)
    summary = {**summary_json(tally, pack), "waived": tally.waived}  # waived even if none
    predicate = {
        "chipcheck": {"version": __version__},
        "as_of": as_of,
        "paths": [p.as_posix() for p in paths],
        "enforce_proposed": enforce_proposed,
        "rulepack": pack.identity(),
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


def differences(recorded: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    """Every way `fresh` differs from `recorded`, one sentence each."""
    found = []
    old = {s["name"]: s["digest"]["sha256"] for s in recorded["subject"]}
    new = {s["name"]: s["digest"]["sha256"] for s in fresh["subject"]}
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            found.append(f"{name}: missing (recorded with sha256 {old[name][:12]}...)")
        elif name not in old:
            found.append(f"{name}: added since the record")
        elif old[name] != new[name]:
            found.append(f"{name}: changed (sha256 {old[name][:12]}... now {new[name][:12]}...)")
    was, now = recorded["predicate"], fresh["predicate"]
    if was["rulepack"] != now["rulepack"]:
        found.append(f"rule pack: recorded {_pack(was['rulepack'])}, now {_pack(now['rulepack'])}")
    if _waivers(was) != _waivers(now):
        found.append(f"waivers: recorded {_waivers(was)}, now {_waivers(now)}")
    if was["chipcheck"] != now["chipcheck"]:
        found.append(
            f"chipcheck: recorded version {was['chipcheck']['version']}, "
            f"now {now['chipcheck']['version']}"
        )
    before = {o["file"]: o for o in was["orders"]}
    after = {o["file"]: o for o in now["orders"]}
    for file in sorted(before.keys() & after.keys()):
        found.extend(_verdict_changes(before[file], after[file]))
    for file in sorted(before.keys() ^ after.keys()):
        if file not in old and file not in new:  # an order in error has no subject
            found.append(f"{file}: {'no longer' if file in before else 'now'} judged")
    return found


def _pack(pack: Mapping[str, str]) -> str:
    return f"{pack['name']} {pack['version']} (sha256 {pack['sha256'][:12]}...)"


def _waivers(predicate: Mapping[str, Any]) -> str:
    waivers = predicate["waivers"]
    if waivers is None:
        return "none"
    return f"{waivers['file']} (sha256 {waivers['sha256'][:12]}...)"


def _verdict_changes(was: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    file = was["file"]
    found = []
    if was["verdict"] != now["verdict"]:
        found.append(f"{file}: verdict {was['verdict']}, now {now['verdict']}")
    before = {r["rule"]: r for r in was["results"]}
    after = {r["rule"]: r for r in now["results"]}
    for rule in sorted(before.keys() | after.keys()):
        a, b = before.get(rule), after.get(rule)
        if a != b:
            found.append(f"{file}: rule {rule} {_status(a)}, now {_status(b)}")
    return found


def _status(result: Mapping[str, Any] | None) -> str:
    if result is None:
        return "not run"
    waiver = f" (waiver {result['waiver']})" if "waiver" in result else ""
    return f"{result['status']}{waiver}"


def record(
    checker: Checker, paths: Sequence[Path], skip: frozenset[Path], as_of: str
) -> dict[str, Any]:
    """Check the order files under `paths` and make their statement, as its bytes
    read back (so it compares with a recorded one). Every file is hashed before and
    after it is judged: one that changed in between is reported, not recorded."""
    files, _ = discover(paths)
    files = [f for f in files if f.resolve() not in skip]
    before = digests(files)
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
    )
    loaded: dict[str, Any] = json.loads(dumps(made))
    return loaded


class ChangedWhileReading(Exception):
    """An order file changed between hashing and judging."""
