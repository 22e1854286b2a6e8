"""`chipcheck explain`: a rule's documentation, or every fact of the pack."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from checker.cli.common import Config, UsageError, load_pack

if TYPE_CHECKING:
    from checker.pack.rulepack import RulePack


def _kind(python_type: type) -> str:
    from checker.core.types import VALUE_TYPES

    return VALUE_TYPES[python_type].declared


def _yaml_value(value: object) -> str:
    """A declaration's value as it is written in YAML (flow style)."""
    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml_value, value)) + "]"
    if value == "":
        return "''"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _vocabulary(pack: RulePack) -> list[str]:
    """Every fact of the pack: built in, declared (with its declaration), by ledgers."""
    from checker.pack.vocabulary import BUILTIN, ledger_names

    facts = pack.vocabulary.facts
    out = [f"facts of {pack.name} {pack.version} (rules read these by name):", "", "built in:"]
    out += [f"  {n} ({_kind(facts[n].type)}): {facts[n].doc}" for n in BUILTIN]
    if pack.meta.facts:
        out += ["", "declared in pack.yaml (facts:):"]
    for name, decl in pack.meta.facts.items():
        how = ", ".join(
            f"{key}: {_yaml_value(value)}"
            for key, value in (
                (k, getattr(decl, k)) for k in type(decl).__slots__ if k != "description"
            )
            if value is not None and not (key == "over" and value == "lines")
        )
        out.append(f"  {name} ({_kind(facts[name].type)}): {facts[name].doc}")
        out.append(f"      {how}")
    for ledger in pack.vocabulary.ledgers:
        ledger_decl = pack.meta.ledgers[ledger.name]
        out += ["", f"ledger {ledger.name} (ledgers:): {ledger_decl.description.strip()}"]
        counts = f", counting orders where {ledger_decl.counts}" if ledger_decl.counts else ""
        period = f", per calendar {ledger_decl.period}" if ledger_decl.period else ""
        key, order = ", ".join(ledger_decl.key), ", ".join(ledger_decl.order)
        out.append(f"  {ledger_decl.amount} by {key}, in ({order}) order{counts}{period}")
        out += [f"  {n} (integer): {facts[n].doc}" for n in ledger_names(ledger)]
    return out


def run(args: argparse.Namespace, config: Config) -> int:
    pack = load_pack(args, config)
    if pack is None:
        return 2
    if args.rule_id is None:
        print("\n".join(_vocabulary(pack)))
        return 0
    pack_rule = pack.rule(args.rule_id)
    if pack_rule is None:
        known = ", ".join(r.rule.id for r in pack.rules)
        raise UsageError(f"no rule {args.rule_id!r} in {pack.name} (rules: {known})")
    rule = pack_rule.rule
    out = [
        f"{rule.id}: {rule.title}",
        f"status: {rule.status}"
        + ("  (fails give warn unless --enforce-proposed)" if rule.status == "proposed" else ""),
        f"source: {rule.source}",
        f"file:   {pack_rule.file}",
        "",
        rule.description.strip(),
        "",
    ]
    if rule.parameters:
        out.append("parameters:")
        for name, param in rule.parameters.items():
            flag = "  (illustrative)" if param.illustrative else ""
            out.append(f"  {name} = {param.value!r}{flag}")
            if param.by and param.values:
                per = ", ".join(f"{k}: {v!r}" for k, v in param.values.items())
                out.append(f"      by {param.by}: {per} (any other: {param.value!r})")
            if param.note:
                out.append(f"      {param.note.strip()}")
        out.append("")
    if rule.effective_from or rule.effective_until:
        start, end = rule.effective_from or "any date", rule.effective_until or "any date"
        out += [f"in effect for orders dated: {start} to {end} (skip outside)", ""]
    if rule.skip_when:
        out += [f"skip when: {rule.skip_when}", ""]
    out.append("fails when any of:")
    for number, check in enumerate(rule.checks, 1):
        name = f"{number} ({check.id})" if check.id else str(number)
        fix = f"  [fix: {check.fix}]" if check.fix else ""
        out.append(f"  {name}. {check.when}{fix}\n      {check.message}")
    out += ["", "reads facts:"]
    facts = pack.vocabulary.facts
    out += [f"  {n} ({_kind(facts[n].type)}): {facts[n].doc}" for n in pack_rule.facts]
    out.append("")
    out.append("examples:")
    out += [
        f"  {e.expect:<4}  {e.name}" + (f"  (check {e.check})" if e.check is not None else "")
        for e in rule.examples
    ]
    print("\n".join(out))
    return 0
