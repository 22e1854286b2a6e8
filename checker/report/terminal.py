"""The text report on a terminal: colour (unless NO_COLOR), a summary table, progress.

Only used when stdout (or, for progress, stderr) is a terminal; rich is imported here
and nowhere else, so piped and machine-readable runs never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from checker.core.escaping import for_terminal
from checker.core.results import Report, Tally
from checker.report.text_format import needs_attention, summary, waiver_note

STYLE = {
    "pass": "green",
    "warn": "yellow",
    "fail": "bold red",
    "skip": "dim",
    "waived": "cyan",
    "error": "bold magenta",
    "PASS": "bold green",
    "FAIL": "bold red",
    "ERROR": "bold magenta",
}
# Runs over this many files take about two seconds or more: show progress for them.
PROGRESS_FILES = 2000


def print_report(report: Report, console: Console | None = None, *, quiet: bool = False) -> Tally:
    """Print every order's results, a table per rule and the summary; return the tally.
    `quiet`: only the orders that need attention, then the summary."""
    console = console or Console(highlight=False, soft_wrap=True)
    width = max((len(r.rule) for o in report.orders for r in o.results), default=0)
    waivers = report.pack.waivers
    status_width = 6 if waivers is not None else 4
    for order in report.orders:
        if quiet and not needs_attention(order):
            continue
        verdict = order.verdict.upper()
        console.print(
            Text.assemble(
                for_terminal(f"{order.file}  {order.order_id or ''}".rstrip()),
                "  ",
                (verdict, STYLE[verdict]),
            )
        )
        for problem in order.errors:
            console.print(
                Text.assemble("  ", ("error", STYLE["error"]), f"  {for_terminal(str(problem))}")
            )
        for r in order.results:
            if quiet and r.status not in ("fail", "warn"):
                continue
            console.print(
                Text.assemble(
                    "  ",
                    (f"{r.status:<{status_width}}", STYLE[r.status]),
                    f"  {r.rule:<{width}}  {for_terminal(r.message)}",
                )
            )
            if r.waiver is not None and waivers is not None:
                note = for_terminal(waiver_note(r.waiver, waivers.as_of))
                console.print(" " * (status_width + width + 6) + note, style=STYLE["waived"])
        console.print()
    tally = report.tally()
    if not quiet:
        table = Table(box=box.SIMPLE_HEAD, title="results per rule", title_justify="left")
        table.add_column("rule")
        for status in tally.statuses:
            table.add_column(status, justify="right", style=STYLE[status])
        for rule, counts in tally.rules.items():
            table.add_row(rule, *(str(counts[s]) for s in tally.statuses))
        console.print(table)
    worst = ("PASS", "FAIL", "ERROR")[tally.exit_code]
    console.print(Text(summary(tally, report.pack), style=STYLE[worst]))
    return tally


@contextmanager
def progress(total: int) -> Iterator[Callable[[], None] | None]:
    """A transient progress bar on stderr for long runs on a terminal, else nothing."""
    console = Console(stderr=True)
    if total < PROGRESS_FILES or not console.is_terminal:
        yield None
        return
    # The report may be written to stdout (a file or pipe) while the bar runs: leave
    # stdout alone instead of routing it through the bar's console.
    with Progress(
        console=console, transient=True, redirect_stdout=False, redirect_stderr=False
    ) as bar:
        task = bar.add_task("checking orders", total=total)
        yield lambda: bar.advance(task)
