"""`chipcheck attest`: write a verdict record (an in-toto Statement) for submission,
or, with --sign-key, the record signed in a DSSE envelope."""

from __future__ import annotations

import argparse

from checker.cli.common import (
    Config,
    UsageError,
    as_of,
    judging,
    pack_source,
    refuse_inputs,
)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit as `check` would on the same orders (0, 1 or 2), once the record is written:
    a record of failing orders is still a record. The record is signed in memory, so a
    failed signing leaves nothing on disk."""
    judged = judging(args, config)
    if judged is None:
        return 2
    paths, skip, checker = judged
    from checker.audit.attesting import ChangedWhileReading, NothingToAttest, dumps, record

    refuse_inputs([args.output], paths, checker.pack, skip)
    try:
        made = record(checker, paths, skip, as_of(args).isoformat(), pack_source(args, config))
    except (ChangedWhileReading, NothingToAttest) as exc:
        raise UsageError(str(exc)) from None
    written = dumps(made)
    if args.sign_key is not None:
        from checker.audit.signing import SigningError, sign

        try:
            written = sign(written, args.sign_key)
        except SigningError as exc:
            raise UsageError(str(exc)) from None
    try:
        args.output.write_bytes(written)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output.as_posix()}: {exc.strerror or exc}") from None
    summary = made["predicate"]["summary"]
    signed = f", signed with {args.sign_key.as_posix()} (DSSE)" if args.sign_key else ""
    print(
        f"wrote {args.output.as_posix()}: {len(made['subject'])} order files, "
        f"{summary['pass']} pass, {summary['fail']} fail, {summary['error']} error, "
        f"as of {made['predicate']['as_of']}{signed}"
    )
    if summary["error"]:
        return 2
    return 1 if summary["fail"] else 0
