"""`chipcheck verify`: re-hash and re-check what a verdict record names, as of its
date, with the pack and waivers it names, and report every difference, field by field."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from checker.audit.attesting import PREDICATE_TYPE, STATEMENT_TYPE
from checker.cli.common import (
    Config,
    UsageError,
    load_judged,
    order_inputs,
)
from checker.core import dates
from checker.core.escaping import for_terminal


def run(args: argparse.Namespace, config: Config) -> int:
    """0 when everything reproduces; 1 with every difference listed; 2 when the record
    or an input cannot be read."""
    name = args.record.as_posix()
    data = _json(_bytes(args.record), name)
    signature: list[str] = []
    signer = None
    enveloped = _is_envelope(data)
    if enveloped:
        from checker.audit.signing import SigningError, payload, verify

        try:
            statement = payload(data)
            if args.key is not None:
                signer = verify(data, args.key)
        except SigningError as exc:
            signature.append(f"signature: {exc}")
            statement = _unverified_payload(data, name)
        data = _json(statement, f"{name} (its payload)")
    elif args.key is not None:
        signature.append(f"signature: {name} is not signed (attest --sign-key signs a record)")
    predicate = _inputs(data, name)
    if args.rules is None:
        args.rules = _recorded(predicate["rulepack"].get("source"), "rule pack", "--rules DIR")
    if args.waivers is None and predicate["waivers"] is not None:
        args.waivers = _recorded(predicate["waivers"]["file"], "waivers file", "--waivers FILE")
    paths, skip = order_inputs(args, config, args.paths or [Path(p) for p in predicate["paths"]])
    args.as_of = dates.calendar_date(predicate["as_of"])
    # the record's waivers, or none where it names none ([tool.chipcheck] waivers aside)
    args.no_waivers = args.waivers is None
    judged = load_judged(args, config)
    if judged is None:
        return 2
    pack, waivers = judged
    from checker.audit.attesting import ChangedWhileReading, NothingToAttest, differences, record
    from checker.judge.checking import Checker

    checker = Checker(pack, enforce_proposed=predicate["enforce_proposed"], waivers=waivers)
    try:
        fresh = record(checker, paths, skip, predicate["as_of"], args.rules.as_posix())
    except (ChangedWhileReading, NothingToAttest) as exc:
        raise UsageError(str(exc)) from None
    found = signature + differences(data, fresh)
    for line in found:
        print(f"differs: {for_terminal(line)}")
    if signer is not None:
        print(f"signature: good, by the key {args.key.as_posix()} (keyid {signer[:16]}...)")
    elif enveloped and args.key is None:
        print("signature: not checked: give the signer's public key with --key PUBLIC.pem")
    if found:
        print(f"{for_terminal(name)}: {len(found)} difference(s) as of {predicate['as_of']}")
        return 1
    print(
        f"{for_terminal(name)}: reproduces as of {predicate['as_of']}: {len(fresh['subject'])} "
        "order files, the same pack, waivers, chipcheck version and verdicts"
    )
    return 0


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path.as_posix()}: {exc.strerror or exc}") from None


def _json(raw: bytes, name: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{name}:{exc.lineno}:{exc.colno}: not a JSON record: {exc.msg}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not a JSON record: not UTF-8 text") from None
    except RecursionError:
        raise UsageError(f"{name}: not a verdict record: nested too deep") from None


def _is_envelope(data: Any) -> bool:
    return isinstance(data, dict) and "payloadType" in data and "payload" in data


def _unverified_payload(data: dict[str, Any], name: str) -> bytes:
    """An envelope's payload when its signature does not hold: still compared, so every
    difference is listed besides the signature's."""
    import base64
    import binascii

    try:
        return base64.b64decode(str(data["payload"]), validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(f"{name}: payload: not base64") from None


def _recorded(source: Any, what: str, option: str) -> Path:
    if not isinstance(source, str) or not source:
        raise UsageError(f"the record does not name its {what}: give it with {option}")
    from checker.pack.rulepack import resolve

    path = Path(source)
    if not resolve(path).exists():
        raise UsageError(
            f"the record's {what} {for_terminal(source)} is missing: restore it, or give "
            f"another with {option} (any difference is then listed)"
        )
    return path


_SHAPE = "an in-toto Statement with predicateType " + PREDICATE_TYPE


def _inputs(data: Any, name: str) -> dict[str, Any]:
    """The record's predicate, once the fields verify re-runs with have the types
    attest writes; every other field is compared as it is."""
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE:
        raise UsageError(f"{name}: _type: not a chipcheck verdict record ({_SHAPE})")
    if data.get("predicateType") != PREDICATE_TYPE:
        raise UsageError(f"{name}: predicateType: not a chipcheck verdict record ({_SHAPE})")
    p = data.get("predicate")
    problems = []
    if not isinstance(p, dict):
        raise UsageError(f"{name}: predicate: not an object ({_SHAPE})")
    if dates.calendar_date(str(p.get("as_of"))) is None:
        problems.append("predicate.as_of: not a date YYYY-MM-DD")
    paths = p.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(x, str) and x for x in paths):
        problems.append("predicate.paths: not a list of one or more paths")
    if not isinstance(p.get("enforce_proposed"), bool):
        problems.append("predicate.enforce_proposed: not true or false")
    waivers = p.get("waivers", "absent")
    if not (
        waivers is None or (isinstance(waivers, dict) and isinstance(waivers.get("file"), str))
    ):
        problems.append("predicate.waivers: neither null nor an object with a file")
    if not isinstance(p.get("rulepack"), dict):
        problems.append("predicate.rulepack: not an object")
    if problems:
        raise UsageError(f"{name}: not a verdict record attest writes: " + "; ".join(problems))
    return p
