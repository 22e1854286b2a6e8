"""Waivers: reviewed exceptions to a rule, with an owner, an approval and an expiry.

A waivers file is loaded as strictly as a rule pack: unknown keys, wrong types,
duplicate ids, a rule or check the pack does not have, a condition that does not type
check, and a waiver without `expires` are errors at line:column, and nothing is checked.
A waiver changes a failing or warning result into `waived`; it never touches an input
error, and it never decides a check: the engine's verdict stays in the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from hashlib import sha256
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from checker.core.problems import Problem
from checker.core.results import RuleResult, Waived, WaiversInfo
from checker.lang.evaluate import holds
from checker.lang.tree import Condition
from checker.pack.rulepack import RulePack, check_index, located_condition
from checker.schema.records import Waivers
from checker.schema.validation import validate
from checker.source.documents import Document, parse_bytes

EXPIRING_DAYS = 30  # `chipcheck waivers` shows a waiver as expiring this many days ahead
State = Literal["active", "expiring", "expired", "future", "unused"]


class Grant(NamedTuple):
    """One waiver, its references resolved against the pack."""

    id: str
    rule: str
    check: int | None  # 0-based index of the check it covers; None: the whole rule
    orders: frozenset[str] | None  # casefolded
    when: Condition | None
    expires: dt.date
    created: dt.date | None
    line: int | None  # where the waiver starts in its file
    terms: Mapping[str, str | None]  # its terms as written, as reports show them

    def in_force(self, as_of: dt.date) -> bool:
        """From `created` (if given) through the end of the `expires` day."""
        return (self.created is None or self.created <= as_of) and as_of <= self.expires

    def covers(self, order_id: str, facts: Mapping[str, Any]) -> bool:
        if self.orders is not None:  # ids are unique ignoring letter case, as orders' are
            return order_id.casefold() in self.orders
        assert self.when is not None
        return holds(self.when, facts)


class WaiverSet(NamedTuple):
    file: str
    sha256: str
    as_of: dt.date
    grants: tuple[Grant, ...]

    @property
    def info(self) -> WaiversInfo:
        return WaiversInfo(
            self.file, self.sha256, self.as_of.isoformat(), tuple(g.terms for g in self.grants)
        )

    def apply(
        self, results: tuple[RuleResult, ...], facts: Mapping[str, Any]
    ) -> tuple[RuleResult, ...]:
        """`results` with each failing or warning result a waiver covers made `waived`;
        one only an expired (or not yet created) waiver covers keeps its status and
        names that waiver. A waiver of one check covers a result only when no other
        check of the rule failed."""
        order_id = str(facts["order_id"])
        out = []
        for result in results:
            if result.status in ("fail", "warn"):
                result = self._waive(result, order_id, facts)
            out.append(result)
        return tuple(out)

    def _waive(self, result: RuleResult, order_id: str, facts: Mapping[str, Any]) -> RuleResult:
        matching = [
            g
            for g in self.grants
            if g.rule == result.rule
            and (g.check is None or set(result.failed) <= {g.check})
            and g.covers(order_id, facts)
        ]
        if not matching:
            return result
        active = [g for g in matching if g.in_force(self.as_of)]
        if active:
            return result._replace(
                status="waived", waiver=Waived(active[0].id, True, result.status, active[0].terms)
            )
        latest = max(matching, key=lambda g: g.expires)
        return result._replace(waiver=Waived(latest.id, False, result.status, latest.terms))

    def state(self, grant: Grant, used: bool) -> State:
        """A waiver's state as of the run's date: out of force, unused, or in force."""
        if grant.created is not None and self.as_of < grant.created:
            return "future"
        if self.as_of > grant.expires:
            return "expired"
        if not used:
            return "unused"
        if (grant.expires - self.as_of).days < EXPIRING_DAYS:
            return "expiring"
        return "active"


def load_waivers(path: Path, pack: RulePack, as_of: dt.date) -> WaiverSet | list[Problem]:
    """The waivers file validated against `pack`, or every problem with it."""
    file = path.as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(file, None, None, f"cannot read the waivers file: {exc.strerror or exc}")]
    doc = parse_bytes(raw, file, json_syntax=path.suffix.lower() == ".json")
    if isinstance(doc, list):
        return doc
    record = validate(Waivers, doc)
    if isinstance(record, list):
        return record
    problems: list[Problem] = []
    grants = []
    seen: dict[str, int] = {}
    for index, waiver in enumerate(record.waivers):
        at = ("waivers", index)
        if waiver.id in seen:
            problems.append(
                doc.problem(
                    (*at, "id"),
                    f"waiver id {waiver.id!r} is used twice "
                    f"(first by waiver {seen[waiver.id] + 1} of the file): ids must be unique",
                )
            )
        seen.setdefault(waiver.id, index)
        grant = _grant(doc, at, waiver, pack, problems)
        if grant is not None:
            grants.append(grant)
    if problems:
        return problems
    return WaiverSet(file, sha256(raw).hexdigest(), as_of, tuple(grants))


def _grant(
    doc: Document, at: tuple[str | int, ...], waiver: Any, pack: RulePack, problems: list[Problem]
) -> Grant | None:
    pack_rule = pack.rule(waiver.rule)
    if pack_rule is None:
        known = ", ".join(r.rule.id for r in pack.rules)
        problems.append(
            doc.problem(
                (*at, "rule"),
                f"waiver {waiver.id}: rule {waiver.rule!r} is not in rule pack {pack.name} "
                f"(its rules: {known}); input errors cannot be waived",
            )
        )
        return None
    check = None
    if waiver.check is not None:
        check = check_index(pack_rule.rule, waiver.check)
        if check is None:
            names = [c.id or str(i + 1) for i, c in enumerate(pack_rule.rule.checks)]
            problems.append(
                doc.problem(
                    (*at, "check"),
                    f"waiver {waiver.id}: rule {waiver.rule} has no check {waiver.check!r} "
                    f"(its checks: {', '.join(names)})",
                )
            )
            return None
    when = None
    if waiver.when is not None:
        when = located_condition(doc, (*at, "when"), waiver.when, pack, problems)
        if when is None:
            return None
    mark = doc.locate(at)
    terms = {
        "id": waiver.id,
        "rule": waiver.rule,
        "check": None if waiver.check is None else str(waiver.check),
        "reason": waiver.reason,
        "owner": waiver.owner,
        "approved_by": waiver.approved_by,
        "reference": waiver.reference,
        "expires": waiver.expires.isoformat(),
        "created": waiver.created.isoformat() if waiver.created else None,
    }
    return Grant(
        id=waiver.id,
        rule=waiver.rule,
        check=check,
        orders=None if waiver.orders is None else frozenset(o.casefold() for o in waiver.orders),
        when=when,
        expires=waiver.expires,
        created=waiver.created,
        line=mark[0] if mark else None,
        terms=MappingProxyType(terms),
    )
