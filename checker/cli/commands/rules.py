"""`chipcheck rules`: list a pack's rules, or test them on their examples (`rules test`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from checker.cli.common import Config, load_pack, order_inputs, print_problems
from checker.core.escaping import for_terminal

if TYPE_CHECKING:
    from checker.pack.rulepack import RulePack


def run(args: argparse.Namespace, config: Config) -> int:
    pack = load_pack(args, config)
    if pack is None:
        return 2
    if args.action == "test":
        return _rules_test(pack, args, config)
    print(for_terminal(f"{pack.name} {pack.version}  ({pack.directory.as_posix()})"))
    width = max(len(r.rule.id) for r in pack.rules)
    for pack_rule in pack.rules:
        rule = pack_rule.rule
        print(
            for_terminal(
                f"  {rule.id:<{width}}  {rule.status:<8}  {rule.title}  [source: {rule.source}]"
            )
        )
    return 0


def _rules_test(pack: RulePack, args: argparse.Namespace, config: Config) -> int:
    from checker.authoring.selftest import SelfTest

    selftest = SelfTest(pack)
    outcomes = selftest.examples()
    for o in outcomes:
        mark = "ok   " if o.ok else "WRONG"
        line = f"{mark} {o.rule}: {o.example} (expected {o.expected}, got {o.actual})"
        print(
            for_terminal(line)
            if o.ok
            else f"{for_terminal(line)}\n        {for_terminal(o.message)}"
        )
    wrong = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes)} examples: {len(outcomes) - wrong} ok, {wrong} wrong")

    paths, skip = order_inputs(args, config, args.paths)
    report = selftest.checker.check_paths(paths, skip=skip) if paths else None
    if report is not None and report.tally().verdicts["error"]:
        print_problems(
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
        print(for_terminal(f"  {f'{c.rule} #{c.check}':<{width}}  {counts:<16}  {c.when}{note}"))
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
