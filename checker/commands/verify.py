"""`chipcheck verify`: re-hash and re-check what a verdict record names, as of its
date, and report every difference."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from checker.attesting import PREDICATE_TYPE, STATEMENT_TYPE
from checker.commands.common import (
    Config,
    UsageError,
    load_judged,
    order_inputs,
)
from checker.escaping import for_terminal


def run(args: argparse.Namespace, config: Config) -> int:
    """0 when everything reproduces; 1 with every difference listed; 2 when the record
    or an input cannot be read."""
    recorded = _read(args.record)
    predicate = recorded["predicate"]
    signer, unsigned = _signature(args) if args.allowed_signers is not None else (None, None)
    paths, skip = order_inputs(args, config, args.paths or [Path(p) for p in predicate["paths"]])
    args.as_of = dt.date.fromisoformat(predicate["as_of"])
    args.no_waivers = False
    if args.waivers is None and config.waivers is None and predicate["waivers"] is not None:
        args.waivers = Path(predicate["waivers"]["file"])
    judged = load_judged(args, config)
    if judged is None:
        return 2
    pack, waivers = judged
    from checker.attesting import ChangedWhileReading, differences, record
    from checker.checking import Checker

    checker = Checker(pack, enforce_proposed=predicate["enforce_proposed"], waivers=waivers)
    try:
        fresh = record(checker, paths, skip, predicate["as_of"])
    except ChangedWhileReading as exc:
        raise UsageError(str(exc)) from None
    found = ([f"signature: {unsigned}"] if unsigned else []) + differences(recorded, fresh)
    for line in found:
        print(f"differs: {for_terminal(line)}")
    name = args.record.as_posix()
    if signer is not None:
        print(f"signature: good, signed by {for_terminal(signer)}")
    if found:
        print(f"{name}: {len(found)} difference(s) as of {predicate['as_of']}")
        return 1
    print(
        f"{name}: reproduces as of {predicate['as_of']}: {len(fresh['subject'])} order files, "
        "the same pack, waivers, chipcheck version and verdicts"
    )
    return 0


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {path.as_posix()}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{path.as_posix()}: not a JSON record: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("_type") != STATEMENT_TYPE
        or data.get("predicateType") != PREDICATE_TYPE
        or not isinstance(data.get("predicate"), dict)
        or not isinstance(data.get("subject"), list)
        or not _well_formed(data)
    ):
        raise UsageError(
            f"{path.as_posix()}: not a chipcheck verdict record (an in-toto Statement with "
            f"predicateType {PREDICATE_TYPE}): write one with chipcheck attest"
        )
    return data


def _signature(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(the signer, None), or (None, why the signature does not hold)."""
    from checker.signing import SigningError, signature_path, verify

    try:
        signed = args.record.read_bytes()
        return verify(signed, signature_path(args.record), args.allowed_signers), None
    except SigningError as exc:
        return None, str(exc)
    except OSError as exc:
        raise UsageError(f"cannot read {args.record.as_posix()}: {exc.strerror or exc}") from None


def _well_formed(data: dict[str, Any]) -> bool:
    """The fields verify reads have the types attest writes."""
    p = data["predicate"]
    try:
        dt.date.fromisoformat(p["as_of"])
        waivers = p["waivers"]
        return (
            all(isinstance(x, str) for x in p["paths"])
            and isinstance(p["enforce_proposed"], bool)
            and (waivers is None or isinstance(waivers["file"], str))
            and all(isinstance(s["name"], str) for s in data["subject"])
            and all(isinstance(s["digest"]["sha256"], str) for s in data["subject"])
            and all(isinstance(o["file"], str) for o in p["orders"])
            and isinstance(p["rulepack"], dict)
            and isinstance(p["chipcheck"], dict)
        )
    except (KeyError, TypeError, ValueError):
        return False
