"""Report formats: one writer per format, fed one order result at a time.

A writer turns the start of a run, each order's result and the final tally into pieces
of text, so a run of 100,000 orders never holds its results or its report in memory.
`write_report` drives writers; `render` makes the whole text of a kept Report.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Sequence
from typing import Protocol

from checker.core.results import (
    OrderResult,
    PackInfo,
    Report,
    Tally,
)


class Writer(Protocol):
    def begin(self) -> Iterable[str]: ...

    def order(self, order: OrderResult) -> Iterable[str]: ...

    def end(self, tally: Tally) -> Iterable[str]: ...


class Sink(Protocol):
    def writelines(self, lines: Iterable[str], /) -> None: ...


def write_report(
    pack: PackInfo, orders: Iterable[OrderResult], outputs: Sequence[tuple[Writer, Sink]]
) -> Tally:
    """Feed every result to every writer in turn; the tally of the results.

    Nothing is written before the first result exists: by then every order file has
    been read, so a report written into an orders directory is never read as an order.
    """
    tally = Tally.of(pack)
    results = iter(orders)
    first = next(results, None)
    for writer, sink in outputs:
        sink.writelines(writer.begin())
    if first is not None:
        for order in itertools.chain((first,), results):
            tally.add(order)
            for writer, sink in outputs:
                sink.writelines(writer.order(order))
    for writer, sink in outputs:
        sink.writelines(writer.end(tally))
    return tally


def render(fmt: str, report: Report, *, quiet: bool = False) -> str:
    out = io.StringIO()
    write_report(report.pack, report.orders, [(writer(fmt, report.pack, quiet=quiet), out)])
    return out.getvalue()


def writer(fmt: str, pack: PackInfo, *, quiet: bool = False) -> Writer:
    """The writer for `fmt`, its module imported only when a run asks for it (a text
    check does not load orjson or XML); `quiet` shortens the text report only."""
    if fmt == "text":
        from checker.report.text_format import TextWriter

        return TextWriter(pack, quiet=quiet)
    if fmt == "json":
        from checker.report.json_format import JsonWriter

        return JsonWriter(pack)
    if fmt == "sarif":
        from checker.report.sarif_format import SarifWriter

        return SarifWriter(pack)
    if fmt == "junit":
        from checker.report.junit_format import JunitWriter

        return JunitWriter(pack)
    if fmt == "github":
        from checker.report.github_format import GithubWriter

        return GithubWriter(pack)
    if fmt == "html":
        from checker.report.html_format import HtmlWriter

        return HtmlWriter(pack)
    raise ValueError(f"no report format {fmt!r}")


FORMATS = ("text", "json", "sarif", "junit", "github", "html")
