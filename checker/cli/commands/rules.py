"""`chipcheck rules`: list a pack's rules, or test them on their examples (`rules test`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from checker.cli.common import Config, UsageError, load_pack, order_inputs, print_problems
from checker.core.escaping import for_terminal, unicode_safe_data
from checker.core.suggestions import did_you_mean

if TYPE_CHECKING:
    from checker.pack.rulepack import RulePack


def run(args: argparse.Namespace, config: Config) -> int:
    pack = load_pack(args, config)
    if pack is None:
        return 2
    if args.action == "test":
        return _rules_test(pack, args, config)
    if args.action == "lint":
        return _rules_lint(pack, args)
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

    if args.generated is not None:  # old scripts and hooks: the flag no longer means anything
        print(
            "chipcheck: warning: --generated is no longer used: rules test shows, for each "
            "check, an order the solver built that fails it; drop the flag",
            file=sys.stderr,
        )
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
    checks = selftest.coverage(report, prove=not args.no_proof)
    print(
        "\ncoverage: orders that fail each check "
        f"(examples / {len(report.orders) if report else 0} orders / "
        + (
            "the solver: not run, --no-proof)"
            if args.no_proof
            else "an order the solver built: 'rules lint --witnesses' prints them)"
        )
    )
    width = max(len(f"{c.rule} #{c.check}") for c in checks)
    for c in checks:
        note = ""
        if c.proof == "never":
            note = "  <- can never fail (proved): fix the condition"
        elif c.examples == 0:
            note = "  <- no fail example: add one"
        counts = f"{c.examples} / {c.orders} / {c.proof}"
        print(for_terminal(f"  {f'{c.rule} #{c.check}':<{width}}  {counts:<16}  {c.when}{note}"))
    untested = sum(c.examples == 0 for c in checks)
    vacuous = sum(c.proof == "never" for c in checks)
    if untested:
        never = "" if args.no_proof else f", {vacuous} of them can never fail"
        print(f"warning: {untested} check(s) without a failing example{never}", file=sys.stderr)
    if args.strict and pack.warnings:
        print(
            f"warning: --strict: {len(pack.warnings)} warning(s) about the pack, above",
            file=sys.stderr,
        )
    return 1 if wrong or (args.strict and (untested or pack.warnings)) else 0


def _rules_lint(pack: RulePack, args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from checker.authoring.diffreport import earlier_totals
    from checker.authoring.strategies import to_yaml
    from checker.judge.checking import Checker
    from checker.proof.lint import lint

    known = {r.rule.id for r in pack.rules}
    for rule in args.rule or ():
        if rule not in known:
            raise UsageError(
                f"--rule {rule}: the pack has no rule of that id{did_you_mean(rule, known)}"
            )
    found = lint(Checker(pack, enforce_proposed=True), args.lines, args.rule or ())
    if args.format == "json":
        data = {
            "schema": "chipcheck/lint/v1",
            "pack": pack.name,
            "version": pack.version,
            "sha256": pack.sha256,
            "lines": found.lines,
            "findings": [dataclasses.asdict(f) for f in found.findings],
            "witnesses": [
                {"rule": w.rule, "check": w.check, "order": w.order, "earlier": dict(w.earlier),
                 "yaml": to_yaml(w.order)}
                for w in found.witnesses
            ],
            "missing": [{"rule": r, "check": c, "why": why} for r, c, why in found.missing],
        }  # fmt: skip
        print(json.dumps(unicode_safe_data(data), indent=2, ensure_ascii=False, default=str))
        return 1 if found.findings or found.missing else 0
    print(
        for_terminal(f"{pack.name} {pack.version}: proved over orders of 1 to {found.lines} lines")
    )
    for f in found.findings:
        where = f"{f.rule} #{f.check}" if f.check else f.rule
        print(for_terminal(f"  {where}: {f.kind}: {f.message}"))
    for rule, check, why in found.missing:
        print(for_terminal(f"  {rule} #{check}: no witness: {why}"))
    checks = sum(len(r.checks) for r in pack.rules if not args.rule or r.rule.id in args.rule)
    print(f"{len(found.witnesses)} of {checks} checks failed by an order the solver built")
    if args.witnesses:
        for w in found.witnesses:
            print()
            print(for_terminal(f"{w.rule} #{w.check}:"))
            if w.earlier:
                print(for_terminal(f"  {earlier_totals(w.earlier)}"))
            print("\n".join(f"  {for_terminal(line)}" for line in to_yaml(w.order).splitlines()))
    print("nothing found" if not found.findings and not found.missing else "some findings")
    return 1 if found.findings or found.missing else 0
