"""The plain-text report, and the words of a summary and a waiver note that the
terminal and GitHub formats share."""

from __future__ import annotations

from collections.abc import Iterable

from checker.core.escaping import (
    for_terminal,
)
from checker.core.results import (
    OrderResult,
    PackInfo,
    Tally,
    Waived,
    waiver_terms,
)


def waiver_note(waived: Waived, as_of: str) -> str:
    """The text report's line under a result a waiver matched."""
    t = waived.terms
    terms = waiver_terms(t)
    if waived.applied:
        return f"waiver {t['id']} ({terms}, expires {t['expires']}): {t['reason']}"
    if str(t["expires"]) < as_of:
        return f"waiver {t['id']} expired on {t['expires']} and no longer applies ({terms})"
    return f"waiver {t['id']} is in force only from {t['created']} ({terms})"


def needs_attention(order: OrderResult) -> bool:
    """An order a quiet report shows: failing, in error, or with a warning."""
    return order.verdict != "pass" or any(r.status == "warn" for r in order.results)


class TextWriter:
    """The plain-text report. `quiet` (the pre-commit hook's mode) shows only orders
    that need attention, each with only its failing and warning rules, then the summary:
    in a repository of hundreds of orders the failing one stays in sight."""

    def __init__(self, pack: PackInfo, *, quiet: bool = False) -> None:
        self.pack = pack
        self.quiet = quiet
        self._width = max((len(r.id) for r in pack.rules), default=0)
        self._status = 6 if pack.waivers is not None else 4  # "waived" is six wide
        self._indent = " " * (self._status + self._width + 6)

    def begin(self) -> Iterable[str]:
        return ()

    def order(self, order: OrderResult) -> Iterable[str]:
        """Every value from an order or a file name is escaped (`for_terminal`), so an
        order cannot print a line of its own or send terminal escapes."""
        if self.quiet and not needs_attention(order):
            return ()
        title = for_terminal(f"{order.file}  {order.order_id or ''}".rstrip())
        lines = [f"{title}  {order.verdict.upper()}"]
        lines.extend(f"  error  {for_terminal(str(problem))}" for problem in order.errors)
        for r in order.results:
            if self.quiet and r.status not in ("fail", "warn"):
                continue
            lines.append(
                f"  {r.status:<{self._status}}  {r.rule:<{self._width}}  {for_terminal(r.message)}"
            )
            if r.waiver is not None and self.pack.waivers is not None:
                note = waiver_note(r.waiver, self.pack.waivers.as_of)
                lines.append(self._indent + for_terminal(note))
        return ("\n".join(lines) + "\n\n",)

    def end(self, tally: Tally) -> Iterable[str]:
        lines: list[str] = []
        if tally.rules and not self.quiet:
            width = max(len(rule) for rule in tally.rules)
            statuses = tally.statuses
            lines.append(f"{'rule':<{width}}  " + "  ".join(f"{s:>4}" for s in statuses))
            lines.extend(
                f"{rule:<{width}}  " + "  ".join(f"{n[s]:>{max(4, len(s))}}" for s in statuses)
                for rule, n in tally.rules.items()
            )
            lines.append("")
        lines.append(summary(tally, self.pack))
        return ("\n".join(lines) + "\n",)


def summary(tally: Tally, pack: PackInfo) -> str:
    v = tally.verdicts
    waived = ""
    if pack.waivers is not None:
        waived = f", {tally.waived} result{'s' * (tally.waived != 1)} waived"
    return (
        f"{tally.orders} orders: {v['pass']} pass, {v['fail']} fail, "
        f"{v['error']} error{waived} (rule pack {for_terminal(f'{pack.name} {pack.version}')})"
    )
